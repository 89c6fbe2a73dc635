"""Storing fixes: dedup, ordering, multi-device units, revisions, rejects (both databases)."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.fixes import Fix
from db.engine import session_factory
from db.models import Device, Position, RejectedReport, Unit, UnitLastPosition
from db.positions_repo import (
    DeviceCache, Reject, better_fix, count_positions, last_positions_since, list_rejects, positions_revision,
    record_rejects, store_fixes, track,
)

NOW = datetime(2025, 3, 1, 8, 0, 0, tzinfo=timezone.utc)


def _at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


def add_unit(engine, callsign: str, devices: dict[str, bool]) -> int:
    """A unit with devices {device_id: active}; returns the unit id."""
    with session_factory(engine)() as s:
        unit = Unit(callsign=callsign, name=callsign, agency="joint", force="grid_patrol", tier=1,
                    status="available", created_at=NOW)
        s.add(unit)
        s.flush()
        for device_id, active in devices.items():
            s.add(Device(device_id=device_id, unit_id=unit.id, kind="phone", active=active, created_at=NOW))
        s.commit()
        return unit.id


def fix(device: str, seconds: float | None, lat: float = 32.68, lon: float = 112.08, accuracy: float | None = 10.0,
        **kw) -> Fix:
    return Fix(device, lat, lon, None if seconds is None else _at(seconds), accuracy_m=accuracy, **kw)


def store(engine, fixes, now=NOW, **kw):
    kw.setdefault("future_tolerance_s", 300)  # these tests place fixes up to a minute after NOW
    with session_factory(engine)() as s:
        outcomes = store_fixes(s, fixes, now, **kw)
        s.commit()
    return outcomes


def last(engine, unit_id):
    with session_factory(engine)() as s:
        return s.get(UnitLastPosition, unit_id)


def count(engine, model=Position):
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_duplicates_store_once(engine):
    add_unit(engine, "U1", {"D1": True})
    first = fix("D1", -60, speed_mps=1.5, attributes={"hdop": 0.9})
    assert store(engine, [first, first]) == [None, None]
    assert store(engine, [first]) == [None]
    assert count(engine) == 1
    with session_factory(engine)() as s:
        row = s.scalars(select(Position)).one()
    assert row.fix_time == _at(-60) and row.speed_mps == 1.5 and row.attributes == {"hdop": 0.9}
    assert row.received_at == NOW


def test_late_fix_goes_to_history_but_does_not_move_the_unit(engine):
    unit = add_unit(engine, "U1", {"D1": True})
    store(engine, [fix("D1", -10, lat=32.60)])
    rev = positions_revision_of(engine)
    assert store(engine, [fix("D1", -600, lat=32.70)]) == [None]
    assert count(engine) == 2
    assert last(engine, unit).fix_time == _at(-10) and last(engine, unit).lat == 32.60
    assert positions_revision_of(engine) == rev  # nothing moved, no new revision
    # In one batch too: the newest wins whatever the order.
    store(engine, [fix("D1", 30, lat=32.61), fix("D1", 20, lat=32.62)])
    assert last(engine, unit).fix_time == _at(30) and last(engine, unit).lat == 32.61


def positions_revision_of(engine) -> int:
    with session_factory(engine)() as s:
        return positions_revision(s)


def test_same_age_fixes_pick_the_most_accurate_device(engine):
    unit = add_unit(engine, "U1", {"PHONE": True, "CAM": True})
    store(engine, [fix("PHONE", 0, accuracy=20)])
    assert last(engine, unit).device_id == "PHONE"
    store(engine, [fix("CAM", 3, accuracy=5)])  # about as old, more accurate
    assert last(engine, unit).device_id == "CAM"
    store(engine, [fix("PHONE", 6, accuracy=20)])  # about as old as CAM's, less accurate
    assert last(engine, unit).device_id == "CAM"
    store(engine, [fix("PHONE", 2, accuracy=3)])  # older than CAM's but same age and more accurate
    assert (last(engine, unit).device_id, last(engine, unit).fix_time) == ("PHONE", _at(2))
    store(engine, [fix("PHONE", 20, accuracy=None)])  # clearly newer wins, accuracy unknown or not
    assert last(engine, unit).fix_time == _at(20)
    # Within one batch.
    store(engine, [fix("PHONE", 40, accuracy=30), fix("CAM", 38, accuracy=4), fix("PHONE", 39, accuracy=50)])
    assert (last(engine, unit).device_id, last(engine, unit).fix_time) == ("CAM", _at(38))
    assert count(engine) == 8


def test_better_fix_rule():
    assert better_fix(_at(10), 50, _at(0), 1)  # more than 5 s newer
    assert not better_fix(_at(0), 1, _at(10), 50)
    assert better_fix(_at(0), 4, _at(4), 5)  # same age, more accurate
    assert not better_fix(_at(4), None, _at(0), 5)  # unknown accuracy is worst
    assert better_fix(_at(4), 5, _at(0), 5)  # same accuracy: newer
    assert not better_fix(_at(0), 5, _at(0), 5)  # a duplicate never moves a unit


def test_future_fixes_are_rejected(engine):
    add_unit(engine, "U1", {"D1": True})
    outcomes = store(engine, [fix("D1", 299), fix("D1", 301), fix("D1", 3600)])
    assert outcomes[0] is None
    assert "future" in outcomes[1] and "300" in outcomes[1] and "\n" not in outcomes[1]
    assert "future" in outcomes[2]
    assert store(engine, [fix("D1", 1000)], future_tolerance_s=1200) == [None]
    assert count(engine) == 2


def test_unknown_and_inactive_devices_are_rejected(engine):
    unit = add_unit(engine, "U1", {"D1": True, "OLD": False})
    outcomes = store(engine, [fix("NOPE", 0), fix("OLD", 0), fix("D1", 0)])
    assert outcomes[0] == "unknown device: 'NOPE'"
    assert outcomes[1] == "inactive device: 'OLD'"
    assert outcomes[2] is None
    assert count(engine) == 1 and last(engine, unit).device_id == "D1"
    assert store(engine, [fix("NOPE", 1)]) == ["unknown device: 'NOPE'"]
    assert store(engine, []) == []


def test_fix_without_time_takes_now(engine):
    unit = add_unit(engine, "U1", {"D1": True})
    assert store(engine, [fix("D1", None)]) == [None]
    assert last(engine, unit).fix_time == NOW
    # Integers where floats are expected, and a naive time (taken as UTC), from callers other than the parsers.
    naive = Fix("D1", 32, 112, (NOW + timedelta(seconds=60)).replace(tzinfo=None), accuracy_m=5, speed_mps=2.5)
    assert store(engine, [naive, fix("D1", 61, accuracy=7)]) == [None, None]
    # One device's newer fix always wins (the unit moved), even if slightly less accurate.
    assert (last(engine, unit).fix_time, last(engine, unit).lat) == (_at(61), 32.68)
    stored = store(engine, [fix("D1", 59, accuracy=1)])  # an older one, however accurate, does not
    assert stored == [None] and last(engine, unit).fix_time == _at(61)


def test_revisions_increase_per_call_that_moves_units(engine):
    u1 = add_unit(engine, "U1", {"A": True})
    u2 = add_unit(engine, "U2", {"B": True})
    with session_factory(engine)() as s:
        assert last_positions_since(s, 0) == (0, [])
    store(engine, [fix("A", 0), fix("B", 0)])
    store(engine, [fix("A", 10)])
    store(engine, [fix("A", 10), fix("B", -100)])  # duplicate + late: nothing moves
    with session_factory(engine)() as s:
        assert positions_revision(s) == 2
        rev, rows = last_positions_since(s, 0)
        assert rev == 2 and [(r.unit_id, r.rev) for r in rows] == [(u2, 1), (u1, 2)]
        rev, rows = last_positions_since(s, 1)
        assert rev == 2 and [r.unit_id for r in rows] == [u1] and rows[0].fix_time == _at(10)
        assert last_positions_since(s, 2) == (2, [])
    store(engine, [fix("B", 20)])
    with session_factory(engine)() as s:
        rev, rows = last_positions_since(s, 2)
        assert rev == 3 and [(r.unit_id, r.device_id, r.lat) for r in rows] == [(u2, "B", 32.68)]


def test_concurrent_writers_take_revisions_in_commit_order(engine):
    add_unit(engine, "U1", {"A": True})
    add_unit(engine, "U2", {"B": True})
    sessions = session_factory(engine)
    first = sessions()
    store_fixes(first, [fix("A", 0)], NOW)  # holds the feed lock (PostgreSQL) / write lock (SQLite)
    second_done = threading.Event()
    errors = []

    def second_writer():
        try:
            with sessions() as s:
                store_fixes(s, [fix("B", 0)], NOW)
                s.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        second_done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    assert not second_done.wait(0.5), "the second writer must wait for the first one's commit"
    first.commit()
    first.close()
    thread.join(15)
    assert not errors
    with session_factory(engine)() as s:
        revs = dict(s.execute(select(UnitLastPosition.device_id, UnitLastPosition.rev)).all())
    assert revs == {"A": 1, "B": 2}


def test_device_cache_sees_new_devices_at_once(engine):
    add_unit(engine, "U1", {"A": True})
    cache = DeviceCache(ttl_s=60)
    assert store(engine, [fix("A", 0), fix("LATER", 0)], devices=cache) == [None, "unknown device: 'LATER'"]
    with session_factory(engine)() as s:
        unit_id = s.scalar(select(Unit.id))
        s.add(Device(device_id="LATER", unit_id=unit_id, kind="radio", created_at=NOW))
        s.commit()
    assert store(engine, [fix("LATER", 1)], devices=cache) == [None]


def test_track_by_unit_and_device(engine):
    unit = add_unit(engine, "U1", {"A": True, "B": True})
    add_unit(engine, "U2", {"C": True})
    store(engine, [fix("A", 0), fix("B", 5), fix("A", 10), fix("C", 7), fix("A", 20)])
    with session_factory(engine)() as s:
        assert [(r.device_id, r.fix_time) for r in track(s, unit_id=unit)] == [
            ("A", _at(0)), ("B", _at(5)), ("A", _at(10)), ("A", _at(20))]
        assert [r.fix_time for r in track(s, device_id="A", start=_at(5), end=_at(10))] == [_at(10)]
        assert track(s, device_id="NOPE") == []
        with pytest.raises(ValueError):
            track(s)
        assert count_positions(s) == 5


def test_rejects_are_bounded_and_listed_newest_first(engine):
    with session_factory(engine)() as s:
        record_rejects(s, [Reject(_at(i), "osmand", f"10.0.0.1:{i}", f"reason {i}", "GET /?id=x") for i in range(15)],
                       keep=10)
        record_rejects(s, [(_at(15), "cot", "10.0.0.2:1", "malformed XML:\n line 1", "<" * 5000)], keep=10)
        s.commit()
    assert count(engine, RejectedReport) == 10
    with session_factory(engine)() as s:
        rows = list_rejects(s)
        assert [r.reason for r in rows[:2]] == ["malformed XML: line 1", "reason 14"]
        assert rows[-1].reason == "reason 6"
        assert len(rows[0].payload) <= 1000
        assert [r.reason for r in list_rejects(s, since=_at(13))] == ["malformed XML: line 1", "reason 14", "reason 13"]
        assert len(list_rejects(s, limit=3)) == 3


def test_moving_units_notifies_listeners_on_postgresql(engine):
    if engine.dialect.name != "postgresql":
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; SQLite change feeds poll")
    import psycopg

    from db.notify import POSITIONS_CHANNEL

    add_unit(engine, "U1", {"A": True})
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(f"LISTEN {POSITIONS_CHANNEL}")
        store(engine, [fix("A", 0)])
        store(engine, [fix("A", -100)])  # moves nothing: no wake-up
        store(engine, [fix("A", 10)])
        # Every notification is queued at its commit, before store() returns: collect them all
        # (no stop_after), so an extra wake-up for the late fix would show.
        got = [n.payload for n in listener.notifies(timeout=1)]
    assert got == ["1", "2"]


def test_future_tolerance_defaults_to_30_seconds(engine):
    add_unit(engine, "U1", {"D1": True})
    with session_factory(engine)() as s:
        outcomes = store_fixes(s, [fix("D1", 29), fix("D1", 31), fix("D1", 295)], NOW)
        s.commit()
    assert outcomes[0] is None
    assert "more than 30 s ahead" in outcomes[1] and "future" in outcomes[2]
    assert count(engine) == 1


def test_an_impossible_jump_is_kept_flagged_and_does_not_move_the_unit(engine):
    from db.positions_repo import SpeedGuard

    unit = add_unit(engine, "U1", {"D1": True})
    guard = SpeedGuard({"foot": 150.0})
    assert store(engine, [fix("D1", 0)], speed_guard=guard) == [None]
    # 295 s later at (10, 10): stored, flagged, the unit stays in Dengzhou.
    assert store(engine, [fix("D1", 60, lat=10.0, lon=10.0)], speed_guard=guard) == [None]
    assert (last(engine, unit).lat, last(engine, unit).fix_time) == (32.68, _at(0))
    # Real fixes keep moving it, in the same batch as another outlier or not.
    assert store(engine, [fix("D1", 90, lat=32.681), fix("D1", 91, lat=-40.0, lon=-70.0)], speed_guard=guard) == [None] * 2
    assert (last(engine, unit).lat, last(engine, unit).fix_time) == (32.681, _at(90))
    with session_factory(engine)() as s:
        flags = {r.fix_time: r.attributes.get("flag") for r in track(s, unit_id=unit)}
    assert flags == {_at(0): None, _at(60): "implausible_speed", _at(90): None, _at(91): "implausible_speed"}


def test_a_pinned_outlier_is_left_behind_once_fixes_agree_with_each_other(engine):
    """A bad live position (here the first fix ever) must not pin the unit for ever:
    two consecutive fixes that agree with each other win over it."""
    from db.positions_repo import SpeedGuard

    unit = add_unit(engine, "U1", {"D1": True})
    guard = SpeedGuard()
    store(engine, [fix("D1", 0, lat=10.0, lon=10.0)], speed_guard=guard)
    store(engine, [fix("D1", 10)], speed_guard=guard)  # far from (10, 10): flagged
    assert last(engine, unit).lat == 10.0
    store(engine, [fix("D1", 20, lat=32.6801)], speed_guard=guard)  # agrees with the one before
    assert (last(engine, unit).lat, last(engine, unit).fix_time) == (32.6801, _at(20))


def test_the_travel_mode_sets_the_limit(engine):
    from db.positions_repo import SpeedGuard

    walker = add_unit(engine, "W", {"W1": True})
    driver = add_unit(engine, "C", {"C1": True})
    with session_factory(engine)() as s:
        s.get(Unit, driver).travel_mode = "car"
        s.commit()
    guard = SpeedGuard({"foot": 10.0, "car": 120.0})
    store(engine, [fix("W1", 0), fix("C1", 0)], speed_guard=guard)
    # 0.01° of latitude (1.1 km) in 60 s: 67 km/h.
    store(engine, [fix("W1", 60, lat=32.69), fix("C1", 60, lat=32.69)], speed_guard=guard)
    assert (last(engine, walker).lat, last(engine, driver).lat) == (32.68, 32.69)
