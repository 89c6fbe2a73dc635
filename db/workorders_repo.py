"""Reading work orders: the list with lights, one order's detail, photos, departments.

The light and the overdue milestones are computed by the database from the stored
deadline and warning columns against one bound time ``at`` (the same rule as
``core.workorders.light_at``; a test checks they agree), so a list of 100,000
orders needs no per-row date arithmetic in Python and can be filtered by light."""
from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, literal_column, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from core.code_tables import CodeEntry
from core.workorders import (
    MILESTONES, OPEN_STATUSES, PhotoRef, TimelineEntry, WorkOrderDetail, WorkOrderSnapshot,
)
from db.models import CodeTable, Grid, Photo, WorkOrder, WorkOrderNote
from db.types import UtcDateTime

W = WorkOrder


class WorkOrderNotFound(LookupError):
    pass


def code_entries(session: Session, table: str) -> list[CodeEntry]:
    """One editable code table in its administrator-defined order."""
    rows = session.scalars(select(CodeTable).where(CodeTable.table_name == table)
                           .order_by(CodeTable.sort_order, CodeTable.id))
    return [CodeEntry(r.table_name, r.code, r.label_zh, r.label_en, dict(r.extra or {})) for r in rows]


# --------------------------------------------------------------------------
# the light, in SQL
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class LightExpressions:
    light: ColumnElement
    overdue_bits: ColumnElement  # deploy 1 + progress 2 + resolve 4, for the milestones passed unmet


def light_expressions(at: datetime) -> LightExpressions:
    """SQL for the light and the overdue milestones as of ``at``.

    A milestone is met by its timestamp (cancellation meets every open one) if that is
    not after ``at``; it is overdue when its due time is before ``at`` and it is unmet."""
    when = literal(at, UtcDateTime())
    met = {"deploy": W.signed_at, "progress": W.first_progress_at, "resolve": W.closed_at}
    due = {"deploy": W.deploy_due, "progress": W.feedback_due, "resolve": W.resolve_due}
    unmet = {}
    for name, column in met.items():
        effective = func.coalesce(column, W.cancelled_at)
        unmet[name] = or_(effective.is_(None), effective > when)
    late = {name: and_(due[name] < when, unmet[name]) for name in MILESTONES}
    light = case(
        (or_(*late.values()), "red"),
        (unmet["deploy"], "green"),  # deploy has no warning window
        (and_(unmet["progress"], W.progress_warn_at <= when), "yellow"),
        (unmet["progress"], "green"),
        (and_(unmet["resolve"], W.resolve_warn_at <= when), "yellow"),
        else_="green",
    )
    bits = sum((case((late[name], 1 << bit), else_=0) for bit, name in enumerate(MILESTONES)), literal(0))
    return LightExpressions(light, bits)


@dataclass(frozen=True)
class OrderFilter:
    status: str | None = None
    open_only: bool = False
    overdue: bool = False  # the supervision list (督办): red orders
    department: str | None = None
    grid_code: str | None = None
    light: str | None = None
    issued_from: datetime | None = None
    issued_to: datetime | None = None
    number: str | None = None


_DEPT = aliased(CodeTable)


class _ListedUtc(UtcDateTime):
    """UtcDateTime read in one step: the stock path (the dialect's parser, then the
    decorator's UTC fix-up) was a third of a long list's CPU time."""

    cache_ok = True

    def result_processor(self, dialect, coltype):
        utc, parse = timezone.utc, datetime.fromisoformat
        if dialect.name == "sqlite":  # ISO text without an offset, stored in UTC: parse it as UTC in one call
            return lambda v: None if v is None else parse(v + "+00:00")
        return lambda v: None if v is None else (v.replace(tzinfo=utc) if v.tzinfo is None else v.astimezone(utc))


def _t(column):
    return type_coerce(column, _ListedUtc())


# The open statuses as SQL literals, not parameters: SQLite uses the partial index
# ix_work_orders_open only when the query's condition visibly implies the index's.
_IS_OPEN = W.status.in_([literal_column(f"'{s}'") for s in OPEN_STATUSES])


def _unfinished(when) -> ColumnElement:
    """Orders not closed or cancelled by ``when``: the only ones that can be red or yellow
    then (closing needs signing and progress first; cancelling meets every milestone).
    Each branch is an indexed column, so the supervision list skips the closed majority."""
    return or_(_IS_OPEN, W.closed_at > when, W.cancelled_at > when)


