"""Reading incidents, their timelines and dispatches as the views show them."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.incidents import TERMINAL, DispatchSnapshot, IncidentSnapshot, TimelineEvent
from db.models import Dispatch, Grid, Incident, IncidentEvent, Unit

__all__ = [
    "ArrivalCandidate", "active_dispatches", "arrival_candidates", "dispatch_snapshot", "dispatches_for",
    "dispatches_of", "get_incident", "incident_snapshot", "incidents_by_id", "open_incidents",
    "support_requested_ids", "timeline", "timeline_event",
    "unit_id_for_callsign",
]

# A support request stays pending until the next escalation order (up or down).
SUPPORT_KIND = "support_requested"
ORDER_KINDS = ("escalation", "deescalation")


def support_requested_ids(session: Session, incident_ids: Iterable[int]) -> set[int]:
    """Those of ``incident_ids`` whose newest support request came after their newest tier order."""
    ids = list(incident_ids)
    if not ids:
        return set()
    rows = session.execute(
        select(IncidentEvent.incident_id, IncidentEvent.kind, func.max(IncidentEvent.id))
        .where(IncidentEvent.incident_id.in_(ids), IncidentEvent.kind.in_((SUPPORT_KIND, *ORDER_KINDS)))
        .group_by(IncidentEvent.incident_id, IncidentEvent.kind)
    )
    support: dict[int, int] = {}
    orders: dict[int, int] = {}
    for incident_id, kind, newest in rows:
        target = support if kind == SUPPORT_KIND else orders
        target[incident_id] = max(target.get(incident_id, 0), newest)
    return {i for i, newest in support.items() if newest > orders.get(i, 0)}


def incident_snapshot(row: Incident, grid_code: str | None, support_requested: bool) -> IncidentSnapshot:
    return IncidentSnapshot(
        id=row.id, number=row.number, category=row.category, level=row.level, source=row.source, state=row.state,
        tier=row.tier, lon=row.lon, lat=row.lat, version=row.version, received_at=row.received_at,
        grid_id=row.grid_id, grid_code=grid_code, duplicate_of_id=row.duplicate_of_id, caller=row.caller,
        caller_phone=row.caller_phone, address=row.address, description=row.description,
        dispatched_at=row.dispatched_at, acknowledged_at=row.acknowledged_at, en_route_at=row.en_route_at,
        on_scene_at=row.on_scene_at, handling_at=row.handling_at, reported_at=row.reported_at,
        closed_at=row.closed_at, cancelled_at=row.cancelled_at, results=dict(row.results or {}),
        updated_at=row.updated_at, support_requested=support_requested, drill=bool(row.drill),
    )


def _snapshots(session: Session, rows: Sequence[tuple[Incident, str | None]]) -> list[IncidentSnapshot]:
    flagged = support_requested_ids(session, [row.id for row, _ in rows])
    return [incident_snapshot(row, code, row.id in flagged) for row, code in rows]


def _with_grid():
    return select(Incident, Grid.code).outerjoin(Grid, Grid.id == Incident.grid_id)


def get_incident(session: Session, incident_id: int) -> IncidentSnapshot | None:
    row = session.execute(_with_grid().where(Incident.id == incident_id)).first()
    return _snapshots(session, [tuple(row)])[0] if row else None


def open_incidents(session: Session) -> list[IncidentSnapshot]:
    """Every incident not closed, cancelled or invalid, oldest first."""
    rows = session.execute(_with_grid().where(Incident.state.not_in(TERMINAL))
                           .order_by(Incident.received_at, Incident.id)).all()
    return _snapshots(session, [tuple(r) for r in rows])


def incidents_by_id(session: Session, incident_ids: Iterable[int]) -> list[IncidentSnapshot]:
    ids = list(incident_ids)
    if not ids:
        return []
    rows = session.execute(_with_grid().where(Incident.id.in_(ids))).all()
    by_id = {snap.id: snap for snap in _snapshots(session, [tuple(r) for r in rows])}
    return [by_id[i] for i in ids if i in by_id]


def timeline(session: Session, incident_id: int) -> list[TimelineEvent]:
    """The incident's events in the order they were written."""
    rows = session.scalars(select(IncidentEvent).where(IncidentEvent.incident_id == incident_id)
                           .order_by(IncidentEvent.id))
    return [timeline_event(e) for e in rows]


