"""Engine factory for the embedded SQLite file and a shared PostgreSQL."""
from __future__ import annotations

import atexit
import weakref
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from core.redaction import redact


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or opened; the message says which and why."""


PG_CONNECT_TIMEOUT_S = 10


def is_connection_error(exc: BaseException) -> bool:
    """True when ``exc`` means the database is unreachable (server down, connection cut,
    connections refused), not that the statement was wrong: worth retrying later."""
    from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

    if isinstance(exc, DatabaseUnavailable):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (OperationalError, InterfaceError)):
        # SQLite's "database is locked" is an OperationalError too, and not an outage.
        return "locked" not in str(exc.orig if isinstance(exc, DBAPIError) else exc).lower()
    return isinstance(exc, (ConnectionError, TimeoutError))


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the GUI read while ingest writes; busy_timeout waits out short locks
    # instead of failing a workstation's write.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


# Every SQLite engine this process made, closed at exit (see close_sqlite_engines).
_sqlite_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def close_sqlite_engines() -> None:
    """Close the pooled connections of every SQLite engine. The last connection to
    close checkpoints the WAL into the database file and deletes the ``-wal`` file, so
    a process that ends on a signal (handled as a normal exit) leaves one clean file."""
    for engine in list(_sqlite_engines):
        engine.dispose()


atexit.register(close_sqlite_engines)


def make_engine(url: str, **kwargs) -> Engine:
    # A failed statement's message would otherwise quote its parameters (a caller's
    # name and phone) into logs and error dialogs.
    kwargs.setdefault("hide_parameters", True)
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite"):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        _sqlite_engines.add(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    # A server that is gone (host down, cable cut) is noticed within this many seconds
    # instead of the operating system's TCP timeout (minutes): the ingest writer then
    # spools, and the workstation shows the loss.
    connect_args = dict(kwargs.pop("connect_args", {}))
    connect_args.setdefault("connect_timeout", PG_CONNECT_TIMEOUT_S)
    # The same for a connection already open when the server vanishes (no reset ever comes):
    # unacknowledged data fails after tcp_user_timeout, an idle connection after the keepalives,
    # instead of TCP's retransmission limit (about 15 minutes).
    connect_args.setdefault("tcp_user_timeout", PG_CONNECT_TIMEOUT_S * 1000)
    connect_args.setdefault("keepalives", 1)
    connect_args.setdefault("keepalives_idle", 10)
    connect_args.setdefault("keepalives_interval", 3)
    connect_args.setdefault("keepalives_count", 3)
    return create_engine(url, connect_args=connect_args, **kwargs)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def describe(url: str) -> str:
    """The URL as the user typed it (no driver added), credentials redacted, for
    messages and logs."""
    return redact(url)


def ping(engine: Engine) -> None:
    """One round trip on a fresh or pooled connection; raises if the database does not answer."""
    from sqlalchemy import text

    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def open_engine(url: str, **kwargs) -> Engine:
    """An engine whose database answers; otherwise a clear ``DatabaseUnavailable``."""
    from sqlalchemy import text
    from sqlalchemy.exc import ArgumentError, DBAPIError

    try:
        engine = make_engine(url, **kwargs)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except ArgumentError as exc:
        raise DatabaseUnavailable(f"not a database URL: {describe(url)!r} ({redact(str(exc))})") from None
    except (DBAPIError, OSError) as exc:
        reason = getattr(exc, "orig", exc)
        raise DatabaseUnavailable(f"cannot open the database {describe(url)}: {redact(' '.join(str(reason).split()))}") from None
    return engine
