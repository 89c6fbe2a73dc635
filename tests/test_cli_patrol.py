"""`gridcommand places|duty|patrol` end to end on both databases."""
from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from core.settings import PatrolSettings
from db.engine import session_factory
from db.models import AuditLog, MustVisitPoint
from db.patrol_repo import rebuild
from db.positions_repo import store_fixes
from gridcommand.cli import main
from tests.core import patrol_scenario as S
from tests.db.patrol_city import START, _fix, _runner, _setup_city


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_places_list_keys_and_the_past(engine, db_url, capsys):
    _setup_city(engine)
    code, out, _ = cli(capsys, "places", "set-point", "P1", "--radius", "70", "--window", "07:00-08:00*2",
                       "--db", db_url)
    assert code == 0 and out.strip() == "point P1 updated"
    code, out, _ = cli(capsys, "places", "list", "--layer", "points", "--json", "--db", db_url)
    (p,) = json.loads(out)
    assert set(p) == {"code", "name", "grid_code", "lat", "lon", "radius_m", "dwell_s", "windows", "valid_from",
                      "valid_to"}
    assert (p["radius_m"], p["dwell_s"], p["windows"]) == (70, 120, [{"start": "07:00", "end": "08:00", "visits": 2}])
    assert p["valid_from"].endswith("Z") and p["valid_to"] is None
    code, out, _ = cli(capsys, "places", "list", "--layer", "points", "--at", "2026-06-01T12:00:00Z", "--json",
                       "--db", db_url)
    (old,) = json.loads(out)
    assert old["radius_m"] == 50 and old["valid_to"] is not None
    code, out, _ = cli(capsys, "places", "list", "--layer", "lines", "--json", "--db", db_url)
    (line,) = json.loads(out)
    assert line["coordinates"] == S.LINE and line["radius_m"] == 30 and "lat" not in line
    code, out, _ = cli(capsys, "places", "list", "--layer", "stations", "--json", "--db", db_url)
    assert json.loads(out)[0]["kind"] == "joint_service_station"


def test_bad_input_is_one_line_naming_the_field(engine, db_url, capsys):
    _setup_city(engine)
    with session_factory(engine)() as s:
        before = (s.scalar(select(func.count()).select_from(MustVisitPoint)),
                  s.scalar(select(func.count()).select_from(AuditLog)))
    for argv, field in ((("places", "set-point", "P1", "--radius", "0"), "radius_m"),
                        (("places", "set-point", "P1", "--dwell", "-5"), "dwell_s"),
                        (("places", "set-point", "P1", "--window", "20:00-19:00"), "time_windows[0]"),
                        (("places", "set-line", "L1", "--coords", "112.08,32.68"), "coordinates"),
                        (("duty", "assign", "--unit", "nobody", "--shift", "night", "--from", "2026-06-01"), "unit")):
        code, out, err = cli(capsys, *argv, "--db", db_url)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, argv
        assert f": {field}: " in err, err
    with session_factory(engine)() as s:
        after = (s.scalar(select(func.count()).select_from(MustVisitPoint)),
                 s.scalar(select(func.count()).select_from(AuditLog)))
    assert after == before


def test_duty_and_patrol_report_and_rebuild(engine, db_url, capsys):
    _setup_city(engine)
    assert cli(capsys, "duty", "shift-set", "day", "--name", "白班", "--start", "08:00", "--end", "16:00",
               "--db", db_url)[0] == 0
    code, out, _ = cli(capsys, "duty", "assign", "--unit", "联勤1", "--shift", "night", "--from", "2026-06-01",
                       "--to", "2026-06-02", "--db", db_url)
    assert code == 0 and "联勤1/night/2026-06-01" in out
    code, out, _ = cli(capsys, "duty", "list", "--day", "2026-06-02", "--json", "--db", db_url)
    assert [(r["unit"], r["shift"]) for r in json.loads(out)] == [("联勤1", "night")]
    with session_factory(engine)() as s:
        store_fixes(s, [_fix(r) for r in S.fixes()], START + timedelta(hours=2))
        s.commit()
    args = ("--from", "2026-06-01T10:00:00Z", "--to", "2026-06-01T13:00:00Z", "--db", db_url)
    code, out, _ = cli(capsys, "patrol", "rebuild", *args)
    assert code == 0 and out.startswith(f"patrol events rebuilt from {len(S.fixes())} fixes: 0 removed")
    code, again, _ = cli(capsys, "patrol", "rebuild", *args)
    stored = int(out.split(", ")[-1].split()[0])
    assert f"{stored} removed, {stored} stored" in again
    code, out, _ = cli(capsys, "patrol", "report", *args, "--json")
    report = json.loads(out)
    assert [c["point_code"] for c in report["checkins"]] == ["P1"]
    assert len(report["joint_patrols"]) == 1 and report["joint_patrols"][0]["minutes"] >= 10
    code, out, _ = cli(capsys, "patrol", "report", *args, "--unit", "城管1", "--json")
    assert json.loads(out)["checkins"] == []
    code, out, _ = cli(capsys, "patrol", "report", *args)
    assert code == 0 and "joint patrols: 1" in out
    code, _, err = cli(capsys, "patrol", "report", "--from", "2026-06-02T00:00:00Z", "--to", "2026-06-01T00:00:00Z",
                       "--db", db_url)
    assert code == 2 and "--to" in err
    assert rebuild(_runner(engine, START), START, START + timedelta(hours=1), PatrolSettings()).fixes > 0
