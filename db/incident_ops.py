"""Writes of the incident loop: intake, state changes, dispatch, arrival, release,
escalation and support requests.

Each write is one OperationRunner operation: permission check, optimistic version
check, the write, an audit row per changed row, append-only timeline events and
change rows, all in one transaction. A stale ``expected_version``, or another
workstation committing between our read and our write, raises ConflictError
whose ``fresh`` is the incident as it now stands."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.field_checks import check_number, check_text, check_time, check_time_window
from core.incidents import (
    STATE_TIMESTAMP, TERMINAL, DispatchRequest, DispatchSnapshot, FieldError, IncidentSnapshot, check_transition,
    find_duplicates, state_name,
)
from core.outcomes import CommendationInput, Outcome
from core.settings import DispatchSettings
from core.units import TIERS
from db.engine import session_factory
from db.field_checks import check_code as _check_code, check_coordinate as _coordinate, next_daily_number
from db.incidents_repo import (
    dispatch_snapshot, get_incident, incident_snapshot, incidents_by_id, support_requested_ids,
)
from db.models import Commendation, Dispatch, Escalation, Grid, Incident, IncidentEvent, Unit
from db.operations import ConflictError, OpContext, OperationRunner, row_dict
from db.places_repo import grid_index

__all__ = [
    "ARRIVAL_SOURCES", "DispatchRequest", "close_incident", "record_commendation", "IncidentNotFound", "UnitUnavailable", "create_incident", "deescalate",
    "dispatch_units", "escalate", "record_arrival", "release_unit", "request_support", "transition",
    "unit_acknowledged", "unit_en_route",
]

CREATE, EDIT, DISPATCH, ESCALATE = "create_incident", "edit_incident", "dispatch", "escalate"
SUPPORT = "request_support"
ARRIVAL_SOURCES = ("auto", "unit", "dispatcher")
DISPATCH_MODES = ("road", "straight")
DEFAULT_TZ = "Asia/Shanghai"  # incident numbers carry the local date
_BUSY = ("dispatched", "en_route", "on_scene")  # unit statuses a dispatch puts it in
# Each text field's own limit (the columns of caller and address are this wide).
_TEXT_LIMITS = {"caller": 200, "caller_phone": 64, "address": 300, "description": 4000}
_CODE_LIMIT = 64
_NUMBER_RETRIES = 5
_FUTURE_TOLERANCE = timedelta(minutes=5)  # another system's clock may run a little ahead

T = TypeVar("T")


class IncidentNotFound(LookupError):
    pass


class UnitUnavailable(ValueError):
    pass


# --------------------------------------------------------------------------
# shared steps
# --------------------------------------------------------------------------

def _run(runner: OperationRunner, operation: str, permission: str, incident_id: int | list[int],
         fn: Callable[[OpContext], T]) -> T:
    """``incident_id`` may be a list the operation fills in once it knows the incident."""
    try:
        return runner.run(operation, fn, permission)
    except ConflictError as exc:
        # The ORM's version check fired at flush: tell the loser what the incident is now.
        ids = incident_id if isinstance(incident_id, list) else [incident_id]
        if exc.fresh is None and ids:
            with session_factory(runner.engine)() as session:
                raise ConflictError(str(exc), get_incident(session, ids[0])) from exc
        raise


def _snapshot(session: Session, incident: Incident) -> IncidentSnapshot:
    session.flush()  # the version the caller must send next time
    code = session.scalar(select(Grid.code).where(Grid.id == incident.grid_id)) if incident.grid_id else None
    return incident_snapshot(incident, code, incident.id in support_requested_ids(session, [incident.id]))


def _load_incident(ctx: OpContext, incident_id: int, expected_version: int | None) -> Incident:
    incident = ctx.session.get(Incident, incident_id)
    if incident is None:
        raise IncidentNotFound(f"no incident with id {incident_id}")
    ctx.check_version(incident, expected_version, lambda row: _snapshot(ctx.session, row))
    return incident


def _require_open(incident: Incident, action: str) -> None:
    if incident.state in TERMINAL:
        raise ValueError(f"cannot {action}: incident {incident.number} is {state_name(incident.state)}")


def _event(ctx: OpContext, incident: Incident, kind: str, state_from: str | None = None,
           state_to: str | None = None, at: datetime | None = None, **payload: Any) -> IncidentEvent:
    event = IncidentEvent(incident_id=incident.id, at=at or ctx.now, kind=kind, state_from=state_from,
                          state_to=state_to, actor=ctx.actor.user, workstation=ctx.actor.workstation,
                          payload={k: v for k, v in payload.items() if v is not None})
    ctx.session.add(event)
    return event


def _set_state(ctx: OpContext, incident: Incident, target: str, at: datetime | None = None, **payload: Any) -> None:
    check_transition(incident.state, target)
    previous = incident.state
    setattr(incident, STATE_TIMESTAMP[target], at or ctx.now)
    incident.state = target
    incident.updated_at = ctx.now
    _event(ctx, incident, "state", previous, target, at=at, **payload)


def _set_unit_status(ctx: OpContext, unit: Unit, status: str) -> None:
    if unit.status == status:
        return
    ctx.audit("units", unit.id, {"callsign": unit.callsign, "status": unit.status},
              {"callsign": unit.callsign, "status": status})
    unit.status = status
    unit.updated_at = ctx.now
    ctx.changed("units", unit.id)


def _free_unit(ctx: OpContext, unit: Unit) -> None:
    if unit.status in _BUSY:  # an off-duty unit stays off duty
        _set_unit_status(ctx, unit, "available")


def _release(ctx: OpContext, incident: Incident, dispatch: Dispatch, unit: Unit, reason: str) -> None:
    """Free the unit; the caller audits the dispatch row."""
    dispatch.released_at = ctx.now
    _free_unit(ctx, unit)
    _event(ctx, incident, "released", dispatch_id=dispatch.id, unit_id=unit.id, callsign=unit.callsign,
           reason=reason)


def _audited(ctx: OpContext, incident: Incident, before: dict) -> IncidentSnapshot:
    """Finish an incident write: audit row, change row, fresh snapshot."""
    snapshot = _snapshot(ctx.session, incident)
    after = row_dict(incident)
    if after != before:
        ctx.audit("incidents", incident.id, before, after)
    ctx.changed("incidents", incident.id)
    return snapshot


# --------------------------------------------------------------------------
# intake
# --------------------------------------------------------------------------

def _next_number(session: Session, at: datetime, tz: str) -> str:
    return next_daily_number(session, Incident.number, "JQ", at, tz)


def create_incident(
    runner: OperationRunner, *, lon: float, lat: float, category: str, level: str = "general",
    source: str = "110", caller: str | None = None, caller_phone: str | None = None, address: str | None = None,
    description: str | None = None, received_at: datetime | None = None,
    settings: DispatchSettings | None = None, tz: str = DEFAULT_TZ, drill: bool = False,
) -> tuple[IncidentSnapshot, list[IncidentSnapshot]]:
    """Take an incident: number it, find its grid, flag possible duplicates (open
    incidents within the duplicate radius and window). Returns it and those duplicates,
    nearest first; ``duplicate_of_id`` links the nearest. ``drill``: a 试警 test alarm."""
    settings = settings or DispatchSettings()
    lon = check_number("lon", lon, -180, 180)
    lat = check_number("lat", lat, -90, 90)
    for name, value in (("category", category), ("level", level), ("source", source)):
        check_text(name, value, _CODE_LIMIT)
    texts = {"caller": caller, "caller_phone": caller_phone, "address": address, "description": description}
    for name, value in texts.items():
        check_text(name, value, _TEXT_LIMITS[name])
    if received_at is not None:
        received_at = check_time("received_at", received_at)
    window = timedelta(minutes=settings.duplicate_window_min)
    max_age = timedelta(days=settings.backdate_max_days)

    def write(ctx: OpContext) -> tuple[IncidentSnapshot, list[IncidentSnapshot]]:
        session = ctx.session
        for table, value in (("category", category), ("level", level), ("source", source)):
            _check_code(session, table, value)
        at = received_at or ctx.now
        check_time_window("received_at", at, ctx.now, max_age, _FUTURE_TOLERANCE)
        index, _ = grid_index(session)
        nearby = session.execute(select(Incident.id, Incident.lon, Incident.lat, Incident.received_at).where(
            Incident.state.not_in(TERMINAL), Incident.received_at.between(at - window, at + window))).all()
        duplicates = find_duplicates([tuple(r) for r in nearby], lon, lat, at, settings.duplicate_radius_m, window)
        grid_id = index.grid_of(lon, lat)
        incident = Incident(
            number=_next_number(session, at, tz), category=category, level=level, source=source, lon=lon, lat=lat,
            grid_id=grid_id, state="received", tier=1,
            duplicate_of_id=duplicates[0] if duplicates else None, received_at=at, results={}, created_at=ctx.now,
            drill=drill,
            **{k: (v.strip() or None) if isinstance(v, str) else v for k, v in texts.items()},
        )
        session.add(incident)
        session.flush()
        _event(ctx, incident, "created", None, "received", at=at, number=incident.number, category=category,
               level=level, source=source, possible_duplicates=duplicates or None,
               out_of_area=grid_id is None or None)  # outside every grid: no grid commander sees it
        ctx.audit("incidents", incident.id, None, row_dict(incident))
        ctx.changed("incidents", incident.id)
        return _snapshot(session, incident), incidents_by_id(session, duplicates)

    for attempt in range(_NUMBER_RETRIES):
        try:
            return runner.run("create incident", write, CREATE)
        except IntegrityError:
            # Another workstation took the same number a moment ago: count again.
            if attempt == _NUMBER_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


# --------------------------------------------------------------------------
# state changes
# --------------------------------------------------------------------------

def transition(runner: OperationRunner, incident_id: int, target: str, *, expected_version: int | None,
               note: str | None = None, results: dict | None = None) -> IncidentSnapshot:
    """Move the incident to ``target`` (IllegalTransition if not allowed from its state).

    ``results`` (mediated, rescued, property_yuan, ...) go with the feedback or closure.
    Closing, cancelling or invalidating releases every unit still committed to it."""
    if results is not None and target not in ("reported", "closed"):
        raise FieldError("results", "only go with 反馈/reported or 办结/closed")

    def write(ctx: OpContext) -> IncidentSnapshot:
        incident = _load_incident(ctx, incident_id, expected_version)
        before = row_dict(incident)
        _set_state(ctx, incident, target, note=note, results=results)
        if results:
            incident.results = {**(incident.results or {}), **results}
        if target in TERMINAL:
            for dispatch, unit in _committed(ctx.session, incident.id):
                before_dispatch = row_dict(dispatch)
                _release(ctx, incident, dispatch, unit, f"incident {target}")
                ctx.session.flush()
                ctx.audit("dispatches", dispatch.id, before_dispatch, row_dict(dispatch))
        return _audited(ctx, incident, before)

    return _run(runner, f"incident {target}", EDIT, incident_id, write)


def close_incident(runner: OperationRunner, incident_id: int, outcome: Outcome, *, expected_version: int | None,
                   note: str | None = None) -> IncidentSnapshot:
    """办结: close the incident and record its outcome (core.outcomes) in the same write,
    so no closed incident lacks one. Units still committed are released."""
    if not isinstance(outcome, Outcome):
        raise TypeError("outcome must be a core.outcomes.Outcome (check_outcome builds one)")
    check_text("note", note, _TEXT_LIMITS["description"])

    def write(ctx: OpContext) -> IncidentSnapshot:
        incident = _load_incident(ctx, incident_id, expected_version)
        before = row_dict(incident)
        _set_state(ctx, incident, "closed", note=note, outcome=outcome.to_dict())
        for name, value in outcome.to_dict().items():
            setattr(incident, name, value)
        for dispatch, unit in _committed(ctx.session, incident.id):
            before_dispatch = row_dict(dispatch)
            _release(ctx, incident, dispatch, unit, "incident closed")
            ctx.session.flush()
            ctx.audit("dispatches", dispatch.id, before_dispatch, row_dict(dispatch))
        return _audited(ctx, incident, before)

    return _run(runner, "incident closed", EDIT, incident_id, write)


def record_commendation(runner: OperationRunner, entry: CommendationInput) -> int:
    """Log a commendation (锦旗, a letter) a unit received; returns its id."""
    def write(ctx: OpContext) -> int:
        unit = ctx.session.scalar(select(Unit).where(Unit.callsign == entry.callsign))
        if unit is None:
            raise FieldError("unit", f"no unit with callsign {entry.callsign!r}")
        row = Commendation(unit_id=unit.id, day=entry.day, kind=entry.kind, note=entry.note, created_at=ctx.now)
        ctx.session.add(row)
        ctx.session.flush()
        ctx.audit("commendations", row.id, None, row_dict(row))
        ctx.changed("commendations", row.id)
        return row.id

    return runner.run("record commendation", write, EDIT)


def _committed(session: Session, incident_id: int) -> list[tuple[Dispatch, Unit]]:
    return list(session.execute(select(Dispatch, Unit).join(Unit, Unit.id == Dispatch.unit_id).where(
        Dispatch.incident_id == incident_id, Dispatch.released_at.is_(None)).order_by(Dispatch.id)))


# --------------------------------------------------------------------------
# dispatch and the units' progress
# --------------------------------------------------------------------------

def dispatch_units(runner: OperationRunner, incident_id: int, units: Sequence[DispatchRequest], *,
                   expected_version: int | None) -> tuple[IncidentSnapshot, list[DispatchSnapshot]]:
    """Send available units; a received incident becomes dispatched. Later tiers may be
    sent in any open state."""
    if not units:
        raise ValueError("no units to dispatch")
    if len({u.unit_id for u in units}) != len(units):
        raise ValueError("a unit appears twice in one dispatch")
    for request in units:
        if request.mode not in DISPATCH_MODES:
            raise FieldError("mode", f"must be one of {', '.join(DISPATCH_MODES)}, got {request.mode!r}")
        if request.ring not in (None, 1, 3, 5):
            raise FieldError("ring", f"must be 1, 3, 5 or None, got {request.ring!r}")
        if request.tier is not None and request.tier not in TIERS:
            raise FieldError("tier", f"must be one of {TIERS}, got {request.tier!r}")

    def write(ctx: OpContext) -> tuple[IncidentSnapshot, list[DispatchSnapshot]]:
        incident = _load_incident(ctx, incident_id, expected_version)
        _require_open(incident, "dispatch")
        before = row_dict(incident)
        sent = []
        for request in units:
            unit = ctx.session.get(Unit, request.unit_id)
            if unit is None:
                raise ValueError(f"no unit with id {request.unit_id}")
            if unit.status != "available":
                raise UnitUnavailable(f"unit {unit.callsign} is {unit.status}, not available: it cannot be dispatched")
            dispatch = Dispatch(incident_id=incident.id, unit_id=unit.id, tier=request.tier or unit.tier,
                                mode=request.mode, eta_s=request.eta_s, recommended_ring=request.ring,
                                distance_m=request.distance_m, dispatched_at=ctx.now, dispatched_by=ctx.actor.user)
            ctx.session.add(dispatch)
            ctx.session.flush()
            _set_unit_status(ctx, unit, "dispatched")
            _event(ctx, incident, "dispatch", dispatch_id=dispatch.id, unit_id=unit.id, callsign=unit.callsign,
                   tier=dispatch.tier, mode=dispatch.mode, eta_s=dispatch.eta_s, ring=dispatch.recommended_ring,
                   distance_m=dispatch.distance_m)
            ctx.audit("dispatches", dispatch.id, None, row_dict(dispatch))
            sent.append(dispatch_snapshot(dispatch, unit.callsign))
        if incident.state == "received":
            _set_state(ctx, incident, "dispatched")
        else:
            incident.updated_at = ctx.now  # the incident changed: other workstations must reload
        return _audited(ctx, incident, before), sent

    return _run(runner, "dispatch units", DISPATCH, incident_id, write)


def _dispatch_op(runner: OperationRunner, operation: str, dispatch_id: int, expected_version: int | None,
                 step: Callable[[OpContext, Incident, Dispatch, Unit], bool]) -> IncidentSnapshot:
    """Run ``step`` on one dispatch; it returns False when there was nothing to do."""
    incident_id: list[int] = []

    def write(ctx: OpContext) -> IncidentSnapshot:
        dispatch = ctx.session.get(Dispatch, dispatch_id)
        if dispatch is None:
            raise LookupError(f"no dispatch with id {dispatch_id}")
        incident_id.append(dispatch.incident_id)
        incident = _load_incident(ctx, dispatch.incident_id, expected_version)
        unit = ctx.session.get(Unit, dispatch.unit_id)
        before_incident, before_dispatch = row_dict(incident), row_dict(dispatch)
        if not step(ctx, incident, dispatch, unit):
            return _snapshot(ctx.session, incident)
        ctx.session.flush()
        if row_dict(dispatch) != before_dispatch:
            ctx.audit("dispatches", dispatch.id, before_dispatch, row_dict(dispatch))
        incident.updated_at = ctx.now
        return _audited(ctx, incident, before_incident)

    return _run(runner, operation, DISPATCH, incident_id, write)


def _not_released(dispatch: Dispatch, unit: Unit, action: str) -> None:
    if dispatch.released_at is not None:
        raise ValueError(f"cannot record {action}: unit {unit.callsign} was already released from this incident")


def unit_acknowledged(runner: OperationRunner, dispatch_id: int, *, expected_version: int | None = None
                      ) -> IncidentSnapshot:
    """The unit signed off the order (签收). Repeating it changes nothing."""
    def step(ctx: OpContext, incident: Incident, dispatch: Dispatch, unit: Unit) -> bool:
        _not_released(dispatch, unit, "a sign-off")
        if dispatch.acknowledged_at is not None:
            return False
        dispatch.acknowledged_at = ctx.now
        _event(ctx, incident, "acknowledged", dispatch_id=dispatch.id, unit_id=unit.id, callsign=unit.callsign)
        if incident.state == "dispatched":
            _set_state(ctx, incident, "acknowledged")
        return True

    return _dispatch_op(runner, "unit acknowledged", dispatch_id, expected_version, step)


def unit_en_route(runner: OperationRunner, dispatch_id: int, *, expected_version: int | None = None
                  ) -> IncidentSnapshot:
    """The unit set off (出警). Setting off proves the order arrived: a unit that did
    not sign off first is signed off at the same moment. Repeating it changes nothing."""
    def step(ctx: OpContext, incident: Incident, dispatch: Dispatch, unit: Unit) -> bool:
        _not_released(dispatch, unit, "turn-out")
        if dispatch.en_route_at is not None:
            return False
        if dispatch.acknowledged_at is None:
            dispatch.acknowledged_at = ctx.now
        dispatch.en_route_at = ctx.now
        if unit.status == "dispatched":
            _set_unit_status(ctx, unit, "en_route")
        _event(ctx, incident, "en_route", dispatch_id=dispatch.id, unit_id=unit.id, callsign=unit.callsign)
        if incident.state == "dispatched":
            _set_state(ctx, incident, "acknowledged", implied_by="en_route")
        if incident.state == "acknowledged":
            _set_state(ctx, incident, "en_route")
        return True

    return _dispatch_op(runner, "unit en route", dispatch_id, expected_version, step)


def record_arrival(runner: OperationRunner, dispatch_id: int, source: str = "dispatcher", at: datetime | None = None,
                   *, expected_version: int | None = None) -> IncidentSnapshot:
    """The unit is on scene (到场): detected from its positions (auto), reported by the
    unit, or entered by the dispatcher. Idempotent: a second arrival changes nothing,
    except that a unit or dispatcher confirming an automatic one is noted once."""
    if source not in ARRIVAL_SOURCES:
        raise FieldError("source", f"must be one of {', '.join(ARRIVAL_SOURCES)}, got {source!r}")
    if at is not None and at.tzinfo is None:
        raise FieldError("at", "needs a time zone")

    def step(ctx: OpContext, incident: Incident, dispatch: Dispatch, unit: Unit) -> bool:
        _not_released(dispatch, unit, "an arrival")
        if dispatch.arrived_at is not None:
            return _confirm_arrival(ctx, incident, dispatch, unit, source)
        # A fix a moment before the order, or a clock ahead of ours, must not give negative figures.
        when = max(min(at or ctx.now, ctx.now), dispatch.dispatched_at)
        dispatch.arrived_at = when
        dispatch.arrival_source = source
        _set_unit_status(ctx, unit, "on_scene")
        _event(ctx, incident, "arrival", at=when, dispatch_id=dispatch.id, unit_id=unit.id, callsign=unit.callsign,
               source=source)
        if incident.state in ("dispatched", "acknowledged", "en_route"):
            _set_state(ctx, incident, "on_scene", at=when)
        return True

    return _dispatch_op(runner, f"arrival ({source})", dispatch_id, expected_version, step)


def _confirm_arrival(ctx: OpContext, incident: Incident, dispatch: Dispatch, unit: Unit, source: str) -> bool:
    if source == "auto" or dispatch.arrival_source != "auto":
        return False
    confirmed = ctx.session.scalars(select(IncidentEvent.payload).where(
        IncidentEvent.incident_id == incident.id, IncidentEvent.kind == "arrival_confirmed"))
    if any(p.get("dispatch_id") == dispatch.id and p.get("source") == source for p in confirmed):
        return False
    _event(ctx, incident, "arrival_confirmed", dispatch_id=dispatch.id, unit_id=unit.id, callsign=unit.callsign,
           source=source)
    return True


def release_unit(runner: OperationRunner, dispatch_id: int, *, expected_version: int | None = None,
                 note: str | None = None) -> IncidentSnapshot:
    """The unit is free again (available). Repeating it changes nothing."""
    def step(ctx: OpContext, incident: Incident, dispatch: Dispatch, unit: Unit) -> bool:
        if dispatch.released_at is not None:
            return False
        _release(ctx, incident, dispatch, unit, note or "released")
        return True

    return _dispatch_op(runner, "release unit", dispatch_id, expected_version, step)


# --------------------------------------------------------------------------
# tiers and support
# --------------------------------------------------------------------------

def _order_tier(runner: OperationRunner, incident_id: int, direction: str, to_tier: int, reason: str,
                rule: str | None, expected_version: int | None) -> IncidentSnapshot:
    if not isinstance(reason, str) or not reason.strip():
        raise FieldError("reason", "required: say why the tier changes")
    if to_tier not in TIERS:
        raise FieldError("to_tier", f"must be one of {TIERS}, got {to_tier!r}")
    kind = "escalation" if direction == "up" else "deescalation"

    def write(ctx: OpContext) -> IncidentSnapshot:
        incident = _load_incident(ctx, incident_id, expected_version)
        _require_open(incident, "escalate" if direction == "up" else "de-escalate")
        current = incident.tier
        if (direction == "up" and to_tier <= current) or (direction == "down" and to_tier >= current):
            word = "above" if direction == "up" else "below"
            raise ValueError(f"incident {incident.number} is at tier {current}: the new tier must be {word} it")
        before = row_dict(incident)
        order = Escalation(incident_id=incident.id, direction=direction, tier_from=current, tier_to=to_tier,
                           reason=reason.strip(), suggested_by_rule=rule, ordered_by=ctx.actor.user,
                           workstation=ctx.actor.workstation, ordered_at=ctx.now)
        ctx.session.add(order)
        incident.tier = to_tier
        incident.updated_at = ctx.now
        ctx.session.flush()
        _event(ctx, incident, kind, escalation_id=order.id, tier_from=current, tier_to=to_tier,
               reason=order.reason, rule=rule)
        ctx.audit("escalations", order.id, None, row_dict(order))
        return _audited(ctx, incident, before)

    return _run(runner, kind, ESCALATE, incident_id, write)


def escalate(runner: OperationRunner, incident_id: int, *, to_tier: int, reason: str, rule: str | None = None,
             expected_version: int | None) -> IncidentSnapshot:
    """A person orders the next tier in (梯次增援), saying why; ``rule`` names the suggestion followed."""
    return _order_tier(runner, incident_id, "up", to_tier, reason, rule, expected_version)


def deescalate(runner: OperationRunner, incident_id: int, *, to_tier: int, reason: str, rule: str | None = None,
               expected_version: int | None) -> IncidentSnapshot:
    return _order_tier(runner, incident_id, "down", to_tier, reason, rule, expected_version)


def request_support(runner: OperationRunner, incident_id: int, *, unit_id: int | None = None, note: str
                    ) -> IncidentSnapshot:
    """A unit on scene asks for support (请求支援). The snapshot's ``support_requested``
    stays set until the next tier order, for the escalation rules to read."""
    if not isinstance(note, str) or not note.strip():
        raise FieldError("note", "required: say what support is needed")
    check_text("note", note, _TEXT_LIMITS["description"])

    def write(ctx: OpContext) -> IncidentSnapshot:
        incident = _load_incident(ctx, incident_id, None)
        _require_open(incident, "request support")
        callsign = None
        if unit_id is not None:
            unit = ctx.session.get(Unit, unit_id)
            if unit is None:
                raise FieldError("unit_id", f"no unit with id {unit_id}")
            committed = {u.id for _, u in _committed(ctx.session, incident.id)}
            if unit.id not in committed:
                raise FieldError("unit_id", f"unit {unit.callsign} is not dispatched to incident {incident.number}")
            callsign = unit.callsign
        pending = incident.id in support_requested_ids(ctx.session, [incident.id])
        event = _event(ctx, incident, "support_requested", unit_id=unit_id, callsign=callsign, note=note.strip())
        ctx.session.flush()
        ctx.audit("incidents", incident.id, {"support_requested": pending},
                  {"support_requested": True, "event_id": event.id, "unit": callsign, "note": note.strip()})
        ctx.changed("incidents", incident.id)
        return _snapshot(ctx.session, incident)

    return _run(runner, "request support", SUPPORT, incident_id, write)
