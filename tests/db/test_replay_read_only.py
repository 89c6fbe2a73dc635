"""A replay's operation runner is read-only: every write is refused before it starts
(both databases)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from core.playback import ReplayClock
from db.drill_ops import set_drill
from db.engine import session_factory
from db.incident_ops import create_incident
from db.models import AuditLog, ChangeLog, Incident
from db.operations import Actor, OperationRunner, PermissionDenied, ReadOnlyRefused

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)


def test_a_replay_runner_refuses_every_write(seeded, engine):
    live = OperationRunner(engine, Actor("d1", "ws-1"))
    incident, _ = create_incident(live, lon=112.08, lat=32.6795, category="dispute")
    replay = OperationRunner(engine, Actor("trainer", "ws-2"), ReplayClock(T0, T0), read_only=True)
    with session_factory(engine)() as s:
        audits = s.scalar(select(func.count()).select_from(AuditLog))
        changes = s.scalar(select(func.count()).select_from(ChangeLog))
    with pytest.raises(ReadOnlyRefused, match="create incident: refused, this is a read-only replay"):
        create_incident(replay, lon=112.08, lat=32.6795, category="dispute")
    with pytest.raises(PermissionDenied):
        set_drill(replay, incident.id)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Incident)) == 1
        assert s.get(Incident, incident.id).drill is False
        assert s.scalar(select(func.count()).select_from(AuditLog)) == audits
        assert s.scalar(select(func.count()).select_from(ChangeLog)) == changes
