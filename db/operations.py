"""The one operation runner every write of business data goes through.

Each operation runs in its own session and transaction: it checks the row version
a workstation last saw, writes, appends audit rows and change rows, and commits.
Every workstation, this one included, learns what changed from those change rows
through the change feed, so each view refreshes only what its kind covers
(Anki's CollectionOp/OpChanges)."""
from __future__ import annotations

import getpass
import socket
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, TypeVar

from sqlalchemy import Engine, inspect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.link_state import LinkState
from db.engine import DatabaseUnavailable, session_factory
from db.models import AuditLog, ChangeLog
from db.feed_revisions import lock_feed
from db.notify import CHANGES_CHANNEL, notify

T = TypeVar("T")
CHANGES_FEED = "changes"


@dataclass(frozen=True)
class Actor:
    user: str
    workstation: str
    permissions: frozenset[str] = frozenset({"*"})

    @classmethod
    def local(cls) -> "Actor":
        return cls(user=getpass.getuser(), workstation=socket.gethostname())

    def may(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions


class PermissionDenied(PermissionError):
    pass


class WriteRefused(DatabaseUnavailable):
    """A write asked while the workstation knows the database is unreachable: refused at
    once, nothing written; ``since`` is when the database was lost."""

    def __init__(self, operation: str, since: datetime, reason: str = ""):
        super().__init__(f"{operation}: refused, the database is unreachable since {since.isoformat(timespec='seconds')}"
                         f"{f' ({reason})' if reason else ''}; nothing was saved")
        self.operation = operation
        self.since = since
        self.reason = reason


class ReadOnlyRefused(PermissionDenied):
    """A write asked of a read-only runner (a replay shows history; it never changes it)."""


class ConflictError(RuntimeError):
    """Another workstation changed the record first; ``fresh`` is its current state."""

    def __init__(self, message: str, fresh: Any = None):
        super().__init__(message)
        self.fresh = fresh


@dataclass
class OpContext:
    session: Session
    actor: Actor
    operation: str
    now: datetime
    kinds: set[str] = field(default_factory=set)

    def audit(self, entity: str, entity_id: Any, before: dict | None, after: dict | None) -> None:
        self.session.add(AuditLog(
            at=self.now, actor=self.actor.user, workstation=self.actor.workstation, operation=self.operation,
            entity=entity, entity_id=None if entity_id is None else str(entity_id), before=before, after=after,
        ))

    def changed(self, kind: str, entity_id: Any = None) -> None:
        if not self.kinds:
            # Change rows then commit in id order, so workstations polling "id > last seen"
            # never skip one that a slower transaction commits later.
            lock_feed(self.session, CHANGES_FEED)
        if kind not in self.kinds:
            notify(self.session, CHANGES_CHANNEL, kind)
        self.kinds.add(kind)
        self.session.add(ChangeLog(at=self.now, kind=kind, entity_id=None if entity_id is None else str(entity_id)))

    def check_version(self, row: Any, expected: int | None, describe: Callable[[Any], dict] | None = None) -> None:
        """Refuse to write over a row someone else changed since ``expected`` was read."""
        if expected is not None and row.version != expected:
            fresh = describe(row) if describe else row_dict(row)
            raise ConflictError(
                f"{type(row).__name__} {getattr(row, 'id', '')} was changed by another workstation "
                f"(version {row.version}, you edited version {expected}); reload and try again",
                fresh,
            )


def row_dict(row: Any) -> dict[str, Any]:
    """A JSON-safe snapshot of a row's columns, for audit before/after."""
    out = {}
    for attr in inspect(row).mapper.column_attrs:
        value = getattr(row, attr.key)
        out[attr.key] = value.isoformat() if isinstance(value, (datetime, date)) else value
    return out


class OperationRunner:
    def __init__(self, engine: Engine, actor: Actor | None = None, clock: Clock | None = None,
                 read_only: bool = False, link: LinkState | None = None):
        self.engine = engine
        # A workstation's view of the database link: while it is down, writes are refused at
        # once with the time of the loss (None: every write tries the database).
        self.link = link
        self.actor = actor or Actor.local()
        self.clock = clock or SystemClock()
        self.read_only = read_only
        self._sessions = session_factory(engine)

    def run(self, operation: str, fn: Callable[[OpContext], T], permission: str | None = None) -> T:
        if self.read_only:
            raise ReadOnlyRefused(f"{operation}: refused, this is a read-only replay")
        if permission and not self.actor.may(permission):
            raise PermissionDenied(f"{self.actor.user} may not {permission}")
        if self.link is not None and (since := self.link.lost_since) is not None:
            raise WriteRefused(operation, since, self.link.reason)
        now = self.clock.now()
        try:
            with self._sessions() as session, session.begin():
                ctx = OpContext(session, self.actor, operation, now)
                result = fn(ctx)
        except StaleDataError as exc:
            # The ORM's own version check fired at flush: someone committed in between.
            raise ConflictError(f"the record was changed by another workstation while saving; reload and try again ({exc})") from exc
        except OperationalError as exc:
            raise DatabaseUnavailable(f"database error during {operation}: {exc.orig}") from exc
        return result
