"""Users and API clients: who they are, their role, and logging in.

Every change is an operation (``manage_users``, audited); a log-in attempt is one too
(``log_in``), so failures count toward the lock-out and show in the audit trail.
Passwords and tokens never reach the database, a log or an audit row: only hashes."""
from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from core.incidents import FieldError
from core.passwords import hash_password, new_token, password_matches, same_hash, token_hash
from core.roles import check_role, role_permissions
from core.settings import SecuritySettings
from db.engine import session_factory
from db.operations import Actor, OperationRunner, actor_for_account  # noqa: F401 (actor_for_account: callers)
from db.models import ApiClient, User

MANAGE = "manage_users"
LOG_IN = "log_in"
LEGACY_CLIENT = "api"  # the name the configured ``[api] token`` is kept under
_NAME = re.compile(r"[A-Za-z0-9_.\-@\u4e00-\u9fff]{1,64}")


class LoginRefused(PermissionError):
    pass


@dataclass(frozen=True)
class UserInfo:
    username: str
    display_name: str
    role: str
    disabled: bool
    locked_until: datetime | None

    def to_dict(self) -> dict:
        return {"username": self.username, "display_name": self.display_name, "role": self.role,
                "disabled": self.disabled,
                "locked_until": self.locked_until.isoformat() if self.locked_until else None}


@dataclass(frozen=True)
class ClientInfo:
    name: str
    role: str
    created_at: datetime
    revoked_at: datetime | None

    def to_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "created_at": self.created_at.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None}


