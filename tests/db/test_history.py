"""The replay history source (db/history.py), on both databases: a window of fixes into
the position index, the SQL "newest fix at or before T", the snapshot, and incidents
as of a replay time."""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from core.fixes import Fix
from core.playback import ms
from core.replay_state import state_at, ticks
from db.engine import session_factory
from db.history import load_fixes, load_history, newest_fixes_at, snapshot_at
from db.models import Device, Unit
from db.positions_repo import store_fixes

T0 = datetime(2025, 5, 1, 0, 0, tzinfo=timezone.utc)


def _units(engine, n=3) -> dict[str, int]:
    with session_factory(engine)() as s:
        ids = {}
        for i in range(n):
            unit = Unit(callsign=f"巡组{i + 1}", name=f"u{i}", agency="joint", force="grid_patrol", tier=1,
                        status="available", created_at=T0)
            s.add(unit)
            s.flush()
            s.add(Device(device_id=f"dev-{i + 1}", unit_id=unit.id, kind="phone", active=True, created_at=T0))
            ids[unit.callsign] = unit.id
        s.commit()
    return ids


def _store(engine, fixes, now):
    with session_factory(engine)() as s:
        assert store_fixes(s, fixes, now) == [None] * len(fixes)
        s.commit()


def _random_history(engine, rng: random.Random) -> list[Fix]:
    """Fixes over 2 h, stored in shuffled batches (late fixes) with some resent."""
    fixes = [Fix(device_id=f"dev-{rng.randint(1, 3)}", lat=32.68 + rng.uniform(-0.01, 0.01),
                 lon=112.08 + rng.uniform(-0.01, 0.01), fix_time=T0 + timedelta(seconds=rng.randrange(7200)),
                 accuracy_m=rng.choice([None, 5.0, 30.0])) for _ in range(300)]
    stored = list(fixes)
    rng.shuffle(stored)
    for start in range(0, len(stored), 40):
        _store(engine, stored[start:start + 40] + stored[start:start + 3], T0 + timedelta(hours=3))
    return fixes


def _naive(kept: dict, device: str, at: datetime):
    times = [t for (d, t) in kept if d == device and t <= at]
    return (max(times), kept[(device, max(times))]) if times else None


def test_the_loaded_window_and_the_sql_query_agree_with_a_naive_scan(engine):
    _units(engine)
    rng = random.Random(11)
    fixes = _random_history(engine, rng)
    kept: dict[tuple[str, datetime], tuple[float, float]] = {}
    for f in fixes:  # the database keeps the first of a (device, time)
        kept.setdefault((f.device_id, f.fix_time), (f.lon, f.lat))
    start, end = T0 + timedelta(minutes=30), T0 + timedelta(minutes=90)
    calls = []
    with session_factory(engine)() as s:
        index = load_fixes(s, start, end, progress=lambda n, done: calls.append((n, done)),
                           chunk=timedelta(minutes=7))
        assert index.devices == ["dev-1", "dev-2", "dev-3"]
        assert [round(done, 3) for _, done in calls][-1] == 1.0 and len(calls) == 9
        assert calls[-1][0] >= len(index)
        in_window = {k for k in kept if start < k[1] <= end}
        assert len(index) == len(in_window) + 3  # plus each device's fix at the window's start
        for _ in range(25):
            at = start + timedelta(seconds=rng.randrange(3600 + 1))
            state = index.at(ms(at))
            sql = {row[0]: row for row in newest_fixes_at(s, at)}
            for code, device in enumerate(index.devices):
                expected = _naive(kept, device, at)
                assert state.has_fix[code] == (expected is not None) == (device in sql)
                if expected is None:
                    continue
                assert state.time_ms[code] == ms(expected[0]) == sql[device][2]
                assert (state.lon[code], state.lat[code]) == expected[1] == (sql[device][3], sql[device][4])


def test_an_empty_window_loads_nothing_and_says_so(engine):
    _units(engine)
    calls = []
    with session_factory(engine)() as s:
        index = load_fixes(s, T0, T0 + timedelta(hours=1), progress=lambda n, done: calls.append((n, done)))
    assert len(index) == 0 and not index.at(ms(T0)).has_fix.any() and calls[-1] == (0, 1.0)


