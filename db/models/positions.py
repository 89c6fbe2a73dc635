"""Position history, each unit's last position, and rejected reports.

Positions are the hot path: no audit or change rows; ``rev`` increases with every
commit that moves a unit, and the change feed polls it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base
from db.types import Json, UtcDateTime

# SQLite only autoincrements INTEGER PRIMARY KEY, PostgreSQL wants BIGINT for the history.
BigId = BigInteger().with_variant(Integer, "sqlite")


class Position(Base):
    __tablename__ = "positions"
    __table_args__ = (
        # A device that resends a buffered fix stores it once.
        UniqueConstraint("device_id", "fix_time", name="uq_positions_device_fix_time"),
        Index("ix_positions_unit_time", "unit_id", "fix_time"),
        # Replay loads a time window of every device's fixes (db/history.py).
        Index("ix_positions_fix_time", "fix_time"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    device_id: Mapped[str] = mapped_column(String(128))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), nullable=True)
    fix_time: Mapped[datetime] = mapped_column(UtcDateTime)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    speed_mps: Mapped[float | None] = mapped_column(Float, nullable=True)
    heading_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    altitude_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    battery_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    stale_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    protocol: Mapped[str] = mapped_column(String(16), default="osmand")
    attributes: Mapped[dict] = mapped_column(Json, default=dict)


class UnitLastPosition(Base):
    __tablename__ = "unit_last_position"
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(128))
    fix_time: Mapped[datetime] = mapped_column(UtcDateTime)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    speed_mps: Mapped[float | None] = mapped_column(Float, nullable=True)
    heading_deg: Mapped[float | None] = mapped_column(Float, nullable=True)
    battery_pct: Mapped[float | None] = mapped_column(Float, nullable=True)
    rev: Mapped[int] = mapped_column(BigInteger, index=True)


class FeedRevision(Base):
    """One row per feed ("positions", "changes"): the last revision handed out."""

    __tablename__ = "feed_revisions"
    feed: Mapped[str] = mapped_column(String(32), primary_key=True)
    rev: Mapped[int] = mapped_column(BigInteger, default=0)


class RejectedReport(Base):
    __tablename__ = "rejected_reports"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    protocol: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(128))  # address:port of the sender
    reason: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)  # the first bytes of the report, for diagnosis
