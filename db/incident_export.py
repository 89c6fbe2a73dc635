"""Every incident of a period as flat records: `gridcommand incidents export` (JSON or CSV)
and the raw-incidents sheet of the period report. Each record carries the category, the
grid, every lifecycle timestamp, the units sent and the outcome fields."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import stats
from db.models import Dispatch, Grid, Incident, Unit

EXPORT_TIMES = (("received_utc", "received_at"), ("dispatched_utc", "dispatched_at"),
                ("signed_utc", "acknowledged_at"), ("en_route_utc", "en_route_at"), ("arrived_utc", "on_scene_at"),
                ("handling_utc", "handling_at"), ("reported_utc", "reported_at"), ("closed_utc", "closed_at"),
                ("cancelled_utc", "cancelled_at"))
EXPORT_KEYS = ("number", "category", "level", "source", "state", "drill", "grid", "lon", "lat",
               *(key for key, _ in EXPORT_TIMES), "units", "rescued", "property_recovered_cny", "mediated",
               "accident_on_scene", "nearest_dispatch")


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def export_incidents(session: Session, *, start: date, end: date, grid_code: str | None,
                     time_zone: str) -> list[dict[str, Any]]:
    """Incidents received on local days start..end (drills and invalid calls included,
    marked by ``drill`` and ``state``), oldest first."""
    stats.check_period(start, end)
    a, b = stats.utc_bounds(start, end, time_zone)
    query = (select(Incident, Grid.code).outerjoin(Grid, Grid.id == Incident.grid_id)
             .where(Incident.received_at >= a, Incident.received_at < b).order_by(Incident.received_at, Incident.id))
    if grid_code is not None:
        if session.scalar(select(Grid.id).where(Grid.code == grid_code)) is None:
            raise stats.PeriodError("--grid", f"no grid with code {grid_code!r}")
        query = query.where(Grid.code == grid_code)
    rows = session.execute(query).all()
    sent: dict[int, list] = defaultdict(list)
    ids = [incident.id for incident, _ in rows]
    for chunk in range(0, len(ids), 5000):
        part = ids[chunk:chunk + 5000]
        for incident_id, callsign, eta, arrived, force, grid_id in session.execute(
                select(Dispatch.incident_id, Unit.callsign, Dispatch.eta_s, Dispatch.arrived_at, Unit.force,
                       Unit.grid_id).join(Unit, Unit.id == Dispatch.unit_id)
                .where(Dispatch.incident_id.in_(part)).order_by(Dispatch.dispatched_at, Dispatch.id)):
            sent[incident_id].append((callsign, eta, arrived is not None, force, grid_id))
    out = []
    for incident, code in rows:
        units = sent.get(incident.id, [])
        record = {"number": incident.number, "category": incident.category, "level": incident.level,
                  "source": incident.source, "state": incident.state, "drill": bool(incident.drill), "grid": code,
                  "lon": incident.lon, "lat": incident.lat}
        record.update({key: _iso(getattr(incident, column)) for key, column in EXPORT_TIMES})
        record["units"] = [u[0] for u in units]
        record.update(rescued=incident.rescued, property_recovered_cny=incident.property_recovered_cny,
                      mediated=incident.mediated, accident_on_scene=incident.accident_on_scene,
                      nearest_dispatch=stats.is_nearest_dispatch(incident.source, incident.grid_id,
                                                                 [u[1:] for u in units]))
        out.append(record)
    return out


def csv_row(record: dict[str, Any]) -> list[Any]:
    """One CSV row in EXPORT_KEYS order: units joined by ';', booleans as true/false, None empty."""
    out = []
    for key in EXPORT_KEYS:
        value = record[key]
        if key == "units":
            value = ";".join(value)
        elif isinstance(value, bool):
            value = "true" if value else "false"
        out.append("" if value is None else value)
    return out
