"""The demo responds, headless: an incident is taken, the top-ranked unit is dispatched,
and with the simulator's clock accelerated the unit turns out, drives there, is seen
arriving by the real arrival detection, handles the incident and goes back on patrol."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from core.clock import FixedClock
from core.incidents import response_figures
from core.settings import DemoSettings, DispatchSettings, Settings
from core.simulation import MessConfig
from db.engine import session_factory
from db.incident_ops import create_incident
from db.incidents_repo import dispatches_for, get_incident, timeline
from db.models import AuditLog, Unit
from db.operations import Actor, OperationRunner
from feeds.arrival import ArrivalDetector
from feeds.simulator import SimulatorRunner
from gridcommand.commands.incidents import dispatch_callsigns, load_incident_json

T0 = datetime(2025, 5, 1, 8, 0, tzinfo=timezone.utc)
SCENE = dict(lon=112.0830, lat=32.6840)  # the incident, grid G02


def _world(seeded, engine, demo=None):
    clock = FixedClock(T0)
    sim = SimulatorRunner(engine, rate=13, seed=1, clock=clock, runner=seeded, mess=MessConfig(silent=0.0),
                          demo=demo or DemoSettings(), dispatch=DispatchSettings())
    detector = ArrivalDetector(engine, DispatchSettings(), clock)
    dispatcher = OperationRunner(engine, Actor("dispatcher", "ws-1"), clock)

    def run(seconds, until=None, step_s=1.0):
        for _ in range(int(seconds / step_s)):
            clock.advance(step_s)
            sim.tick()
            detector.poll_once()
            if until is not None and until():
                return True
        return False

    return clock, sim, dispatcher, run


def _state(engine, incident_id):
    with session_factory(engine)() as s:
        return get_incident(s, incident_id)


def test_dispatched_unit_drives_there_and_arrival_is_detected(seeded, engine):
    clock, sim, dispatcher, run = _world(seeded, engine)
    run(30)  # every unit has reported
    incident, _ = create_incident(dispatcher, category="dispute", **SCENE)
    with session_factory(engine)() as s:
        snapshot, chosen = dispatch_callsigns(dispatcher, s, incident.number, ["特警快反1"], now=clock.now(),
                                              settings=Settings())
    (callsign, rec), = chosen
    assert rec is not None and rec.mode == "road" and snapshot.state == "dispatched"
    ordered = clock.now()

    assert run(900, until=lambda: _state(engine, incident.id).state == "on_scene"), "never arrived"
    inc = _state(engine, incident.id)
    response = sim.sim.response("特警快反1")
    with session_factory(engine)() as s:
        (d,) = dispatches_for(s, incident.id)
        events = timeline(s, incident.id)
        status = s.scalar(select(Unit.status).where(Unit.callsign == "特警快反1"))
    assert d.arrival_source == "auto" and status == "on_scene"
    # The terminal signed off after the configured few seconds, and reported 出警 when the unit set off.
    sign_off_s = (d.acknowledged_at - ordered).total_seconds()
    assert 5.0 <= sign_off_s <= 6.0
    assert abs((d.en_route_at - response.moving_at).total_seconds()) <= 1.0
    actors = {e.kind: e.actor for e in events}
    assert actors["acknowledged"] == actors["en_route"] == "terminal:特警快反1"
    assert actors["arrival"] == "system"
    # Arrival is seen within the arrival radius: a little before the unit is exactly there.
    figures = response_figures(inc, [d])["incident"]
    true_arrival_s = (response.arrive_at - ordered).total_seconds()
    assert true_arrival_s - 20 <= figures["arrival_s"] <= true_arrival_s + 2
    # The response took about what the ranking predicted (turn-out + road at the dispatch speed).
    assert figures["arrival_s"] == pytest.approx(rec.eta_s, rel=0.35)

    doc = load_incident_json(session_factory(engine)(), incident.number)
    assert doc["state"] == "on_scene" and doc["grid"] == "G02"
    assert doc["timestamps"]["arrived_utc"].endswith("Z") and doc["timestamps"]["signed_utc"]
    assert doc["units"] == [{"callsign": "特警快反1", "status": "on_scene",
                             "dispatched_utc": doc["timestamps"]["dispatched_utc"],
                             "arrived_utc": doc["timestamps"]["arrived_utc"]}]

    # Handling over, the terminal releases the unit and reports; it goes back on patrol.
    handling_s = (response.leave_at - clock.now()).total_seconds()
    assert run(handling_s + 60, until=lambda: _state(engine, incident.id).state == "reported", step_s=10.0)
    with session_factory(engine)() as s:
        (d,) = dispatches_for(s, incident.id)
        status = s.scalar(select(Unit.status).where(Unit.callsign == "特警快反1"))
        audited = s.scalars(select(AuditLog.operation).where(AuditLog.actor == "terminal:特警快反1")).all()
    assert d.released_at is not None and status == "available"
    assert {"unit acknowledged", "unit en route", "release unit", "incident reported"} <= set(audited)


def test_release_before_arrival_recalls_the_unit(seeded, engine):
    from db.incident_ops import release_unit

    clock, sim, dispatcher, run = _world(seeded, engine, demo=DemoSettings(terminal_sign_off_s=0,
                                                                        terminal_reports=False))
    run(20)
    incident, _ = create_incident(dispatcher, category="traffic_accident", lon=112.0705, lat=32.6905)
    with session_factory(engine)() as s:
        dispatch_callsigns(dispatcher, s, incident.number, ["古城所1"], now=clock.now(), settings=Settings())
    run(5)
    response = sim.sim.response("古城所1")
    assert response is not None and response.phase(clock.now()) == "turnout"
    with session_factory(engine)() as s:
        (d,) = dispatches_for(s, incident.id)
    assert d.acknowledged_at is None and d.en_route_at is None  # terminals off: nobody signed
    release_unit(dispatcher, d.id)
    run(3)
    assert response.recalled_at is not None and response.phase(clock.now()) == "returning"


def test_demo_incidents_are_raised_through_the_operation_runner(seeded, engine):
    clock = FixedClock(T0)
    sim = SimulatorRunner(engine, rate=2, seed=4, clock=clock, runner=seeded, incidents_per_hour=60.0)
    for _ in range(60):
        clock.advance(30.0)
        sim.tick()
    numbers = sim.incidents.created
    assert 15 <= len(numbers) <= 60  # about 30 in half an hour
    with session_factory(engine)() as s:
        docs = [load_incident_json(s, n) for n in numbers]
        actors = set(s.scalars(select(AuditLog.actor).where(AuditLog.operation == "create incident")))
    assert actors == {"demo:110"}
    assert all(d["state"] == "received" and d["grid"] for d in docs)  # all inside the demo grids
    assert all(112.0 < d["lon"] < 112.2 and 32.6 < d["lat"] < 32.8 for d in docs)


def test_simulate_options(capsys):
    from gridcommand.cli import build_parser

    args = build_parser().parse_args(["simulate", "--incidents-per-hour", "12", "--no-respond"])
    assert (args.incidents_per_hour, args.no_respond) == (12.0, True)
    assert build_parser().parse_args(["simulate"]).incidents_per_hour == 0.0  # off by default
    with pytest.raises(SystemExit):
        build_parser().parse_args(["simulate", "--incidents-per-hour", "-1"])
    assert "--incidents-per-hour: must be 0 or more" in capsys.readouterr().err


def test_without_respond_units_ignore_orders(seeded, engine):
    clock = FixedClock(T0)
    sim = SimulatorRunner(engine, rate=13, seed=1, clock=clock, runner=seeded, respond=False)
    dispatcher = OperationRunner(engine, Actor("dispatcher", "ws-1"), clock)
    for _ in range(20):
        clock.advance(1.0)
        sim.tick()
    incident, _ = create_incident(dispatcher, category="dispute", **SCENE)
    with session_factory(engine)() as s:
        dispatch_callsigns(dispatcher, s, incident.number, ["特警快反1"], now=clock.now(), settings=Settings())
    for _ in range(30):
        clock.advance(1.0)
        sim.tick()
    assert sim.follower is None and sim.sim.response("特警快反1") is None
    assert _state(engine, incident.id).state == "dispatched"  # nobody signed off
