"""The incident loop through the operation runner (both databases): intake with grid and
duplicate flag, dispatch and unit statuses, idempotent arrival, release on closure,
recorded escalation, audit rows and an append-only, complete timeline."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.clock import FixedClock
from core.incidents import DispatchRequest, FieldError, IllegalTransition
from core.settings import DispatchSettings
from db.engine import session_factory
from db.incident_ops import (
    UnitUnavailable, create_incident, deescalate, dispatch_units, escalate, record_arrival, release_unit,
    request_support, transition, unit_acknowledged, unit_en_route,
)
from db.incidents_repo import active_dispatches, dispatches_for, get_incident, open_incidents, timeline
from db.models import AuditLog, ChangeLog, Dispatch, Escalation, Incident, IncidentEvent, Unit
from db.operations import Actor, OperationRunner, PermissionDenied

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # 10:00 in Dengzhou
G02 = (112.0800, 32.6795)  # inside demo grid G02
G05 = (112.0799, 32.6680)  # inside demo grid G05, ~1.3 km south


@pytest.fixture
def clock():
    return FixedClock(T0)


@pytest.fixture
def ops(seeded, engine, clock):
    """A dispatcher's runner on a clock the test moves."""
    return OperationRunner(engine, Actor("dispatcher1", "ws-1"), clock)


def _units(engine, *callsigns):
    with session_factory(engine)() as s:
        rows = {u.callsign: u for u in s.scalars(select(Unit).where(Unit.callsign.in_(callsigns)))}
    return [rows[c] for c in callsigns]


def _read(engine, fn, *args):
    with session_factory(engine)() as s:
        return fn(s, *args)


def _status(engine, unit_id):
    with session_factory(engine)() as s:
        return s.get(Unit, unit_id).status


def _count(engine, query):
    with session_factory(engine)() as s:
        return s.scalar(query)


def _new(ops, at=G02, **kw):
    args = {"lon": at[0], "lat": at[1], "category": "dispute", "caller": "张三", "caller_phone": "13800000000",
            "address": "新华路", "description": "两人争吵"} | kw
    return create_incident(ops, **args)


def test_create_finds_the_grid_numbers_per_day_and_flags_duplicates(ops, engine, clock):
    first, dups = _new(ops)
    assert dups == []
    assert (first.number, first.grid_code, first.state, first.tier, first.level, first.source) == (
        "JQ20261130-0001", "G02", "received", 1, "general", "110")
    assert first.received_at == T0 and first.version == 1 and first.duplicate_of_id is None

    clock.advance(5 * 60)
    nearby = (G02[0] + 0.0008, G02[1])  # ~75 m east
    second, dups = _new(ops, at=nearby, category="traffic_accident", level="major")
    assert [d.id for d in dups] == [first.id] and second.duplicate_of_id == first.id
    assert second.number == "JQ20261130-0002"

    far, dups = _new(ops, at=G05)
    assert dups == [] and far.grid_code == "G05"

    # Outside the window (configurable): no flag.
    clock.advance(40 * 60)
    late, dups = _new(ops, at=nearby, settings=DispatchSettings(duplicate_window_min=30))
    assert dups == []
    _, dups = _new(ops, at=nearby, settings=DispatchSettings(duplicate_window_min=60))
    assert {d.id for d in dups} == {first.id, second.id, late.id}

    # Numbers follow the local (Asia/Shanghai) date: 16:30 UTC is already tomorrow there.
    clock.set(datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc))
    assert _new(ops, at=G05)[0].number == "JQ20261201-0001"

    assert [i.id for i in _read(engine, open_incidents)][:2] == [first.id, second.id]
    events = _read(engine, timeline, first.id)
    assert [(e.kind, e.state_to, e.actor, e.workstation) for e in events] == [
        ("created", "received", "dispatcher1", "ws-1")]