def _list_query(at: datetime, f: OrderFilter):
    """Columns in WorkOrderSnapshot's field order, so each row becomes one with ``_make``.

    No ORDER BY: with one, SQLite walks the issued_at index through every order
    instead of picking the few open ones by status; the caller sorts the result."""
    lx = light_expressions(at)
    when = literal(at, UtcDateTime())
    query = (select(W.id, W.number, W.title, W.complexity, W.source, W.department,
                    func.coalesce(_DEPT.label_zh, W.department), Grid.code, W.lon, W.lat, _t(W.issued_at), W.status,
                    _t(W.deploy_due), _t(W.feedback_due), _t(W.resolve_due), lx.light, lx.overdue_bits, W.version,
                    _t(W.extension_requested_to), W.rating)
             .outerjoin(Grid, Grid.id == W.grid_id)
             .outerjoin(_DEPT, and_(_DEPT.table_name == "department", _DEPT.code == W.department))
             .where(W.issued_at <= when))  # as of ``at``: orders issued by then
    if f.status:
        query = query.where(W.status == f.status)
    if f.open_only:
        query = query.where(_IS_OPEN)
    if f.department:
        query = query.where(W.department == f.department)
    if f.grid_code:
        query = query.where(Grid.code == f.grid_code)
    if f.overdue:
        query = query.where(_unfinished(when), lx.light == "red")
    if f.light:
        query = query.where(lx.light == f.light)
        if f.light != "green":
            query = query.where(_unfinished(when))
    if f.issued_from:
        query = query.where(W.issued_at >= f.issued_from)
    if f.issued_to:
        query = query.where(W.issued_at < f.issued_to)
    if f.number:
        query = query.where(W.number == f.number)
    return query


def list_orders(session: Session, at: datetime, f: OrderFilter = OrderFilter()) -> list[WorkOrderSnapshot]:
    """Orders issued by ``at``, newest first, with their light as of ``at``."""
    make = WorkOrderSnapshot._make
    # Core execution: ORM result machinery would add per-row work for nothing here.
    orders = [make(row) for row in session.connection().execute(_list_query(at, f))]
    orders.sort(key=_NEWEST_FIRST, reverse=True)
    return orders


_NEWEST_FIRST = attrgetter("issued_at", "id")


def light_counts(session: Session, at: datetime, open_only: bool = True) -> dict[str, int]:
    """How many orders have each light (the dock's header and the wall's figure)."""
    light = light_expressions(at).light
    query = select(light, func.count()).where(W.issued_at <= literal(at, UtcDateTime())).group_by(light)
    if open_only:
        query = query.where(_IS_OPEN)
    return {"red": 0, "yellow": 0, "green": 0, **dict(session.execute(query).all())}


def order_by_number(session: Session, number: str, at: datetime) -> WorkOrderSnapshot:
    found = list_orders(session, at, OrderFilter(number=number))
    if not found:
        # An order issued after ``at`` still exists: say so rather than "no such order".
        if session.scalar(select(W.id).where(W.number == number)) is None:
            raise WorkOrderNotFound(f"no work order numbered {number!r}")
        raise WorkOrderNotFound(f"work order {number} was issued after the time asked about")
    return found[0]


def order_detail(session: Session, number: str, at: datetime) -> WorkOrderDetail:
    """One order with its timeline (notes in time order) and its photos' references."""
    order = order_by_number(session, number, at)
    row = session.get(WorkOrder, order.id)
    notes = session.scalars(select(WorkOrderNote).where(WorkOrderNote.work_order_id == order.id)
                            .order_by(WorkOrderNote.at, WorkOrderNote.id))
    timeline = tuple(TimelineEntry(n.at, n.kind, n.author, n.text) for n in notes)
    shas = list(row.attachments or [])
    photos = {p.sha256: PhotoRef(p.sha256, p.mime, p.size)
              for p in session.execute(select(Photo.sha256, Photo.mime, Photo.size).where(Photo.sha256.in_(shas)))}
    return WorkOrderDetail(
        order=order, description=row.description, requirements=row.requirements, assigning_unit=row.assigning_unit,
        responsible=row.responsible, contact=row.contact, signed_at=row.signed_at,
        first_progress_at=row.first_progress_at, closed_at=row.closed_at, cancelled_at=row.cancelled_at,
        result=row.result, reviewer_opinion=row.reviewer_opinion, timeline=timeline,
        photos=tuple(photos[s] for s in shas if s in photos),
        extra={"extension_reason": row.extension_reason, "extended_to": row.extended_to,
               "incident_id": row.incident_id},
    )


def photo_bytes(session: Session, sha256: str) -> bytes | None:
    return session.scalar(select(Photo.data).where(Photo.sha256 == sha256))


def export_rows(session: Session, at: datetime, f: OrderFilter) -> list[tuple[WorkOrderSnapshot, Any]]:
    """Each listed order with the fields a register needs beyond the list (the export)."""
    orders = list_orders(session, at, f)
    query = select(W.id, W.description, W.assigning_unit, W.responsible, W.contact, W.signed_at, W.first_progress_at,
                   W.closed_at, W.cancelled_at, W.result, W.reviewer_opinion, W.extended_to)
    if f.issued_from:
        query = query.where(W.issued_at >= f.issued_from)
    if f.issued_to:
        query = query.where(W.issued_at < f.issued_to)
    extra = {r.id: r for r in session.execute(query)}
    return [(o, extra[o.id]) for o in orders]
