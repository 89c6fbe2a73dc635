"""`gridcommand incidents create|dispatch|show|list` on the seeded demo city (both databases)."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.fixes import Fix
from core.geodesy import distance_m
from db.engine import session_factory
from db.models import AuditLog, Dispatch, Incident
from db.positions_repo import store_fixes

INCIDENT = (112.080, 32.670)  # lon, lat: grid G05
# device -> (lon, lat) of a few demo units: 联勤2-1 on foot, 联勤2-2 e-bike, 特警快反1 car, 联勤1-1 stale.
FIXES = {"BC-0201": (112.078, 32.672), "BC-0203": (112.085, 32.668), "BC-0209": (112.082, 32.671),
         "BC-0101": (112.070, 32.675)}


@pytest.fixture
def city(seeded, engine, db_url):
    """The demo city with four units reporting; 联勤1-1's fix is ten minutes old (stale)."""
    now = datetime.now(timezone.utc)
    age_s = {"BC-0101": 600}
    reports = [Fix(device, lat, lon, now - timedelta(seconds=age_s.get(device, 5)))
               for device, (lon, lat) in FIXES.items()]
    with session_factory(engine)() as s, s.begin():
        assert not any(store_fixes(s, reports, now))
    return db_url


TIMESTAMPS = ["received_utc", "dispatched_utc", "signed_utc", "en_route_utc", "arrived_utc", "handling_utc",
              "reported_utc", "closed_utc", "cancelled_utc"]


def _create(cli, db_url, category="dispute"):
    code, out, err = cli("incidents", "create", "--lon", str(INCIDENT[0]), "--lat", str(INCIDENT[1]),
                         "--category", category, "--db", db_url)
    assert code == 0, err
    return out.strip()


def test_create_dispatch_show_list(city, engine, cli):
    number = _create(cli, city)
    assert number.startswith("JQ") and number.endswith("-0001")

    # What the dock (and `recommend`) says about the two units before they are sent.
    code, out, _ = cli("recommend", "--lon", str(INCIDENT[0]), "--lat", str(INCIDENT[1]), "--category",
                       "dispute", "--json", "--limit", "0", "--db", city)
    ranked = {r["callsign"]: r for r in json.loads(out)}
    code, out, err = cli("incidents", "dispatch", number, "--unit", "特警快反1", "--unit", "联勤2-1",
                         "--db", city)
    assert code == 0, err
    assert "dispatched 特警快反1: ETA" in out and "road" in out and out.strip().endswith("is now dispatched")
    # Ranked like the dock: the recommendation's mode, ETA, ring and distance are recorded with each dispatch.
    with session_factory(engine)() as s:
        rows = s.execute(select(Dispatch.mode, Dispatch.eta_s, Dispatch.recommended_ring, Dispatch.distance_m)
                         .order_by(Dispatch.id)).all()
        actors = set(s.scalars(select(AuditLog.actor).where(AuditLog.operation == "dispatch units")))
    expected = [ranked["特警快反1"], ranked["联勤2-1"]]
    assert [tuple(r) for r in rows] == [(e["mode"], e["eta_s"], e["ring"], e["distance_m"]) for e in expected]
    assert len(actors) == 1 and "terminal" not in actors.pop()  # the local user, audited

    code, out, err = cli("incidents", "show", number, "--json", "--db", city)
    assert code == 0, err
    doc = json.loads(out)
    assert list(doc) == ["number", "state", "grid", "lat", "lon", "timestamps", "units"]
    assert (doc["number"], doc["state"], doc["grid"]) == (number, "dispatched", "G05")
    assert (doc["lon"], doc["lat"]) == INCIDENT
    assert list(doc["timestamps"]) == TIMESTAMPS
    assert doc["timestamps"]["received_utc"].endswith("Z") and doc["timestamps"]["dispatched_utc"].endswith("Z")
    assert doc["timestamps"]["signed_utc"] is None and doc["timestamps"]["arrived_utc"] is None
    assert [list(u) for u in doc["units"]] == [["callsign", "status", "dispatched_utc", "arrived_utc"]] * 2
    assert [(u["callsign"], u["status"], u["arrived_utc"]) for u in doc["units"]] == [
        ("特警快反1", "dispatched", None), ("联勤2-1", "dispatched", None)]

    code, out, _ = cli("incidents", "list", "--json", "--db", city)
    assert [(r["number"], r["state"]) for r in json.loads(out)] == [(number, "dispatched")]
    code, out, _ = cli("incidents", "show", number, "--db", city)
    assert code == 0 and "unit 特警快反1: dispatched" in out


def test_bad_input_is_one_line_and_writes_nothing(city, engine, cli):
    number = _create(cli, city)
    for argv, words in [
        (("dispatch", "JQ19990101-0001", "--unit", "特警快反1"), "no incident numbered"),
        (("dispatch", number, "--unit", "没有这个"), "--unit: no unit with callsign '没有这个'"),
        (("dispatch", number, "--unit", "特警快反1", "--unit", "特警快反1"), "named twice"),
        (("show", "nothing", "--json"), "no incident numbered 'nothing'"),
        (("create", "--lon", "112.08", "--lat", "32.68", "--category", "noise"), "category: unknown code 'noise'"),
        (("create", "--lon", "200", "--lat", "32.68", "--category", "dispute"), "lon: must be between"),
    ]:
        code, out, err = cli("incidents", *argv, "--db", city)
        assert code == 2 and words in err and len(err.strip().splitlines()) == 1, (argv, err)
    with session_factory(engine)() as s:
        assert s.scalar(select(Dispatch.id)) is None
        assert len(s.scalars(select(Incident.id)).all()) == 1

    assert cli("incidents", "dispatch", number, "--unit", "联勤2-2", "--db", city)[0] == 0
    code, _, err = cli("incidents", "dispatch", number, "--unit", "联勤2-2", "--db", city)
    assert code == 2 and "联勤2-2 is dispatched, not available" in err


def test_a_unit_the_ranking_leaves_out_is_sent_with_a_straight_estimate(city, engine, cli):
    number = _create(cli, city)
    # 联勤1-1's fix is ten minutes old: too stale to rank, but a dispatcher may still send it.
    code, out, err = cli("incidents", "dispatch", number, "--unit", "联勤1-1", "--db", city)
    assert code == 0, err
    assert "not in the ranking" in out
    with session_factory(engine)() as s:
        (mode, eta, distance), = s.execute(select(Dispatch.mode, Dispatch.eta_s, Dispatch.distance_m)).all()
    assert mode == "straight" and eta is None
    assert distance == pytest.approx(distance_m(*INCIDENT, 112.070, 32.675), abs=0.5)  # from its last fix
