from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Integer, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from db.types import Json, UtcDateTime

# Stable constraint names, so Alembic migrations behave the same on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class GeometryMixin:
    """Geometry as portable GeoJSON text plus an indexed bounding box.

    Spatial predicates run in ``core`` with shapely; the box lets queries cut the
    candidates down first on either database without PostGIS."""

    geometry: Mapped[dict] = mapped_column(Json)
    min_lon: Mapped[float] = mapped_column(Float, index=True)
    min_lat: Mapped[float] = mapped_column(Float, index=True)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    source_crs: Mapped[str] = mapped_column(String(32), default="EPSG:4326")


class VersionedMixin:
    """Optimistic locking: every update bumps ``version``; a stale write conflicts."""

    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
