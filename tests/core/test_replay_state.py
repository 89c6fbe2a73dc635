"""Incidents and dispatches as of a replay time (core/replay_state.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.incidents import DispatchSnapshot, IncidentSnapshot, TimelineEvent
from core.replay_state import EscalationRecord, History, dispatch_at, incident_at, state_at, ticks

T = datetime(2025, 5, 1, 8, 0, tzinfo=timezone.utc)


def m(minutes):
    return T + timedelta(minutes=minutes)


INCIDENT = IncidentSnapshot(id=1, number="JQ1", category="dispute", level="general", source="110", state="closed",
                            tier=2, lon=112.08, lat=32.68, version=9, received_at=m(0), dispatched_at=m(1),
                            acknowledged_at=m(2), on_scene_at=m(4), handling_at=m(5), reported_at=m(30),
                            closed_at=m(60), updated_at=m(60))
DISPATCH = DispatchSnapshot(id=5, incident_id=1, unit_id=7, callsign="巡组1", tier=1, mode="road", dispatched_at=m(1),
                            dispatched_by="d1", version=4, acknowledged_at=m(2), arrived_at=m(4),
                            arrival_source="auto", released_at=m(60))
ESCALATION = EscalationRecord(id=3, incident_id=1, ordered_at=m(6), direction="up", tier_from=1, tier_to=2)


def test_state_and_times_follow_the_replay_time():
    assert incident_at(INCIDENT, m(-1)) is None
    steps = [(0, "received"), (1.5, "dispatched"), (3, "acknowledged"), (4, "on_scene"), (10, "handling"),
             (45, "reported"), (61, "closed")]
    for minute, state in steps:
        snap = incident_at(INCIDENT, m(minute), [ESCALATION])
        assert snap.state == state, minute
    early = incident_at(INCIDENT, m(3), [ESCALATION])
    assert early.on_scene_at is None and early.closed_at is None and early.acknowledged_at == m(2)
    assert early.tier == 1 and incident_at(INCIDENT, m(6), [ESCALATION]).tier == 2
    assert early.updated_at is None


def test_a_cancelled_incident_is_cancelled_only_from_its_time():
    cancelled = IncidentSnapshot(id=2, number="JQ2", category="dispute", level="general", source="110",
                                 state="invalid", tier=1, lon=0, lat=0, version=2, received_at=m(0), cancelled_at=m(3))
    assert incident_at(cancelled, m(2)).state == "received"
    assert incident_at(cancelled, m(3)).state == "invalid"


def test_a_support_request_is_pending_until_the_next_tier_order():
    events = [TimelineEvent(10, 1, m(5), "support_requested", "u", "ws"), TimelineEvent(11, 1, m(6), "escalation", "d", "ws")]
    assert incident_at(INCIDENT, m(5.5), [ESCALATION], events).support_requested
    assert not incident_at(INCIDENT, m(6), [ESCALATION], events).support_requested


def test_dispatch_and_unit_status_as_of():
    assert dispatch_at(DISPATCH, m(0)) is None
    mid = dispatch_at(DISPATCH, m(3))
    assert mid.arrived_at is None and mid.arrival_source is None and mid.released_at is None
    history = History(start=m(0), end=m(90), incidents=[INCIDENT], dispatches=[DISPATCH], escalations=[ESCALATION])
    assert state_at(history, m(3)).unit_status == {7: "dispatched"}
    assert state_at(history, m(4)).unit_status == {7: "on_scene"}
    assert state_at(history, m(61)).unit_status == {}
    assert [(t.at, t.kind) for t in ticks(history)] == [(m(0), "received"), (m(1), "dispatch"), (m(4), "arrival"),
                                                       (m(6), "escalation")]
