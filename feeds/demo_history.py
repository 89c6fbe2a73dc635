"""A recorded stretch of the demo city, for training replay: "last night" as a trainer
finds it. The simulator moves the units through the streets under a hand-moved clock,
demo incidents arrive, and a dispatcher stand-in sends each one the best-ranked unit
at its intake moment (``db.drill_ops.ranking_at_intake``); units drive there, arrival
detection (``feeds.arrival``, polled each step) records them; the simulated terminals
sign off, report and release as the demo settings say. Everything is
written through the usual paths (``store_fixes``, the operation runner), so the
history looks like one a real night leaves.

Used by the replay window's tests, the README screenshot and
`gridcommand replay record-demo`."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine, select

from core.clock import FixedClock
from core.incidents import DispatchRequest
from core.settings import Settings
from db.drill_ops import ranking_at_intake
from db.engine import session_factory
from db.incident_ops import dispatch_units
from db.incidents_repo import get_incident
from db.models import Incident
from db.operations import Actor, OperationRunner
from db.patrol_repo import events_between, rebuild

__all__ = ["DemoHistory", "record_demo_history"]

log = logging.getLogger(__name__)
DISPATCHER = Actor("demo:dispatcher", "demo history")
ARRIVAL_EVERY = 3  # steps


@dataclass
class DemoHistory:
    start: datetime
    end: datetime
    incidents: list[str] = field(default_factory=list)  # numbers
    dispatched: int = 0
    arrived: int = 0
    checkins: int = 0
    fixes: int = 0


def record_demo_history(engine: Engine, start: datetime, minutes: float, *, incidents_per_hour: float = 6.0,
                        rate: float = 8.0, seed: int = 1, step_s: float = 5.0, dispatch_after_s: float = 60.0,
                        settings: Settings | None = None) -> DemoHistory:
    """Simulate ``minutes`` of the seeded demo city from ``start``; incidents are
    dispatched ``dispatch_after_s`` after they were received (the call is taken first)."""
    from feeds.arrival import ArrivalDetector
    from feeds.simulator import SimulatorRunner

    settings = settings or Settings()
    clock = FixedClock(start)
    sim = SimulatorRunner(engine, rate=rate, seed=seed, clock=clock, dispatch=settings.dispatch, demo=settings.demo,
                          incidents_per_hour=incidents_per_hour)
    dispatcher = OperationRunner(engine, DISPATCHER, clock)
    # Nobody else watches positions written straight to the database (as `gridcommand simulate`).
    arrivals = ArrivalDetector(engine, settings.dispatch, clock)
    sessions = session_factory(engine)
    out = DemoHistory(start=start, end=start + timedelta(minutes=minutes))
    waiting: dict[int, datetime] = {}
    step = 0
    while clock.now() < out.end:
        clock.advance(step_s)
        out.fixes += sim.tick().accepted
        step += 1
        if step % ARRIVAL_EVERY == 0:  # units stay on scene for minutes: a poll every 15 s finds them
            out.arrived += len(arrivals.poll_once())
        with sessions() as session:
            fresh = session.execute(select(Incident.id, Incident.received_at).where(
                Incident.state == "received", Incident.received_at <= clock.now())).all()
        for incident_id, received_at in fresh:
            waiting.setdefault(incident_id, received_at)
        for incident_id, received_at in list(waiting.items()):
            if (clock.now() - received_at).total_seconds() < dispatch_after_s:
                continue
            del waiting[incident_id]
            with sessions() as session:
                incident = get_incident(session, incident_id)
                ranking = ranking_at_intake(session, incident, settings)
            if incident.state != "received" or not ranking:
                continue
            best = ranking[0]
            try:
                dispatch_units(dispatcher, incident_id, [DispatchRequest(
                    unit_id=best.unit_id, mode=best.mode, eta_s=best.eta_s, ring=best.ring,
                    distance_m=best.distance_m, tier=best.tier)], expected_version=incident.version)
                out.dispatched += 1
            except Exception as exc:  # a unit taken meanwhile: the next incident still gets one
                log.warning("demo history: %s not dispatched: %s", incident.number, exc)
    sim.finish()
    # Check-ins at must-visit points, as the live detector in `serve` would have found them.
    rebuild(OperationRunner(engine, DISPATCHER, clock), start, out.end, settings.patrol)
    with sessions() as session:
        out.checkins = len(events_between(session, ("checkin",), start, out.end))
    if sim.incidents is not None:
        out.incidents = list(sim.incidents.created)
    return out
