"""Writes of hand-over work orders (工作交办单): issuing one, and every step of its life
(sign, progress, request close, close with a rating, send back, extension request,
approval or refusal, cancellation, supervision notes).

Each is one OperationRunner operation with the ``work_orders`` permission: the
optimistic version check, the write, an audit row with before/after, a timeline note
and a ``workorders`` change row, in one transaction. Bad input raises FieldError
naming the field before anything is written."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core import workorders as wo
from core.incidents import FieldError
from core.settings import WorkOrderSettings
from db.engine import session_factory
from db.field_checks import check_code, check_coordinate, next_daily_number
from db.models import Incident, Photo, WorkOrder, WorkOrderNote
from db.operations import ConflictError, OpContext, OperationRunner, row_dict
from db.places_repo import grid_index
from db.workorders_repo import WorkOrderNotFound, order_by_number

PERMISSION = "work_orders"
# The commander's review steps; the rest is the handling department's work.
REVIEW_PERMISSION = "review_work_orders"
REVIEW_ACTIONS = frozenset({wo.CLOSE, wo.SEND_BACK, wo.CANCEL, wo.SUPERVISE, wo.APPROVE_EXTENSION, wo.REFUSE_EXTENSION})
CHANGE_KIND = "workorders"
_FUTURE_TOLERANCE = timedelta(minutes=5)  # another system's clock may run a little ahead
_NUMBER_RETRIES = 5
_TEXT_LIMITS = {"title": 200, "responsible": 100, "contact": 100, "assigning_unit": 200}


@dataclass(frozen=True)
class NewOrder:
    """What issuing an order needs; ``issued_at`` back-enters a paper order."""

    title: str
    description: str
    department: str
    kind: str = "ordinary"
    lon: float | None = None
    lat: float | None = None
    source: str = "manual"
    incident_id: int | None = None
    issued_at: datetime | None = None
    requirements: str | None = None
    responsible: str | None = None
    contact: str | None = None
    assigning_unit: str | None = None


@dataclass(frozen=True)
class Issued:
    order: wo.WorkOrderSnapshot
    outside_grid: bool  # allowed, but the caller must say so


def check_text(name: str, value: Any, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise FieldError(name, "is required")
        return None
    if not isinstance(value, str):
        raise FieldError(name, f"must be text, got {value!r}")
    if name in _TEXT_LIMITS and len(value) > _TEXT_LIMITS[name]:
        raise FieldError(name, f"longer than {_TEXT_LIMITS[name]} characters")
    return value.strip()


def validate_new_order(new: NewOrder) -> None:
    """The checks that need no database, so a bad order fails before any transaction."""
    check_text("title", new.title, True)
    check_text("description", new.description, True)
    for name in ("requirements", "responsible", "contact", "assigning_unit"):
        check_text(name, getattr(new, name), False)
    if new.kind not in wo.KINDS:
        raise FieldError("kind", f"must be one of {', '.join(wo.KINDS)}, got {new.kind!r}")
    if new.source not in wo.SOURCES:
        raise FieldError("source", f"must be one of {', '.join(wo.SOURCES)}, got {new.source!r}")
    if (new.lon is None) != (new.lat is None):
        raise FieldError("lat" if new.lat is None else "lon", "give both lat and lon, or neither")
    if new.lon is not None:
        check_coordinate("lon", new.lon, 180)
        check_coordinate("lat", new.lat, 90)
    if new.issued_at is not None and new.issued_at.tzinfo is None:
        raise FieldError("issued_at", "needs a time zone")


def check_when(name: str, at: datetime | None, ctx: OpContext, not_before: datetime | None = None) -> datetime:
    when = at or ctx.now
    if when > ctx.now + _FUTURE_TOLERANCE:
        raise FieldError(name, f"{wo.iso_z(when)} is in the future")
    if not_before is not None and when < not_before:
        raise FieldError(name, f"{wo.iso_z(when)} is before the order's last step or issue ({wo.iso_z(not_before)})")
    return when


def _note(ctx: OpContext, order: WorkOrder, kind: str, text: str | None, at: datetime) -> None:
    ctx.session.add(WorkOrderNote(work_order_id=order.id, at=at, author=ctx.actor.user, kind=kind, text=text or ""))


def insert_order(ctx: OpContext, new: NewOrder, settings: WorkOrderSettings,
                 photos: list[str] = ()) -> tuple[WorkOrder, bool]:
    """Issue an order inside an operation (a patrol finding hands over in its own)."""
    session = ctx.session
    check_code(session, "department", new.department)
    if new.incident_id is not None and session.get(Incident, new.incident_id) is None:
        raise FieldError("incident", f"no incident with id {new.incident_id}")
    issued = check_when("issued_at", new.issued_at, ctx)
    deadlines = wo.compute_deadlines(issued, new.kind, settings)
    warn = wo.warning_starts(deadlines, new.kind, settings)
    grid_id = None
    if new.lon is not None:
        index, _ = grid_index(session)
        grid_id = index.grid_of(new.lon, new.lat)
    order = WorkOrder(
        number=next_daily_number(session, WorkOrder.number, "JB", issued, settings.timezone),
        title=new.title.strip(), source=new.source, incident_id=new.incident_id, complexity=new.kind,
        assigning_unit=check_text("assigning_unit", new.assigning_unit, False) or settings.assigning_unit,
        issued_at=issued, department=new.department, responsible=check_text("responsible", new.responsible, False),
        contact=check_text("contact", new.contact, False), lon=new.lon, lat=new.lat, grid_id=grid_id,
        description=new.description.strip(), requirements=check_text("requirements", new.requirements, False),
        attachments=list(photos), deploy_due=deadlines.deploy, feedback_due=deadlines.progress,
        resolve_due=deadlines.resolve, progress_warn_at=warn["progress"], resolve_warn_at=warn["resolve"],
        status="issued", created_at=ctx.now,
    )
    session.add(order)
    session.flush()
    back_entered = new.issued_at is not None
    _note(ctx, order, "created", "补录纸质交办单 (back-entered paper order)" if back_entered else "", issued)
    ctx.audit("work_orders", order.number, None, {**row_dict(order), "back_entered": back_entered})
    ctx.changed(CHANGE_KIND, order.id)
    return order, new.lon is not None and grid_id is None


def run_numbered(runner: OperationRunner, operation: str, write, permission: str = PERMISSION):
    for attempt in range(_NUMBER_RETRIES):
        try:
            return runner.run(operation, write, permission)
        except IntegrityError:
            # Another workstation took the same number a moment ago: count again.
            if attempt == _NUMBER_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def issue_order(runner: OperationRunner, new: NewOrder, settings: WorkOrderSettings | None = None) -> Issued:
    settings = settings or WorkOrderSettings()
    validate_new_order(new)
    operation = "issue work order (back-entered)" if new.issued_at is not None else "issue work order"

    def write(ctx: OpContext) -> Issued:
        order, outside = insert_order(ctx, new, settings)
        ctx.session.flush()
        return Issued(order_by_number(ctx.session, order.number, max(ctx.now, order.issued_at)), outside)

    return run_numbered(runner, operation, write)


def store_photos(ctx: OpContext, photos: list[tuple[str, str, bytes]]) -> list[str]:
    """Store checked photos (sha256, mime, bytes) once each by content hash."""
    shas = [sha for sha, _, _ in photos]
    known = set(ctx.session.scalars(select(Photo.sha256).where(Photo.sha256.in_(shas)))) if shas else set()
    for sha, mime, data in photos:
        if sha not in known:
            ctx.session.add(Photo(sha256=sha, mime=mime, size=len(data), data=data, created_at=ctx.now))
            known.add(sha)
    return shas


# --------------------------------------------------------------------------
# the steps of an order's life
# --------------------------------------------------------------------------

def _check_inputs(action: str, note: str | None, until: datetime | None, rating: str | None,
                  status: str, number: str) -> str | None:
    if action not in wo.ACTIONS:
        raise FieldError("action", f"unknown action {action!r} (actions: {', '.join(wo.ACTIONS)})")
    if rating is not None and action != wo.CLOSE:
        raise FieldError("rating", f"{number} is {status}, not being closed: a rating goes with close only")
    if action == wo.CLOSE and rating is None:
        raise FieldError("rating", f"closing needs a rating: {', '.join(f'{c} ({z})' for c, z in wo.RATINGS.items())}")
    if until is not None and action != wo.EXTEND:
        raise FieldError("until", "only goes with extend")
    if action == wo.EXTEND and until is None:
        raise FieldError("until", "an extension request needs the new date")
    if until is not None and until.tzinfo is None:
        raise FieldError("until", "needs a time zone")
    if action in wo.NOTE_REQUIRED and not (note and note.strip()):
        raise FieldError("note", f"{action} needs a note" + (" (the reason)" if action in (wo.EXTEND, wo.CANCEL) else ""))
    return wo.parse_rating(rating) if rating is not None else None


def _apply(ctx: OpContext, order: WorkOrder, action: str, note: str | None, until: datetime | None,
           rating: str | None, at: datetime, settings: WorkOrderSettings) -> None:
    """The write itself; ``at`` is when it happened (checked by the caller)."""
    kind = {wo.SIGN: "signed", wo.REQUEST_CLOSE: "close_request", wo.CLOSE: "closed", wo.SEND_BACK: "returned",
            wo.EXTEND: "extension_req", wo.APPROVE_EXTENSION: "extension_ok", wo.REFUSE_EXTENSION: "extension_no",
            wo.CANCEL: "cancelled", wo.SUPERVISE: "supervision", wo.PROGRESS: "progress"}[action]
    if action == wo.SIGN:
        order.signed_at = at
    elif action == wo.PROGRESS:
        order.first_progress_at = order.first_progress_at or at
    elif action == wo.REQUEST_CLOSE:
        order.result = note
    elif action == wo.CLOSE:
        order.closed_at, order.rating, order.reviewer_opinion = at, rating, note
    elif action == wo.EXTEND:
        if until <= order.resolve_due:
            raise FieldError("until", f"{wo.iso_z(until)} is not later than the current deadline "
                                      f"{wo.iso_z(order.resolve_due)}")
        order.extension_requested_to, order.extension_reason = until, note
    elif action == wo.APPROVE_EXTENSION:
        # The approved date replaces the resolve milestone; its warning window moves with it.
        new_due = order.extension_requested_to
        window = wo.warning_window("resolve", order.complexity, settings)
        order.resolve_due = order.extended_to = new_due
        order.resolve_warn_at = new_due - window if window is not None else None
        order.extension_requested_to = None
    elif action == wo.REFUSE_EXTENSION:
        order.extension_requested_to = None
    elif action == wo.CANCEL:
        order.cancelled_at = at
    order.status = wo.next_status(order.status, action)
    order.updated_at = ctx.now
    _note(ctx, order, kind, note, at)


def act(runner: OperationRunner, number: str, action: str, *, note: str | None = None, until: datetime | None = None,
        rating: str | None = None, at: datetime | None = None, expected_version: int | None = None,
        settings: WorkOrderSettings | None = None) -> wo.WorkOrderSnapshot:
    """Take one step on order ``number``; ActionNotAllowed names the allowed ones.

    ``at`` back-enters when the step happened (not in the future, not before issue)."""
    settings = settings or WorkOrderSettings()

    def write(ctx: OpContext) -> wo.WorkOrderSnapshot:
        order = ctx.session.scalar(select(WorkOrder).where(WorkOrder.number == number))
        if order is None:
            raise WorkOrderNotFound(f"no work order numbered {number!r}")
        checked_rating = _check_inputs(action, note, until, rating, order.status, number)
        ctx.check_version(order, expected_version,
                          lambda row: order_by_number(ctx.session, row.number, ctx.now))
        allowed = wo.allowed_actions(order.status, order.extension_requested_to is not None)
        if action not in allowed:
            raise wo.ActionNotAllowed(number, order.status, action, allowed)
        # Steps keep their order even when back-entered: none before the one recorded last
        # (supervision notes are the commander's, not steps of the order's handling).
        last = ctx.session.scalar(select(func.max(WorkOrderNote.at)).where(
            WorkOrderNote.work_order_id == order.id, WorkOrderNote.kind != "supervision"))
        when = check_when("at", at, ctx, not_before=max(filter(None, (order.issued_at, last))))
        before = row_dict(order)
        _apply(ctx, order, action, note.strip() if note else None, until, checked_rating, when, settings)
        ctx.session.flush()
        ctx.audit("work_orders", order.number, before, row_dict(order))
        ctx.changed(CHANGE_KIND, order.id)
        return order_by_number(ctx.session, number, max(ctx.now, when))

    try:
        return runner.run(f"work order {action}", write,
                          REVIEW_PERMISSION if action in REVIEW_ACTIONS else PERMISSION)
    except ConflictError as exc:
        if exc.fresh is None:  # the ORM's version check fired at flush: say what the order is now
            with session_factory(runner.engine)() as session:
                raise ConflictError(str(exc), order_by_number(session, number, runner.clock.now())) from exc
        raise
