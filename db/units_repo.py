"""Reading units with their devices and last positions for the live views and the CLI."""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.units import LastFix, UnitInfo
from db.models import Device, Grid, Unit, UnitLastPosition


def last_fix_from_row(row) -> LastFix:
    """A ``unit_last_position`` row (ORM or Core) as a LastFix."""
    return LastFix(time=row.fix_time, lon=row.lon, lat=row.lat, accuracy_m=row.accuracy_m, speed_mps=row.speed_mps,
                   heading_deg=row.heading_deg, battery_pct=row.battery_pct, device_id=row.device_id)


def load_units(session: Session) -> list[UnitInfo]:
    """Every unit, by callsign, with its grid code, devices and newest fix."""
    devices: dict[int, list[str]] = defaultdict(list)
    for unit_id, device_id in session.execute(select(Device.unit_id, Device.device_id).where(Device.active)
                                              .order_by(Device.device_id)):
        devices[unit_id].append(device_id)
    last = {row.unit_id: last_fix_from_row(row) for row in session.scalars(select(UnitLastPosition))}
    rows = session.execute(select(Unit, Grid.code).outerjoin(Grid, Grid.id == Unit.grid_id).order_by(Unit.callsign))
    return [
        UnitInfo(unit_id=u.id, callsign=u.callsign, name=u.name, agency=u.agency, force=u.force, tier=u.tier,
                 travel_mode=u.travel_mode, status=u.status, grid_code=grid_code, members=list(u.members or []),
                 kit=list(u.kit or []), devices=devices.get(u.id, []), last_fix=last.get(u.id))
        for u, grid_code in rows
    ]