@pytest.mark.parametrize("field,overrides", [
    ("category", {"category": "jaywalking"}), ("level", {"level": "extreme"}), ("source", {"source": "fax"}),
    ("lat", {"lat": 95.0}), ("lon", {"lon": "112"}), ("caller_phone", {"caller_phone": "1" * 65}),
])
def test_create_names_the_bad_field(ops, engine, field, overrides):
    with pytest.raises(FieldError) as info:
        _new(ops, **overrides)
    assert info.value.field == field and str(info.value).startswith(f"{field}: ")
    assert _count(engine, select(func.count()).select_from(Incident)) == 0


def test_dispatch_moves_units_and_incident_arrival_is_idempotent(ops, engine, clock):
    incident, _ = _new(ops)
    u1, u2, u3 = _units(engine, "联勤2-1", "联勤2-2", "联勤2-3")
    snap, sent = dispatch_units(ops, incident.id, [DispatchRequest(u1.id, "road", 95.0, 3, 420.0),
                                                  DispatchRequest(u2.id)], expected_version=incident.version)
    assert snap.state == "dispatched" and snap.dispatched_at == T0 and snap.version == incident.version + 1
    assert [(d.callsign, d.tier, d.recommended_ring, d.mode) for d in sent] == [
        ("联勤2-1", 1, 3, "road"), ("联勤2-2", 1, None, "straight")]
    assert _status(engine, u1.id) == _status(engine, u2.id) == "dispatched"

    # A unit already committed elsewhere cannot be sent; the message names it; nothing changes.
    other, _ = _new(ops, at=G05)
    with pytest.raises(UnitUnavailable, match="联勤2-1 is dispatched"):
        dispatch_units(ops, other.id, [DispatchRequest(u3.id), DispatchRequest(u1.id)], expected_version=other.version)
    assert _status(engine, u3.id) == "available"
    assert _read(engine, get_incident, other.id).state == "received"

    clock.advance(20)
    snap = unit_acknowledged(ops, sent[0].id)
    assert snap.state == "acknowledged" and snap.acknowledged_at == T0 + timedelta(seconds=20)
    assert unit_acknowledged(ops, sent[0].id).version == snap.version  # repeating changes nothing
    clock.advance(30)
    snap = unit_en_route(ops, sent[0].id)
    assert snap.state == "en_route" and _status(engine, u1.id) == "en_route"
    clock.advance(100)
    snap = record_arrival(ops, sent[0].id, source="auto")
    assert snap.state == "on_scene" and snap.on_scene_at == T0 + timedelta(seconds=150)
    assert _status(engine, u1.id) == "on_scene"
    events_before = len(_read(engine, timeline, incident.id))
    clock.advance(10)
    again = record_arrival(ops, sent[0].id, source="auto")
    assert again.version == snap.version and again.on_scene_at == snap.on_scene_at
    assert len(_read(engine, timeline, incident.id)) == events_before
    # The unit confirms the automatic arrival: noted once, arrival time unchanged.
    record_arrival(ops, sent[0].id, source="unit")
    record_arrival(ops, sent[0].id, source="unit")
    kinds = [e.kind for e in _read(engine, timeline, incident.id)]
    assert kinds.count("arrival") == 1 and kinds.count("arrival_confirmed") == 1
    d1 = _read(engine, dispatches_for, incident.id)[0]
    assert (d1.arrived_at, d1.arrival_source) == (T0 + timedelta(seconds=150), "auto")

    # The second unit arrives later: no new state, its own figures.
    clock.advance(60)
    snap = record_arrival(ops, sent[1].id, source="dispatcher")
    assert snap.state == "on_scene" and snap.on_scene_at == T0 + timedelta(seconds=150)
    assert {d.callsign for d in _read(engine, active_dispatches)} == {"联勤2-1", "联勤2-2"}

    # A later tier may be sent while on scene.
    (t2,) = _units(engine, "古城所1")
    snap, more = dispatch_units(ops, incident.id, [DispatchRequest(t2.id, tier=2)], expected_version=snap.version)
    assert snap.state == "on_scene" and more[0].tier == 2 and _status(engine, t2.id) == "dispatched"


