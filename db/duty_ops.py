"""Editing patrol duty: rules on must-visit points and must-patrol lines, shifts and the
duty roster. Each edit is one operation (permission, audit row, change row) that
closes the version in force and inserts the next, so past days keep their rules.

Everything is validated (core.patrol_rules) before the operation opens; a bad value
raises RuleError naming the field and nothing is written."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import layers as L
from core.geodesy import bbox_of
from core.patrol_rules import (RuleError, ShiftRule, check_buffer, check_count, check_dwell, check_line, check_radius,
                               check_roster, check_shift, parse_clock, parse_windows)
from db.models import DutyAssignment, Grid, MustVisitPoint, PatrolLine, Shift, Unit
from db.operations import OpContext, OperationRunner, row_dict
from db.engine import session_factory
from db.places_repo import grid_ids_by_code, grid_index, in_force, upsert_feature

PERMISSION = "edit_duty"
_MODELS = {L.POINTS: MustVisitPoint, L.LINES: PatrolLine}


@dataclass(frozen=True)
class RuleEdit:
    """What to change on a point or a line; None leaves a value as it is."""

    name: str | None = None
    coordinates: Any = None  # [lon, lat] for a point, [[lon, lat], ...] for a line
    grid_code: str | None = None
    radius_m: float | None = None  # points
    dwell_s: float | None = None  # points
    visits_per_shift: int | None = None  # points
    buffer_m: float | None = None  # lines
    passes_per_shift: int | None = None  # lines
    windows: Sequence[Any] | None = None  # [] clears them


def _current(session: Session, layer: str, code: str, now: datetime):
    model = _MODELS[layer]
    return session.scalars(select(model).where(model.code == code, in_force(model, now))).first()


def _validated_props(layer: str, edit: RuleEdit, current) -> tuple[str, dict, dict]:
    """(name, geometry, properties) of the next version, all checked."""
    name = edit.name if edit.name is not None else (current.name if current is not None else None)
    if not name or not str(name).strip():
        raise RuleError("name", "a new place needs a name")
    if edit.coordinates is not None:
        if layer == L.POINTS:
            try:
                lon, lat = (float(v) for v in edit.coordinates)
            except (TypeError, ValueError):
                raise RuleError("coordinates", f"expected lon,lat, got {edit.coordinates!r}") from None
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise RuleError("coordinates", f"({lon}, {lat}) is not a longitude/latitude")
            geometry = {"type": "Point", "coordinates": [lon, lat]}
        else:
            check_line(edit.coordinates)
            coords = [[float(p[0]), float(p[1])] for p in edit.coordinates]
            geometry = {"type": "LineString", "coordinates": coords}
    elif current is not None:
        geometry = current.geometry
    else:
        raise RuleError("coordinates", "a new place needs coordinates")
    props: dict[str, Any] = dict(current.properties or {}) if current is not None else {}
    windows = parse_windows(edit.windows if edit.windows is not None
                            else (current.time_windows if current is not None else []))
    props["time_windows"] = [w.to_json() for w in windows]
    if layer == L.POINTS:
        props["radius_m"] = check_radius(edit.radius_m if edit.radius_m is not None
                                         else (current.radius_m if current is not None else 50.0))
        props["dwell_s"] = check_dwell(edit.dwell_s if edit.dwell_s is not None
                                       else (current.dwell_s if current is not None else 120.0))
        props["visits_per_shift"] = check_count(edit.visits_per_shift if edit.visits_per_shift is not None
                                                else (current.visits_per_shift if current is not None else 1),
                                                "visits_per_shift")
    else:
        props["corridor_m"] = check_buffer(edit.buffer_m if edit.buffer_m is not None
                                           else (current.corridor_m if current is not None else 30.0), "buffer_m")
        props["passes_per_shift"] = check_count(edit.passes_per_shift if edit.passes_per_shift is not None
                                                else (current.passes_per_shift if current is not None else 1),
                                                "passes_per_shift")
    return str(name).strip(), geometry, props


def set_rule(runner: OperationRunner, layer: str, code: str, edit: RuleEdit) -> str:
    """Create a point or line, or give it a new version; returns what happened."""
    if layer not in _MODELS:
        raise RuleError("layer", f"expected points or lines, got {layer!r}")
    if not code or len(code) > 64:
        raise RuleError("code", f"expected 1-64 characters, got {code!r}")
    # Validate against the version in force now, outside the transaction: bad input writes nothing.
    with session_factory(runner.engine)() as session:
        current = _current(session, layer, code, runner.clock.now())
        name, geometry, props = _validated_props(layer, edit, current)
        codes = grid_ids_by_code(session)
    if edit.grid_code is not None and edit.grid_code not in codes:
        raise RuleError("grid", f"no grid {edit.grid_code!r}")

    def write(ctx: OpContext) -> str:
        if edit.grid_code is not None:
            props["grid_code"] = edit.grid_code
        elif current is not None and current.grid_id is not None:
            props["grid_code"] = next((c for c, i in codes.items() if i == current.grid_id), None)
        outcome, before, after = upsert_feature(
            ctx.session, layer, code, name, geometry, bbox_of(geometry["coordinates"]), props, ctx.now,
            grid_codes=codes, index=grid_index(ctx.session)[0])
        if outcome != "unchanged":
            ctx.audit(layer, code, before, after)
            ctx.changed(layer, code)
        return outcome

    return runner.run(f"set {layer[:-1]} rule", write, permission=PERMISSION)


def _retire(ctx: OpContext, model, code: str, entity: str, field: str, what: str, kind: str) -> None:
    """Close the version in force now; the history keeps it."""
    current = ctx.session.scalars(select(model).where(model.code == code, in_force(model, ctx.now))).first()
    if current is None:
        raise RuleError(field, f"no {what} {code!r} in force")
    before = row_dict(current)
    current.valid_to = ctx.now
    current.updated_at = ctx.now
    ctx.audit(entity, code, before, row_dict(current))
    ctx.changed(kind, code)


def retire_place(runner: OperationRunner, layer: str, code: str) -> None:
    """Take a point or line out of force from now on; its history stays."""
    runner.run(f"retire {layer[:-1]}", lambda ctx: _retire(ctx, _MODELS[layer], code, layer, "code", layer[:-1], layer),
               permission=PERMISSION)


# --- shifts -------------------------------------------------------------------------------

def shift_rule(row: Shift) -> ShiftRule:
    return ShiftRule(row.code, row.name, parse_clock("start", row.start_local),
                     parse_clock("end", row.end_local, allow_24=True) % 1440)


def shifts_in_force(session: Session, at: datetime) -> list[Shift]:
    return list(session.scalars(select(Shift).where(in_force(Shift, at)).order_by(Shift.start_local, Shift.code)))


def _close_and_add(ctx: OpContext, model, code: str, entity: str, values: dict) -> str:
    current = ctx.session.scalars(select(model).where(model.code == code, in_force(model, ctx.now))).first()
    if current is not None and all(getattr(current, k) == v for k, v in values.items()):
        return "unchanged"
    latest = ctx.session.scalars(select(model).where(model.code == code).order_by(model.revision.desc())).first()
    before = None
    if current is not None:
        before = row_dict(current)
        current.valid_to = ctx.now
        current.updated_at = ctx.now
    row = model(code=code, revision=(latest.revision + 1) if latest else 1, valid_from=ctx.now, valid_to=None,
                created_at=ctx.now, **values)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.audit(entity, code, before, row_dict(row))
    ctx.changed("duty", code)
    return "updated" if before else "created"


def set_shift(runner: OperationRunner, code: str, name: str, start: str, end: str) -> str:
    rule = check_shift(code, name, start, end)
    values = {"name": rule.name, "start_local": f"{rule.start_min // 60:02d}:{rule.start_min % 60:02d}",
              "end_local": f"{rule.end_min // 60:02d}:{rule.end_min % 60:02d}"}
    return runner.run("set shift", lambda ctx: _close_and_add(ctx, Shift, rule.code, "shifts", values),
                      permission=PERMISSION)


def retire_shift(runner: OperationRunner, code: str) -> None:
    runner.run("retire shift", lambda ctx: _retire(ctx, Shift, code, "shifts", "shift", "shift", "duty"),
               permission=PERMISSION)


# --- the roster ---------------------------------------------------------------------------

def assign_duty(runner: OperationRunner, callsign: str, shift_code: str, first_day: date, last_day: date | None = None,
                grid_code: str | None = None) -> str:
    """Put a unit on a shift for local days first_day..last_day; returns the roster entry's code."""
    last_day = last_day or first_day

    def write(ctx: OpContext) -> str:
        session = ctx.session
        units = dict(session.execute(select(Unit.callsign, Unit.id)).all())
        shifts = [s.code for s in shifts_in_force(session, ctx.now)]
        check_roster(callsign, units, shift_code, shifts, first_day, last_day)
        grid_id = None
        if grid_code is not None:
            grid_id = session.scalar(select(Grid.id).where(Grid.code == grid_code))
            if grid_id is None:
                raise RuleError("grid", f"no grid {grid_code!r}")
        else:
            grid_id = session.scalar(select(Unit.grid_id).where(Unit.id == units[callsign]))
        code = f"{callsign}/{shift_code}/{first_day.isoformat()}"
        _close_and_add(ctx, DutyAssignment, code, "duty_roster",
                       {"unit_id": units[callsign], "shift_code": shift_code, "grid_id": grid_id,
                        "first_day": first_day, "last_day": last_day})
        return code

    return runner.run("assign duty", write, permission=PERMISSION)


def cancel_duty(runner: OperationRunner, code: str) -> None:
    runner.run("cancel duty", lambda ctx: _retire(ctx, DutyAssignment, code, "duty_roster", "entry", "roster entry",
                                                  "duty"), permission=PERMISSION)


def roster_on(session: Session, day: date, at: datetime) -> list[tuple[DutyAssignment, str, str | None]]:
    """Roster entries (as in force at ``at``) covering local ``day``: (entry, callsign, grid code)."""
    rows = session.execute(
        select(DutyAssignment, Unit.callsign, Grid.code).join(Unit, Unit.id == DutyAssignment.unit_id)
        .outerjoin(Grid, Grid.id == DutyAssignment.grid_id)
        .where(in_force(DutyAssignment, at), DutyAssignment.first_day <= day, DutyAssignment.last_day >= day)
        .order_by(DutyAssignment.shift_code, Unit.callsign))
    return [tuple(r) for r in rows]
