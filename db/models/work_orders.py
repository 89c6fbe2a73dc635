"""Hand-over work orders (工作交办单) under the 13710 system."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Timestamps, VersionedMixin
from db.types import Json, UtcDateTime


class WorkOrder(VersionedMixin, Timestamps, Base):
    __tablename__ = "work_orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(32))  # patrol | incident | hotline_12345 | ...
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    complexity: Mapped[str] = mapped_column(String(16), default="ordinary")  # ordinary | major
    assigning_unit: Mapped[str] = mapped_column(String(200))
    assigning_leader: Mapped[str | None] = mapped_column(String(100), nullable=True)
    issued_at: Mapped[datetime] = mapped_column(UtcDateTime)
    department: Mapped[str] = mapped_column(String(200))
    responsible: Mapped[str | None] = mapped_column(String(100), nullable=True)
    contact: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True, index=True)
    description: Mapped[str] = mapped_column(Text)
    requirements: Mapped[str | None] = mapped_column(Text, nullable=True)
    attachments: Mapped[list] = mapped_column(Json, default=list)
    # 13710: deploy the same day, report in 3 days, resolve in 7 days or 1 month.
    deploy_due: Mapped[datetime] = mapped_column(UtcDateTime)
    feedback_due: Mapped[datetime] = mapped_column(UtcDateTime)
    resolve_due: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default="issued", index=True)
    signed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    extension_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    extended_to: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    reviewer_opinion: Mapped[str | None] = mapped_column(Text, nullable=True)
    rating: Mapped[str | None] = mapped_column(String(16), nullable=True)  # excellent | good | pass | fail
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class WorkOrderNote(Base):
    __tablename__ = "work_order_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    work_order_id: Mapped[int] = mapped_column(ForeignKey("work_orders.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    author: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16), default="progress")  # progress | extension | review | returned
    text: Mapped[str] = mapped_column(Text)
