"""`gridcommand replay snapshot` and `gridcommand drill flag|what-if|report` (both databases)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from core.clock import FixedClock
from core.fixes import Fix
from core.incidents import DispatchRequest
from db.engine import session_factory
from db.incident_ops import create_incident, dispatch_units, record_arrival
from db.models import AuditLog, DrillResult, Incident, Unit
from db.operations import Actor, OperationRunner
from db.positions_repo import store_fixes
from gridcommand.cli import main

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
SCENE = (112.0800, 32.6795)  # inside demo grid G02


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _place(engine, placements: dict[str, tuple[float, float]], at: datetime):
    """Each device's fix at ``at``."""
    with session_factory(engine)() as s:
        assert store_fixes(s, [Fix(d, lat, lon, at, accuracy_m=5.0) for d, (lon, lat) in placements.items()],
                           at) == [None] * len(placements)
        s.commit()


def test_snapshot_is_newest_at_or_before_without_interpolation(seeded, engine, db_url, capsys):
    _place(engine, {"PH-0201": (112.08, 32.68)}, T0)
    _place(engine, {"PH-0201": (112.09, 32.69), "PH-0202": (112.07, 32.67)}, T0 + timedelta(minutes=10))
    at = (T0 + timedelta(minutes=5)).isoformat()
    code, out, err = cli(capsys, "replay", "snapshot", "--at", at, "--json", "--db", db_url)
    assert code == 0, err
    assert json.loads(out) == [{"callsign": "联勤2-1", "device_id": "PH-0201", "lat": 32.68, "lon": 112.08,
                                "fix_utc": "2026-11-30T02:00:00Z", "age_s": 300.0}]
    code, out, _ = cli(capsys, "replay", "snapshot", "--at", "2026-11-30T10:10:00+08:00", "--db", db_url)
    lines = out.splitlines()
    assert code == 0 and lines[1].split()[:2] == ["CALLSIGN", "DEVICE"] and lines[-1] == "2 positions"
    assert [line.split()[0] for line in lines[2:-1]] == ["联勤2-1", "联勤2-2"]


def _drill(engine, units: list[str]):
    """A live drill at SCENE: units at known distances at intake, the first of ``units``
    dispatched a minute later and arriving four minutes after that."""
    clock = FixedClock(T0)
    ops = OperationRunner(engine, Actor("commander", "ws-1"), clock)
    _place(engine, {"PH-0201": (SCENE[0] + 0.0005, SCENE[1]), "PH-0202": (SCENE[0] + 0.02, SCENE[1])},
           T0 - timedelta(seconds=20))
    incident, _ = create_incident(ops, lon=SCENE[0], lat=SCENE[1], category="dispute", drill=True)
    with session_factory(engine)() as s:
        ids = dict(s.execute(select(Unit.callsign, Unit.id)).all())
    clock.advance(60)
    _, dispatches = dispatch_units(ops, incident.id, [DispatchRequest(unit_id=ids[units[0]], eta_s=250.0)],
                                   expected_version=None)
    clock.advance(240)
    record_arrival(ops, dispatches[0].id, source="unit")
    return incident


def test_a_live_drill_is_measured_and_a_what_if_is_scored_and_stored(seeded, engine, db_url, capsys):
    incident = _drill(engine, ["联勤2-2"])
    with session_factory(engine)() as s:
        assert s.get(Incident, incident.id).drill is True
    code, out, err = cli(capsys, "drill", "what-if", incident.number, "--units", "联勤2-1", "--json", "--db", db_url)
    assert code == 0, err
    best = json.loads(out)
    assert best["best_unit"] == "联勤2-1" and best["score"] == 100.0 and best["eta_diff_s"] == 0.0
    assert best["ring_met"] is True and best["tier"] == 1
    code, out, _ = cli(capsys, "drill", "what-if", incident.number, "--units", "联勤2-2", "--json", "--db", db_url)
    worse = json.loads(out)
    assert worse["chosen_eta_s"] > best["chosen_eta_s"] and worse["score"] < 100.0

    code, out, err = cli(capsys, "drill", "report", "--from", "2026-11-30T00:00:00Z", "--json", "--db", db_url)
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["incident"], r["kind"], r["units"]) for r in rows] == [
        (incident.number, "live", ["联勤2-2"]), (incident.number, "what_if", ["联勤2-1"]),
        (incident.number, "what_if", ["联勤2-2"])]
    live = rows[0]
    assert list(live) == ["incident", "kind", "units", "first_arrival_s", "ring_met", "best_eta_s", "chosen_eta_s",
                          "score"]
    assert live["first_arrival_s"] == 240.0 and live["ring_met"] is True
    assert live["best_eta_s"] == best["best_eta_s"] and live["chosen_eta_s"] == worse["chosen_eta_s"]
    # Judged by its actual arrival (in time), the live drill escapes the ring penalty the what-if paid.
    assert worse["ring_met"] is False and worse["score"] == 0.0
    assert live["score"] == round(100 * best["best_eta_s"] / worse["chosen_eta_s"], 1) > 0
    assert rows[1]["score"] == 100.0
    code, out, _ = cli(capsys, "drill", "report", "--to", "2026-11-29T00:00:00Z", "--json", "--db", db_url)
    assert json.loads(out) == []
    with session_factory(engine)() as s:
        assert len(s.scalars(select(DrillResult)).all()) == 2
        assert s.scalars(select(AuditLog.operation).where(AuditLog.entity == "drill_results")).all() == [
            "score what-if", "score what-if"]


def test_flag_marks_and_unmarks_a_drill_through_the_runner(seeded, engine, db_url, capsys):
    ops = OperationRunner(engine, Actor("commander", "ws-1"), FixedClock(T0))
    incident, _ = create_incident(ops, lon=SCENE[0], lat=SCENE[1], category="dispute")
    assert cli(capsys, "drill", "flag", incident.number, "--db", db_url)[0] == 0
    with session_factory(engine)() as s:
        assert s.get(Incident, incident.id).drill is True
    code, out, _ = cli(capsys, "drill", "flag", str(incident.id), "--off", "--db", db_url)
    assert code == 0 and "no longer" in out
    assert cli(capsys, "drill", "flag", "JQ-nothing", "--db", db_url)[:1] == (2,)
    code, _, err = cli(capsys, "drill", "what-if", incident.number, "--units", " ", "--db", db_url)
    assert code == 2 and "units: choose at least one unit" in err
    with session_factory(engine)() as s:
        assert s.get(Incident, incident.id).drill is False
        assert s.scalars(select(AuditLog.operation).where(AuditLog.operation.like("%drill"))).all() == [
            "flag drill", "unflag drill"]
