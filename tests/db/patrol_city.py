"""The patrol scenario (tests/core/patrol_scenario.py) stored in a database: rules, shift,
station, units and devices. Shared by the db and CLI patrol tests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from core.clock import FixedClock
from core.fixes import Fix
from db.duty_ops import RuleEdit, set_rule, set_shift
from db.engine import session_factory
from db.models import Device, Grid, Station, Unit
from db.operations import Actor, OperationRunner
from tests.core import patrol_scenario as S

UTC = timezone.utc
START = datetime.fromtimestamp(S.T0, UTC)


def _runner(engine, when: datetime) -> OperationRunner:
    return OperationRunner(engine, Actor("tester", "ws-test"), FixedClock(when))


def _count(engine, model) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def _setup_city(engine) -> dict[int, int]:
    """The scenario's place rules, station, units and devices; scenario unit -> database unit id."""
    runner = _runner(engine, START - timedelta(days=1))
    box = [S.LON0 - 0.01, S.LAT0 - 0.01, S.LON0 + 0.03, S.LAT0 + 0.02]
    with session_factory(engine)() as s, s.begin():
        ring = [[box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]], [box[0], box[1]]]
        s.add(Grid(code="G1", name="一网格", geometry={"type": "Polygon", "coordinates": [ring]}, min_lon=box[0],
                   min_lat=box[1], max_lon=box[2], max_lat=box[3], created_at=START))
    set_rule(runner, "points", "P1", RuleEdit(name="超市", coordinates=[S.LON0, S.LAT0], radius_m=50, dwell_s=120,
                                              windows=["19:00-19:30*1", "19:30-20:00"]))
    set_rule(runner, "lines", "L1", RuleEdit(name="新华路", coordinates=S.LINE, buffer_m=30))
    set_shift(runner, "night", "夜班", "19:00", "03:00")
    with session_factory(engine)() as s, s.begin():
        grid_id = s.scalar(select(Grid.id))
        s.add(Station(code="ST", name="站", kind="joint_service_station", created_at=START,
                      geometry={"type": "Point", "coordinates": list(S.STATION)}, min_lon=S.STATION[0],
                      min_lat=S.STATION[1], max_lon=S.STATION[0], max_lat=S.STATION[1], properties={}))
        ids = {}
        for n, (callsign, agency) in {1: ("联勤1", "joint"), 2: ("警1", "police"), 3: ("城管1", "city")}.items():
            unit = Unit(callsign=callsign, name=callsign, agency=agency, force="grid_patrol", tier=1,
                        grid_id=grid_id, created_at=START)
            s.add(unit)
            s.flush()
            ids[n] = unit.id
        for dev, name in enumerate(S.DEVICES):  # the joint group's devices say their side
            agency = ("police" if S.SIDES[dev] == 1 else "city") if S.UNITS[dev] == 1 else None
            s.add(Device(device_id=name, unit_id=ids[S.UNITS[dev]], agency=agency, created_at=START))
    return ids


def _fix(row) -> Fix:
    t, dev, lon, lat = row
    return Fix(S.DEVICES[dev], lat, lon, datetime.fromtimestamp(round(t, 3), UTC), accuracy_m=5.0)
