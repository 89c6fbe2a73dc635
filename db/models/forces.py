"""Forces: units (patrol groups, SWAT teams, station police, ...) and their devices."""
from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Timestamps, VersionedMixin
from db.types import Json


class Unit(VersionedMixin, Timestamps, Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    callsign: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    agency: Mapped[str] = mapped_column(String(16), index=True)  # police | city | joint
    force: Mapped[str] = mapped_column(String(32), index=True)  # grid_patrol, swat, station_police, ...
    tier: Mapped[int] = mapped_column(Integer, index=True)  # 1, 2, 3
    travel_mode: Mapped[str] = mapped_column(String(16), default="foot")  # foot | ebike | car
    status: Mapped[str] = mapped_column(String(16), default="available", index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True, index=True)
    home_station_id: Mapped[int | None] = mapped_column(ForeignKey("stations.id"), nullable=True)
    members: Mapped[list] = mapped_column(Json, default=list)  # [{name, agency, role}]
    kit: Mapped[list] = mapped_column(Json, default=list)  # [{item, count, agency?}]
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)


class Device(Timestamps, Base):
    __tablename__ = "devices"
    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[str] = mapped_column(String(128), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32), default="phone")  # body_camera | radio | phone
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # police | city; None: the unit's own agency (a joint group's devices must say which side)
    agency: Mapped[str | None] = mapped_column(String(16), nullable=True)
