"""Incidents (110接处警), their append-only timeline, dispatches and escalations."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Timestamps, VersionedMixin
from db.types import Json, UtcDateTime


class CodeTable(Base):
    """Editable vocabularies: incident categories (110 and 数字城管), levels, sources,
    and the capability each category needs."""

    __tablename__ = "code_tables"
    __table_args__ = (UniqueConstraint("table_name", "code", name="uq_code_tables_table_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    table_name: Mapped[str] = mapped_column(String(32), index=True)  # category | level | source
    code: Mapped[str] = mapped_column(String(32))
    label_zh: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict] = mapped_column(Json, default=dict)  # e.g. {"vocabulary": "110", "needs": "police"}


class Incident(VersionedMixin, Timestamps, Base):
    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    category: Mapped[str] = mapped_column(String(32), index=True)
    level: Mapped[str] = mapped_column(String(16), default="general")
    source: Mapped[str] = mapped_column(String(32), default="110")
    caller: Mapped[str | None] = mapped_column(String(200), nullable=True)
    caller_phone: Mapped[str | None] = mapped_column(String(64), nullable=True)
    address: Mapped[str | None] = mapped_column(String(300), nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True, index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    tier: Mapped[int] = mapped_column(Integer, default=1)  # the highest tier ordered in
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), nullable=True)
    # One timestamp per state (docs/domain.md: every state keeps its time).
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    en_route_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    on_scene_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    handling_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    reported_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    results: Mapped[dict] = mapped_column(Json, default=dict)  # mediated, rescued, property_yuan, ...
    # 试警: a test alarm, answered like a real one and left out of every statistic.
    drill: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)
    # The outcome recorded at 办结 (core.outcomes); None: not recorded. Columns, not the
    # results JSON, so the period figures are one SQL aggregate on either database.
    rescued: Mapped[int | None] = mapped_column(Integer, nullable=True)
    property_recovered_cny: Mapped[float | None] = mapped_column(Float, nullable=True)
    mediated: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    accident_on_scene: Mapped[bool | None] = mapped_column(Boolean, nullable=True)


class Commendation(Timestamps, Base):
    """A commendation a unit received (锦旗, a letter of thanks): a small log, counted per period."""

    __tablename__ = "commendations"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)  # the local day it was received
    kind: Mapped[str] = mapped_column(String(16))  # banner (锦旗) | letter (感谢信)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class IncidentEvent(Base):
    """Append-only: rows are inserted, never updated or deleted."""

    __tablename__ = "incident_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(32))  # state, dispatch, escalation, note, arrival, ...
    state_from: Mapped[str | None] = mapped_column(String(16), nullable=True)
    state_to: Mapped[str | None] = mapped_column(String(16), nullable=True)
    actor: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(Json, default=dict)


class Dispatch(VersionedMixin, Base):
    __tablename__ = "dispatches"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    tier: Mapped[int] = mapped_column(Integer, default=1)
    mode: Mapped[str] = mapped_column(String(16))  # road | straight
    eta_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    recommended_ring: Mapped[int | None] = mapped_column(Integer, nullable=True)  # 1, 3, 5 or None
    distance_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    dispatched_at: Mapped[datetime] = mapped_column(UtcDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    en_route_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    arrived_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    arrival_source: Mapped[str | None] = mapped_column(String(16), nullable=True)  # auto | unit | dispatcher
    released_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    dispatched_by: Mapped[str] = mapped_column(String(64))


class Escalation(Base):
    __tablename__ = "escalations"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))  # up | down
    tier_from: Mapped[int] = mapped_column(Integer)
    tier_to: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    suggested_by_rule: Mapped[str | None] = mapped_column(String(64), nullable=True)
    ordered_by: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(64))
    ordered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DrillResult(Base):
    """A trainee's what-if choice at an incident's intake moment, scored (core.drills)."""

    __tablename__ = "drill_results"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)  # when the choice was made
    trainee: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(64))
    units: Mapped[list] = mapped_column(Json, default=list)  # chosen callsigns
    tier: Mapped[int | None] = mapped_column(Integer, nullable=True)  # lowest tier chosen
    chosen_eta_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    best_eta_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    actual_eta_s: Mapped[float | None] = mapped_column(Float, nullable=True)  # what was done, if anything
    ring_met: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    score: Mapped[float] = mapped_column(Float)
