"""Places on the map: grids, stations, must-visit points, must-patrol lines, key targets, streets."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, GeometryMixin, Timestamps, VersionedMixin
from db.types import Json, UtcDateTime


class Grid(GeometryMixin, VersionedMixin, Timestamps, Base):
    __tablename__ = "grids"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    properties: Mapped[dict] = mapped_column(Json, default=dict)  # commander, commissar, phone, ...


class Station(GeometryMixin, VersionedMixin, Timestamps, Base):
    """Joint service stations, SWAT posts, police stations and traffic posts."""

    __tablename__ = "stations"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True, index=True)
    properties: Mapped[dict] = mapped_column(Json, default=dict)


class ValidityPeriod:
    """Rows versioned by validity period, never overwritten: a change closes the current
    row (``valid_to``) and inserts the next ``revision`` (points, lines, shifts, roster)."""

    code: Mapped[str] = mapped_column(String(64), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    valid_from: Mapped[datetime] = mapped_column(UtcDateTime)
    valid_to: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)


class _ValidityMixin(ValidityPeriod):
    # ["07:00-08:00", ...] or [{"start": "19:00", "end": "23:00", "visits": 2}, ...] (core.patrol_rules)
    time_windows: Mapped[list] = mapped_column(Json, default=list)


class MustVisitPoint(GeometryMixin, _ValidityMixin, Timestamps, Base):
    __tablename__ = "must_visit_points"
    __table_args__ = (UniqueConstraint("code", "revision", name="uq_must_visit_points_code_revision"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True, index=True)
    radius_m: Mapped[float] = mapped_column(Float, default=50.0)
    dwell_s: Mapped[float] = mapped_column(Float, default=120.0)  # minimum stay that counts as a check-in
    visits_per_shift: Mapped[int] = mapped_column(Integer, default=1)
    properties: Mapped[dict] = mapped_column(Json, default=dict)


class PatrolLine(GeometryMixin, _ValidityMixin, Timestamps, Base):
    __tablename__ = "patrol_lines"
    __table_args__ = (UniqueConstraint("code", "revision", name="uq_patrol_lines_code_revision"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True, index=True)
    corridor_m: Mapped[float] = mapped_column(Float, default=30.0)  # the buffer either side of the line
    passes_per_shift: Mapped[int] = mapped_column(Integer, default=1)
    properties: Mapped[dict] = mapped_column(Json, default=dict)


class KeyTarget(GeometryMixin, VersionedMixin, Timestamps, Base):
    __tablename__ = "key_targets"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True, index=True)
    properties: Mapped[dict] = mapped_column(Json, default=dict)


class Street(GeometryMixin, Timestamps, Base):
    """The street network: drawn when there is no basemap, routed on for travel times."""

    __tablename__ = "streets"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    road_class: Mapped[str] = mapped_column(String(32), default="residential")
    oneway: Mapped[bool] = mapped_column(Boolean, default=False)
    properties: Mapped[dict] = mapped_column(Json, default=dict)