def test_arrival_may_come_before_sign_off(ops, engine, clock):
    incident, _ = _new(ops)
    (u1,) = _units(engine, "联勤2-1")
    snap, sent = dispatch_units(ops, incident.id, [DispatchRequest(u1.id)], expected_version=incident.version)
    clock.advance(45)
    snap = record_arrival(ops, sent[0].id, source="auto", at=T0 + timedelta(seconds=40))
    assert snap.state == "on_scene" and snap.on_scene_at == T0 + timedelta(seconds=40)
    assert snap.acknowledged_at is None and snap.en_route_at is None  # skipped states keep no time
    states = [(e.state_from, e.state_to) for e in _read(engine, timeline, incident.id) if e.kind == "state"]
    assert states == [("received", "dispatched"), ("dispatched", "on_scene")]


def _full_life(ops, engine, clock):
    incident, _ = _new(ops)
    u1, u2 = _units(engine, "联勤2-1", "联勤2-2")
    snap, sent = dispatch_units(ops, incident.id, [DispatchRequest(u1.id), DispatchRequest(u2.id)],
                                expected_version=incident.version)
    clock.advance(15)
    unit_acknowledged(ops, sent[0].id)
    clock.advance(15)
    unit_en_route(ops, sent[1].id)  # sets off without signing off first: signed off implicitly
    clock.advance(90)
    snap = record_arrival(ops, sent[1].id, source="auto")
    clock.advance(10)
    snap = release_unit(ops, sent[0].id, note="not needed")
    clock.advance(60)
    snap = transition(ops, incident.id, "handling", expected_version=snap.version)
    clock.advance(600)
    snap = transition(ops, incident.id, "reported", expected_version=snap.version, note="调解成功",
                      results={"mediated": 1})
    clock.advance(300)
    snap = transition(ops, incident.id, "closed", expected_version=snap.version)
    return snap, (u1, u2), sent


def test_close_releases_every_unit(ops, engine, clock):
    snap, (u1, u2), sent = _full_life(ops, engine, clock)
    assert snap.state == "closed" and snap.results == {"mediated": 1} and not snap.is_open
    assert _status(engine, u1.id) == _status(engine, u2.id) == "available"
    released = {d.id: d.released_at for d in _read(engine, dispatches_for, snap.id)}
    assert released[sent[0].id] == T0 + timedelta(seconds=130)
    assert released[sent[1].id] == snap.closed_at
    assert _read(engine, active_dispatches) == []
    with pytest.raises(IllegalTransition, match="办结/closed is final"):
        transition(ops, snap.id, "handling", expected_version=snap.version)
    with pytest.raises(ValueError, match="already released"):
        record_arrival(ops, sent[0].id)


def test_cancel_releases_and_invalid_only_early(ops, engine, clock):
    incident, _ = _new(ops)
    (u1,) = _units(engine, "联勤2-3")
    snap, sent = dispatch_units(ops, incident.id, [DispatchRequest(u1.id)], expected_version=incident.version)
    snap = unit_en_route(ops, sent[0].id)
    with pytest.raises(IllegalTransition, match="cannot go from 出警/en_route to 无效/invalid"):
        transition(ops, incident.id, "invalid", expected_version=snap.version)
    clock.advance(30)
    snap = transition(ops, incident.id, "cancelled", expected_version=snap.version, note="报警人撤回")
    assert snap.cancelled_at == T0 + timedelta(seconds=30) and _status(engine, u1.id) == "available"

    bogus, _ = _new(ops, at=G05)
    snap = transition(ops, bogus.id, "invalid", expected_version=bogus.version)
    assert snap.state == "invalid" and snap.cancelled_at is not None


