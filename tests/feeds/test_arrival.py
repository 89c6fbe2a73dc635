"""Automatic arrival detection from a simulated track (both databases)."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from pyproj import Geod
from sqlalchemy import select

from core.clock import FixedClock
from core.fixes import Fix
from core.incidents import DispatchRequest
from core.settings import DispatchSettings
from db.engine import session_factory
from db.incident_ops import create_incident, dispatch_units
from db.incidents_repo import dispatches_for, get_incident, timeline
from db.models import Device, Unit
from db.operations import Actor, OperationRunner
from db.positions_repo import store_fixes
from feeds.arrival import ArrivalDetector
from serve_process import wait_for

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
SCENE = (112.0800, 32.6795)
_GEOD = Geod(ellps="WGS84")


def _at(metres: float, azimuth: float = 0.0) -> tuple[float, float]:
    lon, lat, _ = _GEOD.fwd(SCENE[0], SCENE[1], azimuth, metres)
    return lon, lat


def _read(engine, fn, *args):
    with session_factory(engine)() as s:
        return fn(s, *args)


def _unit(engine, callsign):
    with session_factory(engine)() as s:
        unit = s.scalars(select(Unit).where(Unit.callsign == callsign)).one()
        device = s.scalars(select(Device.device_id).where(Device.unit_id == unit.id)).first()
        return unit.id, device


class Scene:
    """An incident with 联勤2-1 dispatched to it, a clock, and a detector on that clock."""

    def __init__(self, engine):
        self.engine = engine
        self.clock = FixedClock(T0)
        ops = OperationRunner(engine, Actor("dispatcher1", "ws-1"), self.clock)
        self.incident, _ = create_incident(ops, lon=SCENE[0], lat=SCENE[1], category="dispute")
        self.unit_id, self.device = _unit(engine, "联勤2-1")
        self.other_id, self.other_device = _unit(engine, "联勤2-2")
        _, sent = dispatch_units(ops, self.incident.id, [DispatchRequest(self.unit_id, ring=3)],
                                 expected_version=self.incident.version)
        self.dispatch_id = sent[0].id
        self.detector = ArrivalDetector(engine, DispatchSettings(arrival_radius_m=50), self.clock)

    def fix(self, device, metres, accuracy=5.0, azimuth=0.0) -> datetime:
        """The device reports ``metres`` from the scene, 10 s after the last report."""
        now = self.clock.advance(10)
        lon, lat = _at(metres, azimuth)
        with session_factory(self.engine)() as s, s.begin():
            assert store_fixes(s, [Fix(device, lat=lat, lon=lon, fix_time=now, accuracy_m=accuracy)], now) == [None]
        return now

    def status(self, unit_id):
        with session_factory(self.engine)() as s:
            return s.get(Unit, unit_id).status

    def arrivals(self):
        return [e for e in _read(self.engine, timeline, self.incident.id) if e.kind == "arrival"]


@pytest.fixture
def scene(seeded, engine):
    return Scene(engine)


def test_track_approaching_the_scene_arrives_once(scene):
    assert scene.detector.poll_once() == []
    arrived_at = None
    for metres in (600, 450, 300, 150, 70, 40, 20, 10, 5):
        when = scene.fix(scene.device, metres)
        found = scene.detector.poll_once()
        if metres > 55:
            assert found == [], metres
        elif arrived_at is None:
            assert found == [scene.dispatch_id]
            arrived_at = when
        else:
            assert found == []  # standing at the scene: still one arrival
    assert scene.detector.detected == 1
    (event,) = scene.arrivals()
    assert (event.actor, event.payload["source"], event.at) == ("system", "auto", arrived_at)
    dispatch = _read(scene.engine, dispatches_for, scene.incident.id)[0]
    assert (dispatch.arrival_source, dispatch.arrived_at) == ("auto", arrived_at)
    snap = _read(scene.engine, get_incident, scene.incident.id)
    assert (snap.state, snap.on_scene_at) == ("on_scene", arrived_at)
    assert scene.status(scene.unit_id) == "on_scene"


def test_poor_accuracy_counts_when_it_covers_the_distance(scene):
    scene.fix(scene.device, 79.9, accuracy=29)
    assert scene.detector.poll_once() == []
    scene.fix(scene.device, 79.9, accuracy=30)
    assert scene.detector.poll_once() == [scene.dispatch_id]
    assert scene.arrivals()[0].payload["source"] == "auto"


def test_unrelated_unit_at_the_scene_does_not_arrive(scene):
    scene.fix(scene.other_device, 3)
    scene.fix(scene.device, 400)
    scene.fix(scene.device, 120, accuracy=60, azimuth=90)  # 120 > 50 + 60
    scene.fix(scene.device, 300, accuracy=900)  # vaguer than the ceiling
    assert scene.detector.poll_once() == []
    assert scene.arrivals() == []
    assert scene.status(scene.other_id) == "available"
    assert scene.status(scene.unit_id) == "dispatched"
    assert _read(scene.engine, get_incident, scene.incident.id).state == "dispatched"


def test_the_thread_detects_and_stops(scene):
    scene.detector.interval_s = 0.05
    scene.detector.start()
    try:
        scene.fix(scene.device, 10)
        assert wait_for(lambda: scene.arrivals(), timeout=15)
    finally:
        scene.detector.stop()
    assert scene.detector._thread is None
    assert len(scene.arrivals()) == 1
