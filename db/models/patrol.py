"""Patrol duty: shifts (班次), the duty roster, and the events patrol detection found.

Shifts and roster entries are versioned by validity period like must-visit points:
an edit closes the row in force and inserts the next revision, so "who was on duty
on a past day" stays answerable."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Timestamps
from db.models.places import ValidityPeriod
from db.types import UtcDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")


class Shift(ValidityPeriod, Timestamps, Base):
    """A shift by local clock time; an end at or before the start ends the next day."""

    __tablename__ = "shifts"
    __table_args__ = (UniqueConstraint("code", "revision", name="uq_shifts_code_revision"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    start_local: Mapped[str] = mapped_column(String(5))  # "08:00"
    end_local: Mapped[str] = mapped_column(String(5))  # "16:00"; "08:00" after "20:00" is the next morning


class DutyAssignment(ValidityPeriod, Timestamps, Base):
    """One roster entry: a unit on a shift for local days first_day..last_day, in a grid.
    ``code`` is the entry's stable id ("<callsign>/<shift>/<first_day>")."""

    __tablename__ = "duty_roster"
    __table_args__ = (UniqueConstraint("code", "revision", name="uq_duty_roster_code_revision"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    shift_code: Mapped[str] = mapped_column(String(64))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grids.id"), nullable=True)
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)


class PatrolEvent(Base):
    """What detection found: a check-in at a point, a pass along a line, a joint patrol.

    Derived data (like positions, no audit rows): `patrol rebuild` and the live
    detector in `serve` replace them from the stored fixes."""

    __tablename__ = "patrol_events"
    __table_args__ = (Index("ix_patrol_events_kind_start", "kind", "start_at"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # checkin | pass | joint
    place_code: Mapped[str | None] = mapped_column(String(64), nullable=True)  # point or line code
    unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)  # joint: the police side
    device_id: Mapped[str] = mapped_column(String(128))
    other_unit_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # joint: the city side
    other_device_id: Mapped[str | None] = mapped_column(String(128), nullable=True)
    start_at: Mapped[datetime] = mapped_column(UtcDateTime)
    end_at: Mapped[datetime] = mapped_column(UtcDateTime)
    span_from_m: Mapped[float | None] = mapped_column(Float, nullable=True)  # pass: covered part of the line
    span_to_m: Mapped[float | None] = mapped_column(Float, nullable=True)
    detected_at: Mapped[datetime] = mapped_column(UtcDateTime)
