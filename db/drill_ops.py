"""Drills (试警): flagging a drill incident, scoring a what-if choice, and the drill report.

A drill incident is answered like a real one and left out of every statistic
(``Incident.drill``). A what-if is a trainee's choice of units at a replayed
incident's intake moment, scored by ``core.drills.score_choice`` against the
ranking from the positions at that moment, and stored (``drill_results``).
"""
from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dispatch import Recommendation, rank_units
from core.drills import DrillScore, score_choice
from core.incidents import FieldError, IncidentSnapshot, response_figures
from core.replay_state import state_at
from core.settings import Settings
from core.travel import TravelModel
from db.dispatch_repo import load_dispatch_context
from db.history import load_history, unit_fixes_at
from db.incidents_repo import dispatches_for, get_incident
from db.models import DrillResult, Incident
from db.operations import OperationRunner, row_dict

__all__ = ["DRILL_PERMISSION", "REPORT_FIELDS", "WHAT_IF_PERMISSION", "drill_report", "ranking_at_intake",
           "record_what_if", "set_drill"]

DRILL_PERMISSION = "run_drills"
WHAT_IF_PERMISSION = "train"
# `gridcommand drill report --json`, in this order.
REPORT_FIELDS = ("incident", "kind", "units", "first_arrival_s", "ring_met", "best_eta_s", "chosen_eta_s", "score")


def set_drill(runner: OperationRunner, incident_id: int, drill: bool = True, *,
              expected_version: int | None = None) -> int:
    """Flag (or unflag) an incident as a drill; returns its new version."""

    def write(ctx) -> int:
        incident = ctx.session.get(Incident, incident_id)
        if incident is None:
            raise FieldError("incident", f"no incident {incident_id}")
        ctx.check_version(incident, expected_version)
        if incident.drill == drill:
            return incident.version
        before = row_dict(incident)
        incident.drill = drill
        ctx.session.flush()
        ctx.audit("incidents", incident.id, before, row_dict(incident))
        ctx.changed("incidents", incident.id)
        return incident.version

    return runner.run("flag drill" if drill else "unflag drill", write, permission=DRILL_PERMISSION)


def ranking_at_intake(session: Session, incident: IncidentSnapshot, settings: Settings) -> list[Recommendation]:
    """Every unit that could have been sent when ``incident`` was received, best first:
    positions as of that moment (newest fix at or before), statuses from the dispatches
    of that moment, the category's needs, road ETAs when streets are loaded."""
    at = incident.received_at
    network, units, needs_by_category = load_dispatch_context(session)
    fixes = unit_fixes_at(session, at)
    busy = state_at(load_history(session, at, at), at).unit_status
    units_then = []
    for unit in units:
        if unit.unit_id not in fixes:
            continue  # no fix by then: could not have been placed or sent
        status = busy.get(unit.unit_id, "off_duty" if unit.status == "off_duty" else "available")
        units_then.append(dataclasses.replace(unit, status=status, last_fix=fixes[unit.unit_id]))
    return rank_units(units_then, incident.lon, incident.lat, incident_grid=incident.grid_code,
                      needs=needs_by_category.get(incident.category, "any"), now=at,
                      model=TravelModel.from_settings(settings.dispatch), stale_after_s=settings.live.stale_after_s,
                      mode="road" if network is not None else "straight", network=network)


def record_what_if(runner: OperationRunner, incident_id: int, callsigns: Sequence[str],
                   settings: Settings | None = None) -> tuple[DrillScore, int]:
    """Score and store a trainee's choice for ``incident_id``; returns (score, result id)."""
    chosen = [c.strip() for c in callsigns if c.strip()]
    if not chosen:
        raise FieldError("units", "choose at least one unit")
    settings = settings or Settings()

    def write(ctx) -> tuple[DrillScore, int]:
        session = ctx.session
        incident = get_incident(session, incident_id)
        if incident is None:
            raise FieldError("incident", f"no incident {incident_id}")
        score = score_choice(ranking_at_intake(session, incident, settings), chosen)
        done = [d.eta_s for d in dispatches_for(session, incident_id) if d.eta_s is not None]
        row = DrillResult(incident_id=incident_id, at=ctx.now, trainee=ctx.actor.user, workstation=ctx.actor.workstation,
                          units=chosen, tier=score.tier, chosen_eta_s=score.chosen_eta_s, best_eta_s=score.best_eta_s,
                          actual_eta_s=min(done) if done else None, ring_met=score.ring_met, score=score.score)
        session.add(row)
        session.flush()
        ctx.audit("drill_results", row.id, None, row_dict(row))
        ctx.changed("drills", row.id)
        return score, row.id

    return runner.run("score what-if", write, permission=WHAT_IF_PERMISSION)


@dataclass(frozen=True)
class ReportRow:
    incident: str  # the incident number
    kind: str  # live | what_if
    units: list[str]
    first_arrival_s: float | None
    ring_met: bool | None
    best_eta_s: float | None
    chosen_eta_s: float | None
    score: float | None
    at: datetime

    def as_json(self) -> dict:
        return {name: getattr(self, name) for name in REPORT_FIELDS}


def drill_report(session: Session, start: datetime | None, end: datetime | None,
                 settings: Settings | None = None) -> list[ReportRow]:
    """Live drills received in ``[start, end]`` (measured from their dispatches and
    arrivals, scored against the ranking at intake) and what-ifs made in it, by time."""
    settings = settings or Settings()
    rows: list[ReportRow] = []
    query = select(Incident.id).where(Incident.drill.is_(True))
    if start is not None:
        query = query.where(Incident.received_at >= start)
    if end is not None:
        query = query.where(Incident.received_at <= end)
    for incident_id in session.scalars(query.order_by(Incident.received_at, Incident.id)):
        incident = get_incident(session, incident_id)
        dispatches = dispatches_for(session, incident_id)
        figures = response_figures(incident, dispatches)["incident"]
        first_arrival = figures["arrival_s"]
        callsigns = list(dict.fromkeys(d.callsign for d in dispatches))
        etas = [d.eta_s for d in dispatches if d.eta_s is not None]
        score = score_choice(ranking_at_intake(session, incident, settings), callsigns, arrival_s=first_arrival)
        rows.append(ReportRow(incident=incident.number, kind="live", units=callsigns,
                              first_arrival_s=first_arrival, ring_met=score.ring_met, best_eta_s=score.best_eta_s,
                              chosen_eta_s=score.chosen_eta_s if score.chosen_eta_s is not None else
                              (min(etas) if etas else None),
                              score=score.score if dispatches else None, at=incident.received_at))
    query = select(DrillResult, Incident.number).join(Incident, Incident.id == DrillResult.incident_id)
    if start is not None:
        query = query.where(DrillResult.at >= start)
    if end is not None:
        query = query.where(DrillResult.at <= end)
    for result, number in session.execute(query.order_by(DrillResult.at, DrillResult.id)):
        rows.append(ReportRow(incident=number, kind="what_if", units=list(result.units or []), first_arrival_s=None,
                              ring_met=result.ring_met, best_eta_s=result.best_eta_s,
                              chosen_eta_s=result.chosen_eta_s, score=result.score, at=result.at))
    rows.sort(key=lambda r: (r.at, r.kind, r.incident))
    return rows
