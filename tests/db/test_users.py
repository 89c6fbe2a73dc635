"""Users, roles and log-in on both databases: the runner refuses what a role lacks when
operations are called directly, passwords are Argon2id, failures lock the account, and
hostile names or passwords are refused naming the field, with nothing written."""
from __future__ import annotations

import statistics
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.clock import FixedClock
from core.incidents import FieldError
from core.passwords import PasswordError
from core.settings import SecuritySettings
from db.engine import session_factory
from db.findings_ops import NewFinding, record_finding
from db.incident_ops import create_incident, escalate
from db.models import AuditLog, Incident, User
from db.operations import Actor, OperationRunner, PermissionDenied
from db.users_repo import (
    LoginRefused, actor_for_account, add_user, disable_user, list_users, log_in, set_password, set_role,
)

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
G02 = (112.0800, 32.6795)
PASSWORD = "correct horse 12"


def _count(engine, model) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def _as(engine, role: str, clock=None) -> OperationRunner:
    return OperationRunner(engine, Actor.for_role(f"{role}-1", "ws", role), clock or FixedClock(T0))


def _incident(runner):
    return create_incident(runner, lon=G02[0], lat=G02[1], category="dispute", description="两人争吵")


def test_each_role_is_refused_what_it_lacks_by_the_runner_itself(seeded, engine):
    audits = _count(engine, AuditLog)
    for role in ("wall", "trainer", "grid_officer", "admin"):
        with pytest.raises(PermissionDenied, match=f"refused, {role}-1 .* may not create_incident"):
            _incident(_as(engine, role))
    assert _count(engine, Incident) == 0 and _count(engine, AuditLog) == audits  # nothing written
    incident, _ = _incident(_as(engine, "dispatcher"))
    with pytest.raises(PermissionDenied, match="may not escalate"):
        escalate(_as(engine, "dispatcher"), incident.id, to_tier=2, reason="r", expected_version=incident.version)
    escalate(_as(engine, "commander"), incident.id, to_tier=2, reason="r", expected_version=incident.version)
    finding = NewFinding(lon=G02[0], lat=G02[1], category="other", description="井盖缺失", outcome="on_spot")
    with pytest.raises(PermissionDenied, match="may not record_findings"):
        record_finding(_as(engine, "dispatcher"), finding)
    with session_factory(engine)() as s:
        actors = set(s.scalars(select(AuditLog.actor).where(AuditLog.entity == "incidents")))
    assert actors == {"dispatcher-1", "commander-1"}


def test_an_undeclared_permission_is_refused_even_for_the_system(runner):
    with pytest.raises(ValueError, match="not declared in core.roles"):
        runner.run("sneak", lambda ctx: None, "everything")


def test_add_list_log_in_and_the_actor_has_the_role(engine, runner):
    add_user(runner, "zhang.wei", "dispatcher", PASSWORD, "张伟")
    (user,) = list_users(engine)
    assert (user.username, user.display_name, user.role, user.disabled) == ("zhang.wei", "张伟", "dispatcher", False)
    with session_factory(engine)() as s:
        stored = s.scalar(select(User.password_hash))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    actor = log_in(engine, "zhang.wei", PASSWORD, "ws-7")
    assert (actor.user, actor.role, actor.workstation) == ("zhang.wei", "dispatcher", "ws-7")
    assert actor.may("dispatch") and not actor.may("escalate")
    with session_factory(engine)() as s:
        texts = " ".join(str(a.after) + str(a.before) for a in s.scalars(select(AuditLog)))
    assert PASSWORD not in texts and "argon2" not in texts  # neither the password nor its hash is audited


def test_wrong_passwords_lock_the_account_and_a_new_password_unlocks(engine, runner):
    add_user(runner, "li", "commander", PASSWORD)
    clock = FixedClock(T0)
    security = SecuritySettings(max_failed_logins=3, lockout_minutes=15)
    for _ in range(3):
        with pytest.raises(LoginRefused, match="wrong user name or password"):
            log_in(engine, "li", "wrong password!", security=security, clock=clock)
    with pytest.raises(LoginRefused, match="locked until"):
        log_in(engine, "li", PASSWORD, security=security, clock=clock)  # even the right one, while locked
    clock.advance(16 * 60)
    assert log_in(engine, "li", PASSWORD, security=security, clock=clock).role == "commander"
    for _ in range(3):
        with pytest.raises(LoginRefused):
            log_in(engine, "li", "nope nope nope", security=security, clock=clock)
    set_password(runner, "li", "another good one")
    assert log_in(engine, "li", "another good one", security=security, clock=clock).user == "li"


def test_disabled_users_cannot_log_in_and_their_console_has_no_permission(engine, runner):
    add_user(runner, "wang", "admin", PASSWORD)
    disable_user(runner, "wang")
    with pytest.raises(LoginRefused, match="disabled"):
        log_in(engine, "wang", PASSWORD)
    console = actor_for_account(engine, Actor("wang", "host"))
    assert console.permissions == frozenset() and not console.may("manage_users")
    assert actor_for_account(engine, Actor("not-registered", "host")).may("anything")


def test_the_role_can_be_changed(engine, runner):
    add_user(runner, "zhao", "wall", PASSWORD)
    set_role(runner, "zhao", "trainer")
    assert log_in(engine, "zhao", PASSWORD).role == "trainer"


@pytest.mark.parametrize("name", ["x'; DROP TABLE users; --", "a b", "", "x" * 65, "名字\n", "admin%"])
def test_sql_looking_or_bad_names_are_refused_naming_the_field(engine, runner, name):
    with pytest.raises(FieldError) as exc:
        add_user(runner, name, "dispatcher", PASSWORD)
    assert exc.value.field == "name"
    assert _count(engine, User) == 0
    with pytest.raises(LoginRefused, match="wrong user name or password"):
        log_in(engine, name, PASSWORD)


@pytest.mark.parametrize("role", ["root", "intake", "", "admin' OR '1'='1"])
def test_unknown_or_client_roles_are_refused_for_users(engine, runner, role):
    with pytest.raises(FieldError) as exc:
        add_user(runner, "someone", role, PASSWORD)
    assert exc.value.field == "role" and _count(engine, User) == 0


@pytest.mark.parametrize("password", ["short", "", "x" * 1025])
def test_bad_passwords_are_refused(engine, runner, password):
    with pytest.raises(PasswordError, match="^password: "):
        add_user(runner, "someone", "dispatcher", password)
    assert _count(engine, User) == 0


def test_a_duplicate_name_is_refused(engine, runner):
    add_user(runner, "dup", "wall", PASSWORD)
    with pytest.raises(FieldError, match="exists already"):
        add_user(runner, "dup", "admin", PASSWORD)


def test_only_admins_manage_users(engine, runner):
    with pytest.raises(PermissionDenied, match="may not manage_users"):
        add_user(_as(engine, "commander"), "new", "wall", PASSWORD)
    add_user(_as(engine, "admin"), "new", "wall", PASSWORD)


def test_an_unknown_name_and_a_wrong_password_take_the_same_time(engine, runner):
    """Both pay for one Argon2 verify: the answer's timing does not tell names apart."""
    add_user(runner, "known", "dispatcher", PASSWORD)
    security = SecuritySettings(max_failed_logins=100)

    def timed(name):
        start = time.perf_counter()
        with pytest.raises(LoginRefused):
            log_in(engine, name, "not the password", security=security)
        return time.perf_counter() - start

    known = statistics.median(timed("known") for _ in range(5))
    unknown = statistics.median(timed("unknown") for _ in range(5))
    assert 0.5 < known / unknown < 2.0, (known, unknown)
