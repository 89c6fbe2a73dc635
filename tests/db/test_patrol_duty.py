"""Patrol duty on both databases: versioned rule edits, validation that writes nothing,
live detection and rebuild giving the same stored events, and the report."""
from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest
from sqlalchemy import func, select

from core.clock import FixedClock
from core.patrol_rules import RuleError
from core.settings import PatrolSettings
from db.duty_ops import RuleEdit, assign_duty, cancel_duty, retire_place, roster_on, set_rule
from db.engine import session_factory
from db.models import AuditLog, DutyAssignment, MustVisitPoint, PatrolLine, Shift
from db.patrol_report import patrol_report
from db.patrol_repo import rebuild, stored_events
from db.places_repo import load_layer
from db.positions_repo import store_fixes
from feeds.patrol_live import PatrolLive
from tests.core import patrol_scenario as S
from tests.db.patrol_city import START, _count, _fix, _runner, _setup_city



def test_rule_edits_are_versions_and_the_past_keeps_its_rules(engine):
    _setup_city(engine)
    later = _runner(engine, START + timedelta(days=2))
    assert set_rule(later, "points", "P1", RuleEdit(radius_m=80)) == "updated"
    assert set_rule(later, "points", "P1", RuleEdit(radius_m=80)) == "unchanged"
    with session_factory(engine)() as s:
        past = load_layer(s, "points", START)
        now = load_layer(s, "points", START + timedelta(days=3))
        assert past[0].properties["radius_m"] == 50 and now[0].properties["radius_m"] == 80
        assert now[0].properties["dwell_s"] == 120
        assert now[0].properties["time_windows"][0] == {"start": "19:00", "end": "19:30", "visits": 1}
        assert s.scalar(select(func.count()).select_from(MustVisitPoint)) == 2
        audits = s.scalars(select(AuditLog.operation).where(AuditLog.entity == "points")).all()
        assert audits == ["set point rule", "set point rule"]
    retire_place(_runner(engine, START + timedelta(days=4)), "points", "P1")
    with session_factory(engine)() as s:
        assert load_layer(s, "points", START + timedelta(days=5)) == []
        assert len(load_layer(s, "points", START + timedelta(days=3))) == 1


@pytest.mark.parametrize("layer, edit, field", [
    ("points", RuleEdit(radius_m=0), "radius_m"),
    ("points", RuleEdit(radius_m=1000.5), "radius_m"),
    ("points", RuleEdit(dwell_s=-1), "dwell_s"),
    ("points", RuleEdit(windows=["23:00-19:00"]), "time_windows[0]"),
    ("lines", RuleEdit(coordinates=[[112.08, 32.68]]), "coordinates"),
    ("lines", RuleEdit(coordinates=[[112.08, 32.68], [112.09, 32.68], [112.085, 32.68]]), "coordinates"),
    ("lines", RuleEdit(buffer_m=-5), "buffer_m"),
])
def test_bad_rules_name_the_field_and_write_nothing(engine, layer, edit, field):
    _setup_city(engine)
    model = MustVisitPoint if layer == "points" else PatrolLine
    before, audits = _count(engine, model), _count(engine, AuditLog)
    with pytest.raises(RuleError) as info:
        set_rule(_runner(engine, START), layer, "P1" if layer == "points" else "L1", edit)
    assert info.value.field == field and str(info.value).startswith(f"{field}: ")
    assert "\n" not in str(info.value)
    assert (_count(engine, model), _count(engine, AuditLog)) == (before, audits)


def test_roster_naming_an_unknown_unit_writes_nothing(engine):
    _setup_city(engine)
    runner = _runner(engine, START)
    with pytest.raises(RuleError, match="^unit: no unit with callsign '无此单位'"):
        assign_duty(runner, "无此单位", "night", date(2026, 6, 1))
    with pytest.raises(RuleError, match="^shift: "):
        assign_duty(runner, "联勤1", "day", date(2026, 6, 1))
    assert _count(engine, DutyAssignment) == 0
    code = assign_duty(runner, "联勤1", "night", date(2026, 6, 1), date(2026, 6, 7))
    with session_factory(engine)() as s:
        assert [cs for _, cs, _ in roster_on(s, date(2026, 6, 3), START)] == ["联勤1"]
        assert roster_on(s, date(2026, 6, 8), START) == []
    cancel_duty(_runner(engine, START + timedelta(hours=1)), code)
    with session_factory(engine)() as s:
        assert roster_on(s, date(2026, 6, 3), START + timedelta(hours=2)) == []
        assert len(roster_on(s, date(2026, 6, 3), START)) == 1  # who was on duty, as planned then
    assert _count(engine, Shift) == 1


