"""`gridcommand db backup` and `db restore`: a copy of the whole database, and putting one back.

SQLite: the online backup API copies a consistent snapshot page by page while
workstations and `serve` keep writing (WAL), so nobody has to stop. PostgreSQL:
``pg_dump`` (custom format) and ``pg_restore``, when installed; the password goes to
them through the environment, never the command line (other users see that in ``ps``).

Both write to a temporary file beside the target and rename it into place, so a
failed backup never leaves a half file under the requested name, and both refuse to
overwrite something that exists unless told to (``force``).
"""
from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from core.redaction import redact
from db.engine import normalize_url

__all__ = ["BackupError", "BackupResult", "backup", "restore"]

# The tables a database of this program always has: a file without them is not our backup.
_MARKER_TABLE = "alembic_version"


class BackupError(RuntimeError):
    """A backup or restore that could not be done; the message is one line, credentials hidden."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    revision: str | None  # the schema revision the copy is at


def _sqlite_path(url: URL) -> Path | None:
    if not url.drivername.startswith("sqlite"):
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def _revision_of_sqlite(path: Path) -> str | None:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"{path} is damaged (SQLite quick_check failed)")
        if not con.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (_MARKER_TABLE,)).fetchone():
            raise BackupError(f"{path} is not a Grid Command database (no schema revision)")
        row = con.execute(f"SELECT version_num FROM {_MARKER_TABLE}").fetchone()
        return row[0] if row else None
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a SQLite database ({exc})") from None
    finally:
        con.close()


def _refuse_existing(path: Path, force: bool, what: str) -> None:
    if path.exists() and not force:
        raise BackupError(f"{path} exists; {what} refuses to overwrite it without --force")


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy with the online backup API into ``target`` (written whole, then renamed)."""
    tmp = _temporary(target)
    tmp.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(tmp)
        try:
            # Pages in steps, so a running ingest server is never locked out for long.
            src.backup(dst, pages=1024)
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        raise BackupError(f"copying {source} failed: {exc}") from None
    finally:
        src.close()
        tmp.unlink(missing_ok=True)


def _sqlite_restore(source: Path, target: Path) -> None:
    """Copy ``source`` over ``target`` with the backup API, in one step: SQLite writes it as
    one transaction (all or nothing), through the target's own WAL, so a process that has
    the database open sees the restored data rather than a file swapped under it."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.Error as exc:
        raise BackupError(f"restoring {target} failed: {exc}") from None
    finally:
        src.close()


def _pg_env(url: URL) -> dict[str, str]:
    """libpq's environment for the URL: the password is never on a command line."""
    env = dict(os.environ)
    for key, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                       ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[key] = str(value)
        elif key == "PGPASSWORD":
            env.pop(key, None)  # the URL's login, not one lying around in the environment
    return env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools (Debian: apt-get install "
                          f"postgresql-client) or back the server up with its own tools")
    return found


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(command, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        detail = " ".join((done.stderr or done.stdout or "").split())[:400]
        raise BackupError(f"{what} failed: {redact(detail)}")


def backup(db_url: str, out: Path, force: bool = False) -> BackupResult:
    """Write a copy of the database at ``db_url`` to ``out``."""
    url = make_url(normalize_url(db_url))
    out = Path(out)
    _refuse_existing(out, force, "backup")
    out.parent.mkdir(parents=True, exist_ok=True)
    source = _sqlite_path(url)
    if source is not None:
        if not source.exists():
            raise BackupError(f"no database at {source}")
        _sqlite_copy(source, out)
        return BackupResult(out, out.stat().st_size, _revision_of_sqlite(out))
    tmp = _temporary(out)
    try:
        _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(tmp)], _pg_env(url), "pg_dump")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    from db.engine import make_engine
    from db.migrate import current_revision

    engine = make_engine(db_url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    return BackupResult(out, out.stat().st_size, revision)


def _pg_has_tables(db_url: str) -> bool:
    from sqlalchemy import inspect

    from db.engine import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return bool(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def restore(backup_file: Path, db_url: str, force: bool = False) -> BackupResult:
    """Replace the database at ``db_url`` by the copy in ``backup_file``.

    Refuses, changing nothing, when the target already holds a database and ``force``
    is not given, or when the file is not a backup of the right kind."""
    backup_file = Path(backup_file)
    if not backup_file.is_file():
        raise BackupError(f"no backup file at {backup_file}")
    url = make_url(normalize_url(db_url))
    target = _sqlite_path(url)
    if target is not None:
        revision = _revision_of_sqlite(backup_file)  # checked before anything is touched
        _refuse_existing(target, force, "restore")
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_restore(backup_file, target)
        return BackupResult(target, target.stat().st_size, revision)
    with open(backup_file, "rb") as f:
        if f.read(5) != b"PGDMP":
            raise BackupError(f"{backup_file} is not a pg_dump custom-format file")
    if _pg_has_tables(db_url) and not force:
        raise BackupError(f"the database {redact(db_url)} is not empty; restore refuses to overwrite it without --force")
    _run([_pg_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--dbname", url.database or "", str(backup_file)], _pg_env(url), "pg_restore")
    from db.engine import make_engine
    from db.migrate import current_revision

    engine = make_engine(db_url)
    try:
        revision = current_revision(engine)
    finally:
        engine.dispose()
    return BackupResult(backup_file, backup_file.stat().st_size, revision)
