"""Two workstations edit one incident (both databases): the loser gets a ConflictError
carrying the fresh incident, and nothing the winner wrote is overwritten."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

import db.incident_ops as incident_ops
from core.clock import FixedClock
from core.incidents import IncidentSnapshot
from db.engine import make_engine, session_factory
from db.incident_ops import create_incident, escalate, transition
from db.incidents_repo import get_incident, timeline
from db.models import AuditLog, Escalation
from db.operations import Actor, ConflictError, OperationRunner

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def two_workstations(seeded, db_url):
    """Two runners on two engines, as two workstations on one database would be."""
    engines = [make_engine(db_url), make_engine(db_url)]
    clock = FixedClock(T0)
    yield (OperationRunner(engines[0], Actor("alice", "ws-a"), clock),
           OperationRunner(engines[1], Actor("bob", "ws-b"), clock))
    for engine in engines:
        engine.dispose()


def _read(engine, fn, *args):
    with session_factory(engine)() as s:
        return fn(s, *args)


def _escalations(engine) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(Escalation))


def test_stale_version_loses_with_the_fresh_state(two_workstations, engine):
    alice, bob = two_workstations
    incident, _ = create_incident(alice, lon=112.08, lat=32.6795, category="dispute")
    seen = incident.version  # both workstations show this version

    won = transition(bob, incident.id, "cancelled", expected_version=seen, note="报警人撤回")
    with pytest.raises(ConflictError, match="changed by another workstation") as info:
        escalate(alice, incident.id, to_tier=2, reason="升级", expected_version=seen)

    fresh = info.value.fresh
    assert isinstance(fresh, IncidentSnapshot)
    assert (fresh.state, fresh.version, fresh.tier) == ("cancelled", won.version, 1)
    assert _read(engine, get_incident, incident.id) == fresh
    assert _escalations(engine) == 0
    kinds = [e.kind for e in _read(engine, timeline, incident.id)]
    assert kinds == ["created", "state"]  # nothing of alice's

    # With the fresh version she gets a real answer, not a conflict.
    with pytest.raises(ValueError, match="is 撤销/cancelled"):
        escalate(alice, incident.id, to_tier=2, reason="升级", expected_version=fresh.version)


def test_racing_writers_the_orm_version_check_catches_it(two_workstations, engine, monkeypatch):
    """Bob commits between Alice's read (version check passed) and her write."""
    alice, bob = two_workstations
    incident, _ = create_incident(alice, lon=112.08, lat=32.6795, category="dispute")
    original = incident_ops._load_incident
    raced = []

    def load_then_race(ctx, incident_id, expected_version):
        row = original(ctx, incident_id, expected_version)
        if ctx.actor.user == "alice" and not raced:
            raced.append(escalate(bob, incident_id, to_tier=3, reason="bob first", expected_version=row.version))
        return row

    monkeypatch.setattr(incident_ops, "_load_incident", load_then_race)
    audits_before = _read(engine, lambda s: s.scalar(select(func.count()).select_from(AuditLog)))
    with pytest.raises(ConflictError, match="while saving") as info:
        escalate(alice, incident.id, to_tier=2, reason="alice second", expected_version=incident.version)

    fresh = info.value.fresh
    assert isinstance(fresh, IncidentSnapshot)
    assert (fresh.tier, fresh.version) == (3, raced[0].version)
    with session_factory(engine)() as s:
        orders = s.execute(select(Escalation.reason, Escalation.ordered_by)).all()
        audits = s.scalar(select(func.count()).select_from(AuditLog))
    assert [tuple(o) for o in orders] == [("bob first", "bob")]
    assert audits == audits_before + 2  # bob's escalation and incident rows only
    assert [e.actor for e in _read(engine, timeline, incident.id)] == ["alice", "bob"]
