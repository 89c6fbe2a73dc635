"""Where data and settings live, and how the database URL is chosen.

Order for the URL: an explicit ``--db`` argument, then ``GRIDCOMMAND_DB``, then the
settings file, then the SQLite file in the user data directory.
"""
from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

import platformdirs
import tomli_w

from core.redaction import redact
from core.settings import Settings, settings_from_dict

APP_NAME = "gridcommand"
ENV_DB = "GRIDCOMMAND_DB"
# Tests and portable installs move everything by setting this one variable.
ENV_HOME = "GRIDCOMMAND_HOME"


def data_dir() -> Path:
    home = os.environ.get(ENV_HOME)
    return Path(home) / "data" if home else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    home = os.environ.get(ENV_HOME)
    return Path(home) / "config" if home else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def settings_path() -> Path:
    return config_dir() / "settings.toml"


def default_db_url() -> str:
    return f"sqlite:///{data_dir() / 'gridcommand.sqlite'}"


def demo_db_url() -> str:
    return f"sqlite:///{data_dir() / 'demo.sqlite'}"


def load_settings(path: Path | None = None) -> tuple[Settings, list[str]]:
    """Read settings; a missing file gives defaults, a broken one defaults plus a problem."""
    path = path or settings_path()
    if not path.exists():
        return Settings(), []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return Settings(), [f"{path}: cannot be read ({exc}); using defaults"]
    settings, problems = settings_from_dict(data)
    warning = exposure_warning(path)
    return settings, problems + ([warning] if warning else [])


def exposure_warning(path: Path) -> str | None:
    """A warning when other users can read the settings file: it may hold the API
    token and a database password."""
    if os.name != "posix":
        return None
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        return f"{path} is readable by other users (mode {stat.S_IMODE(mode):o}); run: chmod 600 {path}"
    return None


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write atomically, so a crash mid-write never leaves a half file; owner-only
    (0600 in a 0700 directory), as it may hold the API token and a database password."""
    path = path or settings_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.parent == config_dir():
        os.chmod(path.parent, 0o700)  # our own directory, perhaps made 0755 by an older version
    tmp = path.with_suffix(".toml.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # O_CREAT's mode is ignored when a stale tmp file exists
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(tomli_w.dumps(settings.to_dict()))
    os.replace(tmp, path)
    return path


def redact_url(url: str) -> str:
    """A database URL fit for a status bar or log, as typed, credentials replaced by ***.
    (No SQLAlchemy here: the GUI shows this before the database layer is loaded.)"""
    return redact(url)


def resolve_db_url(cli_url: str | None = None, settings: Settings | None = None) -> str:
    if cli_url:
        return cli_url
    if os.environ.get(ENV_DB):
        return os.environ[ENV_DB]
    if settings is None:
        settings, _ = load_settings()
    return settings.database.url or default_db_url()
