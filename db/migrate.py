"""Create or migrate the schema with Alembic, from inside the program."""
from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def _config(connection=None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("db") / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Upgrade to ``revision``; returns the revision the database is now at."""
    with engine.begin() as conn:
        command.upgrade(_config(conn), revision)
    return current_revision(engine)


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision()


def autogenerate(engine: Engine, message: str) -> None:
    """Developer helper: write a new revision from the model changes."""
    with engine.begin() as conn:
        command.revision(_config(conn), message=message, autogenerate=True)
