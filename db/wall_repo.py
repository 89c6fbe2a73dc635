"""What the command-hall wall reads: today's and still-open incidents with their
dispatches, today's joint patrols and the overdue work orders. Only SELECTs, so a
read-only database login is enough (README: GRANTs)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.incidents import TERMINAL, DispatchSnapshot, IncidentSnapshot
from db.incidents_repo import dispatch_snapshot, incidents_by_id
from db.models import Dispatch, Incident, PatrolEvent, Unit
from db.workorders_repo import light_counts


@dataclass(frozen=True)
class WallData:
    incidents: list[IncidentSnapshot]  # received since the day start, or still open; oldest first
    dispatches: dict[int, list[DispatchSnapshot]] = field(default_factory=dict)  # incident id -> its dispatches
    joint_patrols: int = 0  # joint-patrol events that began today (core.daily_figures)
    overdue_work_orders: int = 0  # open work orders whose light is red now


def read_wall_data(session: Session, day_start: datetime, now: datetime | None = None) -> WallData:
    ids = list(session.scalars(
        select(Incident.id).where(or_(Incident.received_at >= day_start, Incident.state.not_in(TERMINAL)))
        .order_by(Incident.received_at, Incident.id)))
    incidents = incidents_by_id(session, ids)
    dispatches: dict[int, list[DispatchSnapshot]] = defaultdict(list)
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):  # below SQLite's parameter limit
        rows = session.execute(select(Dispatch, Unit.callsign).join(Unit, Unit.id == Dispatch.unit_id)
                               .where(Dispatch.incident_id.in_(chunk)).order_by(Dispatch.id))
        for d, callsign in rows:
            dispatches[d.incident_id].append(dispatch_snapshot(d, callsign))
    return WallData(incidents, dict(dispatches), joint_patrols_begun(session, day_start, day_start + timedelta(days=1)),
                    light_counts(session, now or datetime.now(day_start.tzinfo))["red"])


def joint_patrols_begun(session: Session, start: datetime, end: datetime) -> int:
    """Joint patrols (stored by detection as ``joint`` events) that began in [start, end):
    one per pair per period, counted on the day it began."""
    return session.scalar(select(func.count()).select_from(PatrolEvent).where(
        PatrolEvent.kind == "joint", PatrolEvent.start_at >= start, PatrolEvent.start_at < end)) or 0
