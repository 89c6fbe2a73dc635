"""PostgreSQL NOTIFY on commit, so other workstations' change feeds wake at once.
On SQLite this does nothing: workstations there poll."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

POSITIONS_CHANNEL = "gridcommand_positions"
CHANGES_CHANNEL = "gridcommand_changes"


def notify(session: Session, channel: str, payload: str = "") -> None:
    """Queue a NOTIFY that PostgreSQL delivers only if and when the transaction commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(channel, payload)))
