"""`gui --demo`'s feeds, headless and with real threads, on an accelerated clock: a dispatched
unit drives to the incident and the arrival is detected, as the README's walk-through says."""
import time
from datetime import timedelta

from core.clock import ScaledClock
from core.settings import DemoSettings
from db.engine import session_factory
from db.incident_ops import create_incident
from db.incidents_repo import dispatches_for, get_incident
from db.operations import Actor, OperationRunner
from feeds.embedded import EmbeddedFeeds
from gridcommand.commands.incidents import dispatch_callsigns, load_incident_json


def test_scaled_clock_runs_faster():
    clock = ScaledClock(60.0)
    first = clock.now()
    time.sleep(0.05)
    assert timedelta(seconds=2) < clock.now() - first < timedelta(seconds=60)


def test_the_demo_responds(seeded, engine):
    from core.settings import Settings

    clock = ScaledClock(30.0)
    feeds = EmbeddedFeeds(engine, rate=26.0, demo=DemoSettings(incidents_per_hour=0.0), clock=clock)
    dispatcher = OperationRunner(engine, Actor("dispatcher", "ws-1"), clock)  # the workstation shares the clock
    sessions = session_factory(engine)
    feeds.start()
    try:
        time.sleep(2.0)  # a minute of demo time: every unit has reported
        incident, _ = create_incident(dispatcher, category="dispute", lon=112.0830, lat=32.6840)
        with sessions() as s:
            _, ((callsign, rec),) = dispatch_callsigns(dispatcher, s, incident.number, ["特警快反1"],
                                                       now=clock.now(), settings=Settings())
        assert rec is not None and rec.mode == "road"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with sessions() as s:
                if get_incident(s, incident.id).on_scene_at is not None:
                    break
            time.sleep(0.2)
        with sessions() as s:
            doc = load_incident_json(s, incident.number)
            (d,) = dispatches_for(s, incident.id)
    finally:
        feeds.stop()
    assert feeds.ingest_address is None  # accelerated: straight to the database
    assert doc["state"] == "on_scene", doc
    assert doc["timestamps"]["signed_utc"] and doc["timestamps"]["en_route_utc"]
    assert d.arrival_source == "auto"
    arrival_s = (d.arrived_at - d.dispatched_at).total_seconds()
    assert 0.5 * rec.eta_s < arrival_s < 2.0 * rec.eta_s  # about what the ranking predicted
    assert feeds.simulator.error is None
