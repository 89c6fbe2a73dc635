"""Where data and settings live, and how the database URL is chosen.

Order for the URL: an explicit ``--db`` argument, then ``GRIDCOMMAND_DB``, then the
settings file, then the SQLite file in the user data directory.
"""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

import platformdirs
import tomli_w

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
    return settings_from_dict(data)


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write atomically, so a crash mid-write never leaves a half file."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".toml.tmp")
    tmp.write_text(tomli_w.dumps(settings.to_dict()), encoding="utf-8")
    os.replace(tmp, path)
    return path


def redact_url(url: str) -> str:
    """A database URL fit for a status bar or log: the password replaced by ***.
    (No SQLAlchemy here: the GUI shows this before the database layer is loaded.)"""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def resolve_db_url(cli_url: str | None = None, settings: Settings | None = None) -> str:
    if cli_url:
        return cli_url
    if os.environ.get(ENV_DB):
        return os.environ[ENV_DB]
    if settings is None:
        settings, _ = load_settings()
    return settings.database.url or default_db_url()