def test_timeline_is_append_only_and_complete(ops, engine, clock):
    snap, _, sent = _full_life(ops, engine, clock)
    events = _read(engine, timeline, snap.id)
    assert [(e.kind, e.state_from, e.state_to) for e in events] == [
        ("created", None, "received"),
        ("dispatch", None, None), ("dispatch", None, None), ("state", "received", "dispatched"),
        ("acknowledged", None, None), ("state", "dispatched", "acknowledged"),
        ("en_route", None, None), ("state", "acknowledged", "en_route"),
        ("arrival", None, None), ("state", "en_route", "on_scene"),
        ("released", None, None),
        ("state", "on_scene", "handling"), ("state", "handling", "reported"),
        ("state", "reported", "closed"), ("released", None, None),
    ]
    assert all((e.actor, e.workstation) == ("dispatcher1", "ws-1") for e in events)
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert events[8].payload == {"dispatch_id": sent[1].id, "unit_id": sent[1].unit_id, "callsign": "联勤2-2",
                                 "source": "auto"}
    assert events[12].payload["note"] == "调解成功"
    # Later writes append; they never touch what is there.
    escalate_blocked = pytest.raises(ValueError, match="closed")
    with escalate_blocked:
        escalate(ops, snap.id, to_tier=2, reason="x", expected_version=snap.version)
    other, _ = _new(ops, at=G05)
    request_support(ops, other.id, note="需要增援")
    assert _read(engine, timeline, snap.id) == events
    with session_factory(engine)() as s:
        assert s.scalar(select(func.max(IncidentEvent.id)).where(IncidentEvent.incident_id == snap.id)) == events[-1].id


def test_every_write_has_its_audit_row_and_change_rows(ops, engine, clock):
    audits_before = _count(engine, select(func.count()).select_from(AuditLog))
    snap, _, sent = _full_life(ops, engine, clock)
    with session_factory(engine)() as s:
        rows = s.execute(select(AuditLog.operation, AuditLog.entity, AuditLog.actor, AuditLog.workstation,
                                AuditLog.before, AuditLog.after)
                         .where(AuditLog.entity == "incidents").order_by(AuditLog.id)).all()
        kinds = set(s.scalars(select(ChangeLog.kind).where(ChangeLog.entity_id == str(snap.id))))
    assert [r.operation for r in rows] == [
        "create incident", "dispatch units", "unit acknowledged", "unit en route", "arrival (auto)",
        "release unit", "incident handling", "incident reported", "incident closed"]
    assert all((r.actor, r.workstation) == ("dispatcher1", "ws-1") for r in rows)
    assert rows[0].before is None and rows[0].after["state"] == "received"
    assert (rows[-1].before["state"], rows[-1].after["state"]) == ("reported", "closed")
    assert rows[-1].after["version"] == snap.version
    assert "incidents" in kinds
    with session_factory(engine)() as s:
        dispatch_audits = s.execute(select(AuditLog.operation, AuditLog.entity_id).where(
            AuditLog.entity == "dispatches").order_by(AuditLog.id)).all()
    assert [tuple(a) for a in dispatch_audits] == [
        ("dispatch units", str(sent[0].id)), ("dispatch units", str(sent[1].id)),
        ("unit acknowledged", str(sent[0].id)), ("unit en route", str(sent[1].id)), ("arrival (auto)", str(sent[1].id)),
        ("release unit", str(sent[0].id)), ("incident closed", str(sent[1].id))]
    units_audited = _count(engine, select(func.count()).select_from(AuditLog).where(AuditLog.entity == "units"))
    assert units_audited >= 6  # 2 x dispatched, en_route, on_scene, 2 x available
    assert _count(engine, select(func.count()).select_from(AuditLog)) > audits_before + len(rows)
    assert _count(engine, select(func.count()).select_from(ChangeLog).where(ChangeLog.kind == "units")) >= 6