def check_name(field: str, name: str) -> str:
    """Names are plain words (letters, digits, ``_.-@``, Chinese): nothing SQL- or shell-like."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise FieldError(field, f"1-64 letters, digits, Chinese characters or _.-@, got {name!r:.80}")
    return name


def _user_info(u: User) -> UserInfo:
    return UserInfo(u.username, u.display_name, u.role, u.disabled, u.locked_until)


def _audit_user(u: User) -> dict:
    # What the audit keeps of a user: never the password hash.
    return {"username": u.username, "role": u.role, "disabled": u.disabled}


# --- users ---------------------------------------------------------------------------

def add_user(runner, username: str, role: str, password: str, display_name: str | None = None) -> UserInfo:
    check_name("name", username)
    try:
        check_role(role)
    except ValueError as exc:
        raise FieldError("role", str(exc).partition(": ")[2]) from None
    hashed = hash_password(password)

    def write(ctx):
        if ctx.session.scalar(select(User.id).where(User.username == username)) is not None:
            raise FieldError("name", f"a user named {username!r} exists already")
        user = User(username=username, display_name=display_name or username, role=role, password_hash=hashed,
                    disabled=False, failed_logins=0, created_at=ctx.now)
        ctx.session.add(user)
        ctx.audit("users", username, None, _audit_user(user))
        return _user_info(user)

    try:
        return runner.run("add user", write, MANAGE)
    except IntegrityError:
        raise FieldError("name", f"a user named {username!r} exists already") from None


def _change_user(runner, username: str, operation: str, change) -> UserInfo:
    check_name("name", username)

    def write(ctx):
        user = ctx.session.scalar(select(User).where(User.username == username))
        if user is None:
            raise FieldError("name", f"no user named {username!r}")
        before = _audit_user(user)
        change(user)
        user.updated_at = ctx.now
        ctx.audit("users", username, before, _audit_user(user))
        return _user_info(user)

    return runner.run(operation, write, MANAGE)


def disable_user(runner, username: str) -> UserInfo:
    return _change_user(runner, username, "disable user", lambda u: setattr(u, "disabled", True))


def set_password(runner, username: str, password: str) -> UserInfo:
    hashed = hash_password(password)

    def change(user: User) -> None:
        user.password_hash = hashed
        user.failed_logins, user.locked_until = 0, None  # a new password unlocks

    return _change_user(runner, username, "set password", change)


def set_role(runner, username: str, role: str) -> UserInfo:
    try:
        check_role(role)
    except ValueError as exc:
        raise FieldError("role", str(exc).partition(": ")[2]) from None
    return _change_user(runner, username, "set role", lambda u: setattr(u, "role", role))


def users_exist(session) -> bool:
    """Whether anyone can log in: then the desktop asks who works there."""
    return session.scalar(select(User.id).where(User.disabled.is_(False)).limit(1)) is not None


def list_users(engine: Engine) -> list[UserInfo]:
    with session_factory(engine)() as session:
        return [_user_info(u) for u in session.scalars(select(User).order_by(User.username))]


def log_in(engine: Engine, username: str, password: str, workstation: str | None = None,
           security: SecuritySettings | None = None, clock=None):
    """The actor for ``username`` if the password is right; LoginRefused (one message
    for an unknown name or a wrong password) otherwise. Each attempt is recorded."""
    security = security or SecuritySettings()
    workstation = (workstation or socket.gethostname())[:64]
    name = username if isinstance(username, str) else ""
    runner = OperationRunner(engine, Actor(name[:64] or "?", workstation, frozenset({LOG_IN})), clock)

    def write(ctx):
        user = ctx.session.scalar(select(User).where(User.username == name)) if _NAME.fullmatch(name) else None
        # The hash is checked first, whatever else is wrong, so every refusal takes as long.
        matches = password_matches(user.password_hash if user else None, password or "")
        if user is None:
            ctx.audit("users", name[:64], None, {"login": "unknown user"})
            return None, "用户名或密码错误 wrong user name or password"
        before = {"failed_logins": user.failed_logins}
        if user.disabled:
            ctx.audit("users", name, before, {"login": "disabled"})
            return None, "账号已停用 this account is disabled"
        if user.locked_until is not None and user.locked_until > ctx.now:
            ctx.audit("users", name, before, {"login": "locked"})
            return None, f"账号已锁定 locked until {user.locked_until:%H:%M} UTC after repeated failures"
        if not matches:
            user.failed_logins += 1
            after = {"failed_logins": user.failed_logins, "login": "wrong password"}
            if user.failed_logins >= security.max_failed_logins:
                user.locked_until = ctx.now + timedelta(minutes=security.lockout_minutes)
                user.failed_logins = 0
                after["locked_until"] = user.locked_until.isoformat()
            ctx.audit("users", name, before, after)
            return None, "用户名或密码错误 wrong user name or password"
        user.failed_logins, user.locked_until = 0, None
        ctx.audit("users", name, before, {"failed_logins": 0, "login": "ok"})
        return Actor.for_role(user.username, workstation, user.role), None

    actor, refusal = runner.run("log in", write, LOG_IN)
    if refusal:
        raise LoginRefused(refusal)
    return actor


# --- API clients ---------------------------------------------------------------------

def add_client(runner, name: str, role: str) -> tuple[ClientInfo, str]:
    """A new client and its token: the token is returned this once and never stored."""
    check_name("name", name)
    try:
        check_role(role, client=True)
    except ValueError as exc:
        raise FieldError("role", str(exc).partition(": ")[2]) from None
    token = new_token()
    info = _insert_client(runner, name, role, token_hash(token))
    return info, token


def _insert_client(runner, name: str, role: str, digest: str, operation: str = "add API client") -> ClientInfo:
    def write(ctx):
        if ctx.session.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
            raise FieldError("name", f"an API client named {name!r} exists already")
        client = ApiClient(name=name, role=role, token_hash=digest, created_at=ctx.now)
        ctx.session.add(client)
        ctx.audit("api_clients", name, None, {"name": name, "role": role})
        return ClientInfo(name, role, ctx.now, None)

    try:
        return runner.run(operation, write, MANAGE)
    except IntegrityError:
        raise FieldError("name", f"an API client named {name!r} exists already") from None


def revoke_client(runner, name: str) -> ClientInfo:
    check_name("name", name)

    def write(ctx):
        client = ctx.session.scalar(select(ApiClient).where(ApiClient.name == name))
        if client is None:
            raise FieldError("name", f"no API client named {name!r}")
        if client.revoked_at is None:
            client.revoked_at = ctx.now
            ctx.audit("api_clients", name, {"revoked_at": None}, {"revoked_at": ctx.now.isoformat()})
        return ClientInfo(client.name, client.role, client.created_at, client.revoked_at)

    return runner.run("revoke API client", write, MANAGE)


def list_clients(engine: Engine) -> list[ClientInfo]:
    with session_factory(engine)() as session:
        return [ClientInfo(c.name, c.role, c.created_at, c.revoked_at)
                for c in session.scalars(select(ApiClient).order_by(ApiClient.name))]


def active_clients(engine: Engine) -> dict[str, tuple[str, str]]:
    """token hash -> (client name, role), for the clients not revoked."""
    with session_factory(engine)() as session:
        rows = session.execute(select(ApiClient.token_hash, ApiClient.name, ApiClient.role)
                               .where(ApiClient.revoked_at.is_(None))).all()
    return {r.token_hash: (r.name, r.role) for r in rows}


def find_client(clients: dict[str, tuple[str, str]], token: str) -> tuple[str, str] | None:
    """The client whose token this is; every stored hash is compared, in constant time."""
    digest = token_hash(token)
    found = None
    for stored, client in clients.items():
        if same_hash(stored, digest):
            found = client
    return found


def adopt_configured_token(runner, token: str) -> bool:
    """The settings' ``[api] token`` from before API clients existed becomes the client
    ``api`` (role legacy_api: both calls the old token could make), so it keeps
    working until `gridcommand token revoke api`. A revoked one is never
    adopted again (its hash stays on the revoked row)."""
    if not token:
        return False
    digest = token_hash(token)
    with session_factory(runner.engine)() as session:
        if session.scalar(select(ApiClient.id).where(ApiClient.token_hash == digest)) is not None:
            return False
        taken = session.scalar(select(ApiClient.id).where(ApiClient.name == LEGACY_CLIENT)) is not None
    try:
        _insert_client(runner, LEGACY_CLIENT + ("-legacy" if taken else ""), "legacy_api", digest,
                       "adopt configured API token")
    except FieldError:
        return False  # another `serve` process adopted it a moment ago
    return True
