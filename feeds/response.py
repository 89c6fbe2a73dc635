"""Simulated units answer the dispatch orders in the database, and their terminals
(body cameras, PDAs) report back as real ones do.

``DispatchFollower.step`` runs on every simulator tick: it reads the open dispatch
orders (the dispatches table: not released, incident still open), sends each new
order's unit to its incident (``Simulation.respond``) and recalls units whose order
was released. Arrival is *not* recorded here: the unit's fixes go through the ingest
path and the real arrival detection (feeds.arrival) sees it arrive.

With ``DemoSettings`` the unit's terminal also acts, each through the operation
runner as the audited actor ``terminal:<callsign>``: it signs the order off (签收)
``terminal_sign_off_s`` after it was given, reports 出警 when the unit sets off, and
when on-scene handling ends releases the unit (back to patrol) and, if it was the
last unit there, reports the result (处置 → 反馈); closing (办结) stays with a person."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from core.clock import Clock, SystemClock
from core.incidents import TERMINAL
from core.settings import DemoSettings
from core.simulation import Response, ResponseOrder, Simulation
from db.engine import DatabaseUnavailable, session_factory
from db.incident_ops import release_unit, transition, unit_acknowledged, unit_en_route
from db.incidents_repo import dispatches_for, get_incident
from db.models import Dispatch, Incident, Unit
from db.operations import Actor, ConflictError, OperationRunner, PermissionDenied

__all__ = ["DispatchFollower", "TERMINAL_ACTOR", "TERMINAL_WORKSTATION", "open_orders"]

log = logging.getLogger("gridcommand.response")

TERMINAL_ACTOR = "terminal:{callsign}"
TERMINAL_WORKSTATION = "simulated terminal"
HANDLED_NOTE = "simulated terminal: handled on the spot"
# Errors a terminal action may meet; it is tried again on the next tick.
_RETRYABLE = (ConflictError, ValueError, LookupError, DatabaseUnavailable, SQLAlchemyError)


def open_orders(session) -> list:
    """Dispatch orders still in force: (id, incident_id, callsign, dispatched_at, acknowledged_at,
    en_route_at, arrived_at, lon, lat, category) rows, oldest first."""
    return list(session.execute(
        select(Dispatch.id, Dispatch.incident_id, Unit.callsign, Dispatch.dispatched_at, Dispatch.acknowledged_at,
               Dispatch.en_route_at, Dispatch.arrived_at, Incident.lon, Incident.lat, Incident.category)
        .join(Unit, Unit.id == Dispatch.unit_id).join(Incident, Incident.id == Dispatch.incident_id)
        .where(Dispatch.released_at.is_(None), Incident.state.not_in(TERMINAL)).order_by(Dispatch.id)))


class DispatchFollower:
    def __init__(self, engine: Engine, settings: DemoSettings | None = None, clock: Clock | None = None):
        self.engine = engine
        self.settings = settings or DemoSettings()
        self.clock = clock or SystemClock()
        self._sessions = session_factory(engine)
        self._followed: dict[int, Response] = {}  # dispatch id -> the unit's response
        self._finished: set[int] = set()
        self._runners: dict[str, OperationRunner] = {}
        self.responses = 0  # orders answered so far
        self.actions = 0  # terminal operations recorded

    def step(self, sim: Simulation, now: datetime) -> None:
        with self._sessions() as session:
            rows = [r for r in open_orders(session) if sim.has_unit(r.callsign)]
        active = {r.id: r for r in rows}
        for r in rows:
            if r.id not in self._followed:
                order = ResponseOrder(r.id, (r.lon, r.lat), r.dispatched_at, r.category)
                self._followed[r.id] = response = sim.respond(r.callsign, order, now)
                self.responses += 1
                log.info("%s answers dispatch %d: sets off %s, %.0f m %s", r.callsign, r.id,
                         response.moving_at.isoformat(), response.route_m,
                         "by road" if response.by_road else "straight")
        for dispatch_id in [d for d in self._followed if d not in active]:
            response = self._followed.pop(dispatch_id)
            self._finished.discard(dispatch_id)
            if sim.response(response.key) is response:  # not already sent elsewhere
                sim.recall(response.key, now)
        for r in rows:
            self._terminal(r, self._followed[r.id], now)

    # -- the unit's terminal ---------------------------------------------------------

    def _runner(self, callsign: str) -> OperationRunner:
        runner = self._runners.get(callsign)
        if runner is None:
            actor = Actor(TERMINAL_ACTOR.format(callsign=callsign)[:64], TERMINAL_WORKSTATION)
            runner = self._runners[callsign] = OperationRunner(self.engine, actor, self.clock)
        return runner

    def _act(self, callsign: str, what: str, op: Callable[[OperationRunner], object]) -> bool:
        try:
            op(self._runner(callsign))
        except PermissionDenied as exc:
            log.warning("terminal of %s may not %s: %s", callsign, what, exc)
            return False
        except _RETRYABLE as exc:
            log.info("terminal of %s: %s not recorded yet (%s)", callsign, what, exc)
            return False
        self.actions += 1
        return True

    def _terminal(self, r, response: Response, now: datetime) -> None:
        s = self.settings
        if response.recalled_at is not None or r.id in self._finished:
            return
        if s.terminal_sign_off_s > 0 and r.acknowledged_at is None \
                and now >= r.dispatched_at + timedelta(seconds=s.terminal_sign_off_s):
            self._act(r.callsign, "sign-off", lambda runner: unit_acknowledged(runner, r.id))
        if not s.terminal_reports:
            return
        if r.en_route_at is None and now >= response.moving_at:
            self._act(r.callsign, "turn-out", lambda runner: unit_en_route(runner, r.id))
        if now >= response.leave_at and self._act(r.callsign, "release", lambda runner: release_unit(
                runner, r.id, note=HANDLED_NOTE)):
            self._finished.add(r.id)
            self._report(r)

    def _report(self, r) -> None:
        """The last unit leaving reports the result: 处置 then 反馈 (closing is a person's review)."""
        with self._sessions() as session:
            incident = get_incident(session, r.incident_id)
            still_there = [d for d in dispatches_for(session, r.incident_id) if d.active]
        if incident is None or still_there or incident.state not in ("on_scene", "handling"):
            return  # someone else is there, or a person moved the incident on already
        for target in ("handling", "reported")[1 if incident.state == "handling" else 0:]:
            if not self._act(r.callsign, target, lambda runner, target=target: transition(
                    runner, r.incident_id, target, expected_version=None, note=HANDLED_NOTE)):
                return