def timeline_event(e: IncidentEvent) -> TimelineEvent:
    return TimelineEvent(id=e.id, incident_id=e.incident_id, at=e.at, kind=e.kind, actor=e.actor,
                         workstation=e.workstation, state_from=e.state_from, state_to=e.state_to,
                         payload=dict(e.payload or {}))


def dispatch_snapshot(d: Dispatch, callsign: str) -> DispatchSnapshot:
    return DispatchSnapshot(
        id=d.id, incident_id=d.incident_id, unit_id=d.unit_id, callsign=callsign, tier=d.tier, mode=d.mode,
        dispatched_at=d.dispatched_at, dispatched_by=d.dispatched_by, version=d.version, eta_s=d.eta_s,
        recommended_ring=d.recommended_ring, distance_m=d.distance_m, acknowledged_at=d.acknowledged_at,
        en_route_at=d.en_route_at, arrived_at=d.arrived_at, arrival_source=d.arrival_source,
        released_at=d.released_at,
    )


def _dispatches(session: Session, *where) -> list[DispatchSnapshot]:
    rows = session.execute(select(Dispatch, Unit.callsign).join(Unit, Unit.id == Dispatch.unit_id)
                           .where(*where).order_by(Dispatch.id))
    return [dispatch_snapshot(d, callsign) for d, callsign in rows]


def dispatches_for(session: Session, incident_id: int) -> list[DispatchSnapshot]:
    """Every dispatch of the incident (released ones too), in dispatch order."""
    return _dispatches(session, Dispatch.incident_id == incident_id)


def dispatches_of(session: Session, incident_ids: Sequence[int]) -> list[DispatchSnapshot]:
    """Every dispatch of these incidents, in dispatch order."""
    return _dispatches(session, Dispatch.incident_id.in_(list(incident_ids)))


def active_dispatches(session: Session) -> list[DispatchSnapshot]:
    """Dispatches whose unit has not been released: who is committed where."""
    return _dispatches(session, Dispatch.released_at.is_(None))


@dataclass(frozen=True)
class ArrivalCandidate:
    dispatch_id: int
    unit_id: int
    incident_id: int
    lon: float
    lat: float
    dispatched_at: datetime


def arrival_candidates(session: Session, unit_ids: Iterable[int] | None = None) -> list[ArrivalCandidate]:
    """Dispatches still waiting for their unit to arrive (optionally only these units')."""
    query = (select(Dispatch.id, Dispatch.unit_id, Dispatch.incident_id, Incident.lon, Incident.lat,
                    Dispatch.dispatched_at)
             .join(Incident, Incident.id == Dispatch.incident_id)
             .where(Dispatch.arrived_at.is_(None), Dispatch.released_at.is_(None),
                    Incident.state.not_in(TERMINAL)))
    out = []
    if unit_ids is None:
        chunks: Iterable[list[int] | None] = [None]
    else:
        ids = sorted(set(unit_ids))
        chunks = [ids[i:i + 500] for i in range(0, len(ids), 500)]  # below SQLite's parameter limit
    for chunk in chunks:
        q = query if chunk is None else query.where(Dispatch.unit_id.in_(chunk))
        out.extend(ArrivalCandidate(*row) for row in session.execute(q.order_by(Dispatch.id)))
    return out


def unit_id_for_callsign(session: Session, callsign: str) -> int | None:
    return session.scalar(select(Unit.id).where(Unit.callsign == callsign))