def test_escalation_is_recorded_with_who_when_why(ops, engine, clock):
    incident, _ = _new(ops)
    with pytest.raises(FieldError, match="reason: required"):
        escalate(ops, incident.id, to_tier=2, reason="  ", expected_version=incident.version)
    clock.advance(120)
    snap = escalate(ops, incident.id, to_tier=2, reason="5分钟内无一梯队力量可到达", rule="no_tier1_in_5min",
                    expected_version=incident.version)
    assert snap.tier == 2 and snap.version == incident.version + 1
    with pytest.raises(ValueError, match="at tier 2: the new tier must be above it"):
        escalate(ops, incident.id, to_tier=2, reason="again", expected_version=snap.version)
    clock.advance(60)
    other = OperationRunner(engine, Actor("commander", "ws-hall"), clock)
    snap = escalate(other, incident.id, to_tier=3, reason="事态升级", expected_version=snap.version)
    clock.advance(600)
    snap = deescalate(ops, incident.id, to_tier=1, reason="现场已控制", expected_version=snap.version)
    assert snap.tier == 1
    with session_factory(engine)() as s:
        orders = s.execute(select(Escalation.direction, Escalation.tier_from, Escalation.tier_to, Escalation.reason,
                                  Escalation.suggested_by_rule, Escalation.ordered_by, Escalation.workstation,
                                  Escalation.ordered_at).order_by(Escalation.id)).all()
    assert [tuple(o) for o in orders] == [
        ("up", 1, 2, "5分钟内无一梯队力量可到达", "no_tier1_in_5min", "dispatcher1", "ws-1", T0 + timedelta(seconds=120)),
        ("up", 2, 3, "事态升级", None, "commander", "ws-hall", T0 + timedelta(seconds=180)),
        ("down", 3, 1, "现场已控制", None, "dispatcher1", "ws-1", T0 + timedelta(seconds=780)),
    ]
    events = [e for e in _read(engine, timeline, incident.id) if e.kind.endswith("escalation")]
    assert [(e.kind, e.payload["tier_to"], e.actor) for e in events] == [
        ("escalation", 2, "dispatcher1"), ("escalation", 3, "commander"), ("deescalation", 1, "dispatcher1")]


def test_support_request_sets_a_flag_until_the_next_order(ops, engine, clock):
    incident, _ = _new(ops)
    (u1, u2) = _units(engine, "联勤2-1", "联勤2-2")
    snap, sent = dispatch_units(ops, incident.id, [DispatchRequest(u1.id)], expected_version=incident.version)
    record_arrival(ops, sent[0].id, source="unit")
    with pytest.raises(FieldError, match="联勤2-2 is not dispatched"):
        request_support(ops, incident.id, unit_id=u2.id, note="人手不足")
    with pytest.raises(FieldError, match="note: required"):
        request_support(ops, incident.id, unit_id=u1.id, note="")
    snap = request_support(ops, incident.id, unit_id=u1.id, note="人手不足")
    assert snap.support_requested
    assert [i.support_requested for i in _read(engine, open_incidents)] == [True]
    event = _read(engine, timeline, incident.id)[-1]
    assert (event.kind, event.payload) == ("support_requested", {"unit_id": u1.id, "callsign": "联勤2-1",
                                                                 "note": "人手不足"})
    snap = escalate(ops, incident.id, to_tier=2, reason="现场请求支援", rule="support_requested",
                    expected_version=snap.version)
    assert not snap.support_requested


def test_permissions_are_checked(seeded, engine, clock):
    ops = OperationRunner(engine, Actor("wall", "hall", frozenset()), clock)
    with pytest.raises(PermissionDenied):
        _new(ops)
    taker = OperationRunner(engine, Actor("taker", "ws-2", frozenset({"create_incident"})), clock)
    incident, _ = _new(taker)
    (u1,) = _units(engine, "联勤2-1")
    with pytest.raises(PermissionDenied):
        dispatch_units(taker, incident.id, [DispatchRequest(u1.id)], expected_version=incident.version)
    with pytest.raises(PermissionDenied):
        escalate(taker, incident.id, to_tier=2, reason="r", expected_version=incident.version)
    assert _count(engine, select(func.count()).select_from(Dispatch)) == 0