def test_snapshot_places_units_and_devices_without_a_unit_at_or_before_t(engine):
    ids = _units(engine)
    _store(engine, [Fix("dev-1", 32.60, 112.00, T0), Fix("dev-1", 32.61, 112.01, T0 + timedelta(minutes=10)),
                    Fix("dev-2", 32.62, 112.02, T0 + timedelta(minutes=5)),
                    Fix("dev-3", 32.63, 112.03, T0 + timedelta(minutes=1))], T0 + timedelta(hours=1))
    with session_factory(engine)() as s:
        # 巡组3 is disbanded: its device's history stays, no longer attached to a unit.
        s.execute(delete(Unit).where(Unit.id == ids["巡组3"]))
        s.commit()
        assert s.scalar(select(Device.device_id).where(Device.device_id == "dev-3")) is None
        rows = snapshot_at(s, T0 + timedelta(minutes=9))
        assert [(r.callsign, r.device_id, r.lat, r.lon, r.age_s) for r in rows] == [
            ("巡组1", "dev-1", 32.60, 112.00, 540.0), ("巡组2", "dev-2", 32.62, 112.02, 240.0),
            (None, "dev-3", 32.63, 112.03, 480.0)]
        assert rows[0].fix_utc == T0
        assert snapshot_at(s, T0 - timedelta(seconds=1)) == []
        # The loaded window keeps the removed device's history too (read by name).
        index = load_fixes(s, T0 - timedelta(minutes=1), T0 + timedelta(minutes=30))
        assert index.devices == ["dev-1", "dev-2", "dev-3"] and len(index) == 4
        state = index.at(ms(T0 + timedelta(minutes=9)))
        assert state.lat.tolist() == [32.60, 32.62, 32.63] and state.unit_id.tolist()[2] == -1


def test_incidents_as_of_a_replay_time(seeded, engine):
    from core.clock import FixedClock
    from core.incidents import DispatchRequest
    from db.incident_ops import create_incident, dispatch_units, escalate, record_arrival
    from db.operations import Actor, OperationRunner

    t = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
    clock = FixedClock(t)
    ops = OperationRunner(engine, Actor("d1", "ws-1"), clock)
    incident, _ = create_incident(ops, lon=112.08, lat=32.6795, category="dispute")
    with session_factory(engine)() as s:
        unit_id = s.scalars(select(Unit.id).order_by(Unit.callsign)).first()
    clock.advance(60)
    _, dispatches = dispatch_units(ops, incident.id, [DispatchRequest(unit_id=unit_id, eta_s=200.0, ring=5)],
                                   expected_version=None)
    clock.advance(60)
    escalate(ops, incident.id, to_tier=2, reason="人多", expected_version=None)
    clock.advance(120)
    record_arrival(ops, dispatches[0].id, source="unit")
    with session_factory(engine)() as s:
        history = load_history(s, t - timedelta(hours=1), t + timedelta(hours=1))
    assert [i.id for i in history.incidents] == [incident.id]
    assert [tick.kind for tick in ticks(history)] == ["received", "dispatch", "escalation", "arrival"]

    assert state_at(history, t - timedelta(seconds=1)).incidents == []
    at_intake = state_at(history, t)
    assert [(i.state, i.tier, i.dispatched_at) for i in at_intake.incidents] == [("received", 1, None)]
    assert at_intake.dispatches == [] and at_intake.unit_status == {}
    dispatched = state_at(history, t + timedelta(seconds=90))
    assert [(i.state, i.tier) for i in dispatched.incidents] == [("dispatched", 1)]
    assert dispatched.unit_status == {unit_id: "dispatched"}
    assert dispatched.dispatches[0].arrived_at is None
    arrived = state_at(history, t + timedelta(minutes=5))
    assert [(i.state, i.tier) for i in arrived.incidents] == [("on_scene", 2)]
    assert arrived.unit_status == {unit_id: "on_scene"} and len(arrived.escalations) == 1