def test_live_detection_and_rebuild_store_the_same_events(engine):
    _setup_city(engine)
    rows = S.fixes()
    rng = np.random.default_rng(11)
    live_rows = rows + [rows[i] for i in rng.choice(len(rows), 40, replace=False)]
    arrival = np.array([r[0] for r in live_rows]) + np.where(rng.random(len(live_rows)) < 0.1,
                                                            rng.uniform(0, 400, len(live_rows)), 0)
    ordered = [live_rows[i] for i in np.argsort(arrival, kind="stable")]
    end = START + timedelta(hours=2)
    live = PatrolLive(engine, PatrolSettings(), FixedClock(START))
    live.prime()
    sessions = session_factory(engine)
    for a in range(0, len(ordered), 25):
        fixes = [_fix(r) for r in ordered[a:a + 25]]
        with sessions() as s:
            assert store_fixes(s, fixes, end) == [None] * len(fixes)
            s.commit()
        live.process(fixes, end)
    with sessions() as s:
        live_events = stored_events(s)
    kinds = sorted(e.kind for e in live_events)
    assert kinds.count("checkin") == 1 and kinds.count("joint") == 1 and "pass" in kinds
    result = rebuild(_runner(engine, end), START - timedelta(hours=1), end, PatrolSettings())
    assert result.fixes == len(rows) and result.removed == len(live_events) == result.added
    with sessions() as s:
        assert stored_events(s) == live_events
    again = rebuild(_runner(engine, end), START - timedelta(hours=1), end, PatrolSettings())
    assert (again.removed, again.added) == (result.added, result.added)  # idempotent
    with sessions() as s:
        assert stored_events(s) == live_events


def test_report_has_the_issue_keys(engine):
    ids = _setup_city(engine)
    end = START + timedelta(hours=2)
    with session_factory(engine)() as s:
        store_fixes(s, [_fix(r) for r in S.fixes()], end)
        s.commit()
    rebuild(_runner(engine, end), START - timedelta(hours=1), end, PatrolSettings())
    with session_factory(engine)() as s:
        report = patrol_report(s, START - timedelta(hours=1), end, end, "Asia/Shanghai")
        by_unit = patrol_report(s, START - timedelta(hours=1), end, end, "Asia/Shanghai", callsign="警1")
    assert set(report) == {"checkins", "missed", "lines", "joint_patrols"}
    (c,) = report["checkins"]
    assert set(c) == {"point_code", "point_name", "callsign", "device_id", "arrived_utc", "left_utc", "dwell_s"}
    assert (c["point_code"], c["callsign"], c["device_id"], c["dwell_s"]) == ("P1", "联勤1", "P1", 303.0)
    assert c["arrived_utc"] == "2026-06-01T11:00:00Z"
    # 19:00-19:30 had its visit; nobody came 19:30-20:00 (local) = 11:30-12:00 UTC.
    assert report["missed"] == [{"point_code": "P1", "window_start_utc": "2026-06-01T11:30:00Z",
                                 "window_end_utc": "2026-06-01T12:00:00Z"}]
    (line,) = report["lines"]
    assert set(line) == {"line_code", "callsign", "covered_pct"} and line["callsign"] == "联勤1"
    assert 95 <= line["covered_pct"] <= 100
    (j,) = report["joint_patrols"]
    assert set(j) == {"police_device", "city_device", "police_callsign", "city_callsign", "start_utc", "end_utc",
                      "minutes"}
    assert (j["police_device"], j["city_device"], j["police_callsign"], j["city_callsign"]) == ("P1", "C1", "联勤1",
                                                                                                "联勤1")
    assert by_unit["checkins"] == [] and by_unit["joint_patrols"] == []
    assert ids[1] != ids[2]


def test_grid_status_for_the_dock(engine):
    from core.patrol_status import MISSED
    from db.patrol_report import grid_status

    _setup_city(engine)
    end = START + timedelta(hours=2)  # 21:00 local
    with session_factory(engine)() as s:
        store_fixes(s, [_fix(r) for r in S.fixes()], end)
        s.commit()
    rebuild(_runner(engine, end), START - timedelta(hours=1), end, PatrolSettings())
    for callsign in ("联勤1", "警1"):
        assign_duty(_runner(engine, START), callsign, "night", date(2026, 6, 1))
    with session_factory(engine)() as s:
        status = grid_status(s, "G1", "night", date(2026, 6, 1), end, PatrolSettings(), "Asia/Shanghai")
    assert (status.shift_start, status.shift_end) == (START, START + timedelta(hours=8))
    (point,) = status.points
    assert point.code == "P1" and point.state == MISSED  # 19:00-19:30 visited, 19:30-20:00 not
    assert [slot[4] for slot in point.slots] == ["visited", "missed"]
    (line,) = status.lines
    assert line.covered_pct > 95 and line.passes_done == 1
    assert [(j.police_callsign, j.city_callsign) for j in status.joint_patrols] == [("联勤1", "联勤1")]
    assert sorted(u.callsign for u in status.unseen) == ["联勤1", "警1"]  # last fixes 19:35 and 20:14


def test_rebuild_over_days_keeps_the_early_events(engine):
    """A rebuild spanning more than the detector's late horizon (48 h) stores the first
    days' events too: the same patrol a week later doubles every kind of event."""
    _setup_city(engine)
    rows = S.fixes()
    week = 7 * 86400
    sessions = session_factory(engine)
    with sessions() as s:
        fixes = [_fix(r) for r in rows] + [_fix((r[0] + week, *r[1:])) for r in rows]
        assert store_fixes(s, fixes, START + timedelta(days=8)) == [None] * len(fixes)
        s.commit()
    end = START + timedelta(hours=2)
    one = rebuild(_runner(engine, end), START - timedelta(hours=1), end, PatrolSettings())
    both = rebuild(_runner(engine, end + timedelta(days=7)), START - timedelta(hours=1),
                   end + timedelta(days=7), PatrolSettings())
    assert one.added > 0 and both.added == 2 * one.added
