"""What the command-hall wall reads: today's and still-open incidents with their
dispatches. Only SELECTs, so a read-only database login is enough (README: GRANTs)."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.incidents import TERMINAL, DispatchSnapshot, IncidentSnapshot
from db.incidents_repo import dispatch_snapshot, incidents_by_id
from db.models import Dispatch, Incident, Unit


@dataclass(frozen=True)
class WallData:
    incidents: list[IncidentSnapshot]  # received since the day start, or still open; oldest first
    dispatches: dict[int, list[DispatchSnapshot]] = field(default_factory=dict)  # incident id -> its dispatches


def read_wall_data(session: Session, day_start: datetime) -> WallData:
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
    return WallData(incidents, dict(dispatches))
