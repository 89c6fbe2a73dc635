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

from sqlalchemy import Engine, inspect, select, update
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import Session

from core.audit_chain import GENESIS, at_text, clean, json_text, row_hash
from core.clock import Clock, SystemClock
from core.link_state import LinkState
from core.roles import PERMISSIONS, ROLES, role_permissions
from db.engine import DatabaseUnavailable, session_factory
from db.models import AuditLog, ChangeLog, FeedRevision, User
from db.feed_revisions import lock_feed
from db.notify import CHANGES_CHANNEL, notify

T = TypeVar("T")
CHANGES_FEED = "changes"
# How many rows the audit chain has had appended (a removed tail shows against it);
# written only under the changes feed's lock, which also orders the chain.
AUDIT_COUNT_FEED = "audit"


@dataclass(frozen=True)
class Actor:
    """Who runs an operation. ``role`` None with ``*``: the system itself (services,
    the console of an account that is not a registered user)."""

    user: str
    workstation: str
    permissions: frozenset[str] = frozenset({"*"})
    role: str | None = None

    @classmethod
    def local(cls) -> "Actor":
        return cls(user=getpass.getuser(), workstation=socket.gethostname())

    @classmethod
    def for_role(cls, user: str, workstation: str, role: str) -> "Actor":
        return cls(user=user, workstation=workstation, permissions=role_permissions(role), role=role)

    def may(self, permission: str) -> bool:
        return "*" in self.permissions or permission in self.permissions

    @property
    def role_label(self) -> str:
        return ROLES[self.role].label if self.role in ROLES else "系统 system"


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
    audited: int = 0  # audit rows appended to the chain in this operation
    _head: str | None = None  # the chain's last hash, read under the feed lock
    _locked: bool = False

    def _lock(self) -> None:
        if not self._locked:
            # Change rows then commit in id order, so workstations polling "id > last seen"
            # never skip one that a slower transaction commits later; the audit chain
            # is appended under the same lock, so it follows commit order too.
            lock_feed(self.session, CHANGES_FEED)
            self._locked = True

    def audit(self, entity: str, entity_id: Any, before: dict | None, after: dict | None) -> None:
        self._lock()
        if self._head is None:
            self._head = self.session.scalar(select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)) or GENESIS
        row = AuditLog(
            at=self.now, actor=clean(self.actor.user[:64]), workstation=clean(self.actor.workstation[:64]),
            operation=clean(self.operation[:64]), entity=clean(entity),
            entity_id=None if entity_id is None else clean(str(entity_id)), before=before, after=after,
            prev_hash=self._head,
        )
        row.hash = self._head = row_hash(self._head, at_text(self.now), row.actor, row.workstation, row.operation,
                                         entity, row.entity_id, json_text(before), json_text(after))
        self.session.add(row)
        self.audited += 1

    def close_chain(self) -> None:
        """Count what this operation appended (called once, before commit)."""
        if self.audited:
            self.session.flush()  # the rows in add order: their ids follow the chain
            lock_feed(self.session, AUDIT_COUNT_FEED)
            self.session.execute(update(FeedRevision).where(FeedRevision.feed == AUDIT_COUNT_FEED)
                                 .values(rev=FeedRevision.rev + self.audited))

    def changed(self, kind: str, entity_id: Any = None) -> None:
        if not self.kinds:
            self._lock()
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
        self.actor = actor or local_actor(engine)
        self.clock = clock or SystemClock()
        self.read_only = read_only
        self._sessions = session_factory(engine)

    def run(self, operation: str, fn: Callable[[OpContext], T], permission: str) -> T:
        """Run ``fn`` as one transaction, if the actor holds ``permission`` (declared in
        core.roles: an undeclared one is a programming error, refused whoever asks)."""
        if permission not in PERMISSIONS:
            raise ValueError(f"{operation}: permission {permission!r} is not declared in core.roles")
        if self.read_only:
            raise ReadOnlyRefused(f"{operation}: refused, this is a read-only replay")
        if not self.actor.may(permission):
            raise PermissionDenied(f"{operation}: refused, {self.actor.user} ({self.actor.role_label}) "
                                   f"may not {permission}")
        if self.link is not None and (since := self.link.lost_since) is not None:
            raise WriteRefused(operation, since, self.link.reason)
        now = self.clock.now()
        try:
            with self._sessions() as session, session.begin():
                ctx = OpContext(session, self.actor, operation, now)
                result = fn(ctx)
                ctx.close_chain()
        except StaleDataError as exc:
            # The ORM's own version check fired at flush: someone committed in between.
            raise ConflictError(f"the record was changed by another workstation while saving; reload and try again ({exc})") from exc
        except OperationalError as exc:
            raise DatabaseUnavailable(f"database error during {operation}: {exc.orig}") from exc
        return result


def local_actor(engine: Engine) -> Actor:
    """The account running this program (the CLI, a service): a registered user acts
    with their role (disabled: with none); any other account is the machine's own
    operator, with every permission, as before users existed."""
    return actor_for_account(engine, Actor.local())


def actor_for_account(engine: Engine, account):
    """``account`` (an Actor for the OS user) with its registered role, if it is a user."""
    try:
        with session_factory(engine)() as session:
            row = session.execute(select(User.role, User.disabled).where(User.username == account.user)).first()
    except DBAPIError:
        return account  # no users table yet (an old schema being migrated): nobody is registered
    if row is None:
        return account
    permissions = frozenset() if row.disabled else role_permissions(row.role)
    return Actor(account.user, account.workstation, permissions, row.role)
