"""`gridcommand recommend` on the seeded demo city (both databases)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from core.fixes import Fix
from core.geodesy import distance_m
from db.engine import session_factory
from db.positions_repo import store_fixes
from gridcommand.cli import main

JSON_KEYS = ["callsign", "unit_id", "tier", "status", "agency", "distance_m", "eta_s", "ring", "mode", "reason"]
INCIDENT = (112.080, 32.670)  # lon, lat
# device -> (unit, lon, lat): a few demo units around the incident.
FIXES = {
    "BC-0201": ("联勤2-1", 112.078, 32.672),  # joint, foot
    "BC-0203": ("联勤2-2", 112.085, 32.668),  # joint, e-bike
    "BC-0209": ("特警快反1", 112.082, 32.671),  # police SWAT, car
    "BC-0101": ("联勤1-1", 112.070, 32.675),  # joint, e-bike, stale below
}


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def city(seeded, engine, db_url):
    now = datetime.now(timezone.utc)
    fixes = [Fix(device, lat, lon, now - timedelta(seconds=600 if device == "BC-0101" else 5))
             for device, (_, lon, lat) in FIXES.items()]
    with session_factory(engine)() as s:
        assert store_fixes(s, fixes, now) == [None] * len(fixes)
        s.commit()
    return db_url


def recommend(capsys, db_url, *extra):
    code, out, err = cli(capsys, "recommend", "--lon", str(INCIDENT[0]), "--lat", str(INCIDENT[1]), "--db", db_url,
                         *extra)
    assert code == 0, err
    return out


def test_json_road_by_default(city, capsys):
    rows = json.loads(recommend(capsys, city, "--json"))
    assert [list(r) for r in rows] == [JSON_KEYS] * len(rows)
    # The stale unit is left out; the three fresh ones are ranked by ETA.
    assert {r["callsign"] for r in rows} == {"联勤2-1", "联勤2-2", "特警快反1"}
    assert [r["eta_s"] for r in rows] == sorted(r["eta_s"] for r in rows)
    assert all(r["mode"] == "road" and "by road" in r["reason"] for r in rows)
    by_callsign = {r["callsign"]: r for r in rows}
    swat = by_callsign["特警快反1"]
    assert (swat["agency"], swat["tier"], swat["status"]) == ("police", 1, "available")
    assert swat["distance_m"] == pytest.approx(distance_m(*INCIDENT, 112.082, 32.671), abs=0.1)
    for r in rows:
        assert r["ring"] == (1 if r["eta_s"] <= 60 else 3 if r["eta_s"] <= 180 else 5 if r["eta_s"] <= 300 else None)
        # Road ETAs are never shorter than the straight line at the unit's speed.
        speed = {"联勤2-1": 5 / 3.6, "联勤2-2": 20 / 3.6, "特警快反1": 30 / 3.6}[r["callsign"]]
        assert r["eta_s"] >= r["distance_m"] / speed + 30 - 0.2


def test_straight_mode_is_labelled_as_estimates(city, capsys):
    rows = json.loads(recommend(capsys, city, "--json", "--mode", "straight"))
    assert {r["mode"] for r in rows} == {"straight"}
    foot = next(r for r in rows if r["callsign"] == "联勤2-1")
    assert foot["eta_s"] == pytest.approx(foot["distance_m"] * 1.3 / (5 / 3.6) + 30, abs=0.2)
    assert all("estimate: straight line × 1.3" in r["reason"] for r in rows)
    text = recommend(capsys, city, "--mode", "straight")
    assert "mode straight: estimates: straight line × 1.3" in text.splitlines()[0]


def test_category_decides_who_may_go(city, capsys):
    police = {r["callsign"] for r in json.loads(recommend(capsys, city, "--json", "--category", "criminal"))}
    assert police == {"联勤2-1", "联勤2-2", "特警快反1"}
    city_only = {r["callsign"] for r in json.loads(recommend(capsys, city, "--json", "--category", "city_appearance"))}
    assert city_only == {"联勤2-1", "联勤2-2"}  # joint groups carry 城管; the SWAT team does not
    top = json.loads(recommend(capsys, city, "--json", "--limit", "1"))
    assert len(top) == 1


def test_human_table(city, capsys):
    lines = recommend(capsys, city, "--category", "dispute").splitlines()
    assert "mode road: road travel time on the street network" in lines[0]
    assert "(needs police)" in lines[0]
    assert lines[1].split()[:5] == ["#", "CALLSIGN", "AGENCY", "TIER", "ETA"]
    assert len(lines) == 2 + 3 + 1 and lines[-1].startswith("3 units")


def test_unknown_category_and_bad_position(city, capsys):
    code, out, err = cli(capsys, "recommend", "--lat", "32.67", "--lon", "112.08", "--category", "arson",
                         "--db", city)
    assert code == 2 and out == ""
    assert "unknown category 'arson'" in err and "criminal" in err and "city_appearance" in err
    code, _, err = cli(capsys, "recommend", "--lat", "132.67", "--lon", "112.08", "--db", city)
    assert code == 2 and "not a WGS84 position" in err


def test_without_streets_straight_is_the_default(engine, db_url, capsys):
    from db.operations import Actor, OperationRunner
    from db.seed import ensure_defaults

    ensure_defaults(OperationRunner(engine, Actor(user="tester", workstation="ws-test")))
    code, out, _ = cli(capsys, "recommend", "--lat", "32.67", "--lon", "112.08", "--db", db_url)
    assert code == 0 and "mode straight" in out and "no available unit" in out
    code, _, err = cli(capsys, "recommend", "--lat", "32.67", "--lon", "112.08", "--mode", "road", "--db", db_url)
    assert code == 2 and "no street network" in err
