"""Create or migrate the schema with Alembic, from inside the program.

Alembic is imported only when there is something to do: every start of the desktop
checks the embedded database, and an up-to-date one (the usual case) is recognised by
reading ``alembic_version`` and the revision ids written in the migration files."""
from __future__ import annotations

import re
from importlib import resources

from sqlalchemy import Engine, inspect, text

_REVISION_RE = re.compile(r"^(down_revision|revision)\s*=\s*['\"]?([^'\"\s]*)['\"]?", re.MULTILINE)


def _config(connection=None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("db") / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


def head_revision_fast() -> str | None:
    """The head read from the migration files' text (no Alembic import); None if the
    files do not form one simple chain, in which case Alembic decides."""
    revisions, parents = set(), set()
    for path in (resources.files("db") / "migrations" / "versions").iterdir():
        if not path.name.endswith(".py") or path.name.startswith("__"):
            continue
        found = dict((k, v) for k, v in _REVISION_RE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(found["revision"])
        if found.get("down_revision") not in (None, "", "None"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Upgrade to ``revision``; returns the revision the database is now at."""
    if revision == "head":
        head = head_revision_fast()
        if head is not None and current_revision(engine) == head:
            return head  # nothing to do: no Alembic import on the start-up path
    from alembic import command

    if engine.dialect.name != "sqlite":
        with engine.begin() as conn:
            command.upgrade(_config(conn), revision)
        return current_revision(engine)
    with engine.connect() as conn:
        # SQLite alters a table by copying it, dropping the original and renaming the copy.
        # With foreign keys enforced, that DROP deletes the rows first, which cascades into
        # (or is refused by) every child table: units -> devices -> positions. So they are
        # off for the migration (the pragma is ignored inside a transaction: set it before),
        # checked before the commit, and back on for the pooled connection afterwards.
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.commit()
        # The driver would only open a transaction at the first INSERT/UPDATE, leaving the
        # DDL before it committed as it runs: an explicit BEGIN makes the whole upgrade one
        # transaction, rolled back whole if a step or the check fails.
        dbapi = conn.connection.driver_connection
        isolation = dbapi.isolation_level
        dbapi.isolation_level = None
        try:
            with conn.begin():
                conn.exec_driver_sql("BEGIN")
                command.upgrade(_config(conn), revision)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    table, rowid, parent, _ = broken[0]
                    raise RuntimeError(f"the migration would leave {len(broken)} rows with a broken foreign key "
                                       f"(first: {table} row {rowid} -> {parent}); nothing was changed")
        finally:
            dbapi.isolation_level = isolation
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            conn.commit()
    return current_revision(engine)


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def autogenerate(engine: Engine, message: str) -> None:
    """Developer helper: write a new revision from the model changes."""
    from alembic import command

    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
