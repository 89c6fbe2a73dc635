"""Users, API clients, the audit log and the change log."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models.base import Base, Timestamps
from db.types import Json, UtcDateTime

BigId = BigInteger().with_variant(Integer, "sqlite")


class User(Timestamps, Base):
    """A person who logs in; what the role may do is declared in ``core.roles``."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))  # Argon2id, never the password
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class ApiClient(Base):
    """A system calling the incident API; only the SHA-256 of its token is kept."""

    __tablename__ = "api_clients"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(32))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


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
    # The hash chain (core.audit_chain): editing, removing or reordering a row shows.
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ChangeLog(Base):
    """Coarse "what changed" rows; workstations poll ``id`` to refresh only what moved."""

    __tablename__ = "change_log"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(32), index=True)  # grids, incidents, units, work_orders, ...
    entity_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
