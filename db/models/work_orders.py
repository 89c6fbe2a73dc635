"""Hand-over work orders (工作交办单) under the 13710 system."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.workorders import OPEN_STATUSES
from db.models.base import Base, Timestamps, VersionedMixin
from db.types import Json, UtcDateTime


# Open orders are a small share of all: a partial index finds them without reading the
# closed majority (a plain status index looks unselective to SQLite's statistics).
_OPEN_WHERE = text("status IN ({})".format(", ".join(f"'{s}'" for s in OPEN_STATUSES)))


class WorkOrder(VersionedMixin, Timestamps, Base):
    __tablename__ = "work_orders"
    __table_args__ = (Index("ix_work_orders_open", "status", sqlite_where=_OPEN_WHERE, postgresql_where=_OPEN_WHERE),)
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(200), default="", server_default="")
    source: Mapped[str] = mapped_column(String(32))  # patrol | incident | hotline_12345 | ...
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    complexity: Mapped[str] = mapped_column(String(16), default="ordinary")  # ordinary | major
    assigning_unit: Mapped[str] = mapped_column(String(200))
    assigning_leader: Mapped[str | None] = mapped_column(String(100), nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)  # no index: SQLite would walk it for every list
    department: Mapped[str] = mapped_column(String(200), index=True)  # a ``department`` code-table code
    responsible: Mapped[str | None] = mapped_column(String(100), nullable=True)
    contact: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True, index=True)
    description: Mapped[str] = mapped_column(Text)
    requirements: Mapped[str | None] = mapped_column(Text, nullable=True)
    attachments: Mapped[list] = mapped_column(Json, default=list)  # photo sha256s (table photos)
    # 13710: deploy the same day, report in 3 days, resolve in 7 days or 1 month.
    # feedback_due is the "progress" milestone; resolve_due is replaced by an approved
    # extension. The *_warn_at columns are when the light turns yellow, fixed with the
    # deadlines, so the list query compares columns with a time and does no arithmetic.
    deploy_due: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    feedback_due: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    resolve_due: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    progress_warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    resolve_warn_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    first_progress_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    extension_requested_to: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="issued", index=True)
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    extension_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    extended_to: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewer_opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    rating: Mapped[str | None] = mapped_column(String(16), nullable=True)  # excellent | good | pass | fail
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True, index=True)


class WorkOrderNote(Base):
    __tablename__ = "work_order_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    author: Mapped[str] = mapped_column(String(64))
    # progress | supervision | and one per state change (signed, close_request, closed, returned,
    # extension_req, extension_ok, extension_no, cancelled, created): the order's timeline.
    kind: Mapped[str] = mapped_column(String(16), default="progress")
    text: Mapped[str] = mapped_column(Text)


class Photo(Base):
    """A photo, stored once by content hash in the database itself, so every
    workstation of a networked installation sees it without a shared file system."""

    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PatrolFinding(VersionedMixin, Timestamps, Base):
    """A problem found on patrol (巡查发现): handled on the spot (立查立纠) or handed
    over on a work order."""

    __tablename__ = "patrol_findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    found_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    found_by: Mapped[str] = mapped_column(String(64))
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True, index=True)
    category: Mapped[str] = mapped_column(String(32))  # a ``finding_category`` code-table code
    description: Mapped[str] = mapped_column(Text)
    photos: Mapped[list] = mapped_column(Json, default=list)  # photo sha256s
    outcome: Mapped[str] = mapped_column(String(16))  # on_spot | handed_over
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    work_order_id: Mapped[int | None] = mapped_column(ForeignKey("work_orders.id"), nullable=True, index=True)
