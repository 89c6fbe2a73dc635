"""Users, roles, the audit log and the change log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Timestamps
from db.types import Json, UtcDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")


class Role(Base):
    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)  # dispatcher, commander, wall, trainer, admin
    permissions: Mapped[list] = mapped_column(Json, default=list)


class User(Timestamps, Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role_id: Mapped[int] = mapped_column(ForeignKey("roles.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), nullable=True)


class AuditLog(Base):
    """Who did what, from which workstation, when, with the before/after state."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    before: Mapped[dict | None] = mapped_column(Json, nullable=True)
    after: Mapped[dict | None] = mapped_column(Json, nullable=True)


class ChangeLog(Base):
    """Coarse "what changed" rows; workstations poll ``id`` to refresh only what moved."""

    __tablename__ = "change_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # grids, incidents, units, work_orders, ...
    entity_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
