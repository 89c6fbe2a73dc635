"""Patrol figures read from the stored events: `gridcommand patrol report` and the
status of one grid in one shift for the 巡防 dock. Definitions live in core.patrol_status."""
from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone
from typing import Any

from shapely import Point
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.grid_lookup import geometry_from_geojson
from core.patrol_places import line_length_m
from core.patrol_rules import parse_windows, shift_instance
from core.patrol_status import (JointStatus, LineDuty, Pass, PatrolStatus, PointDuty, UnseenUnit, Visit,
                                coverage_pct, line_status, missed_slots, point_status)
from core.settings import PatrolSettings
from db.duty_ops import roster_on, shift_rule, shifts_in_force
from db.models import Grid, MustVisitPoint, PatrolLine, Shift, Unit, UnitLastPosition
from db.patrol_repo import events_between
from db.places_repo import in_force

UTC = timezone.utc


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _overlapping(model, start: datetime, end: datetime):
    return (model.valid_from < end) & ((model.valid_to.is_(None)) | (model.valid_to > start))


def _units(session: Session) -> dict[int, tuple[str, str | None]]:
    rows = session.execute(select(Unit.id, Unit.callsign, Grid.code).outerjoin(Grid, Grid.id == Unit.grid_id))
    return {uid: (callsign, grid) for uid, callsign, grid in rows}


def _grid_codes(session: Session) -> dict[int, str]:
    return {gid: code for gid, code in session.execute(select(Grid.id, Grid.code))}


def point_duty(row: MustVisitPoint, grids: dict[int, str]) -> PointDuty:
    lon, lat = row.geometry["coordinates"][:2]
    return PointDuty(row.code, row.name, grids.get(row.grid_id), lon, lat, row.radius_m,
                     tuple(parse_windows(row.time_windows)), row.visits_per_shift)


def line_duty(row: PatrolLine, grids: dict[int, str]) -> LineDuty:
    coords = row.geometry["coordinates"]
    return LineDuty(row.code, row.name, grids.get(row.grid_id), coords, line_length_m(coords), row.passes_per_shift)


def patrol_report(session: Session, start: datetime, end: datetime, now: datetime, zone: str,
                  grid: str | None = None, callsign: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """The issue's report: check-ins, missed windows, line coverage and joint patrols in [start, end)."""
    units = _units(session)
    grids = _grid_codes(session)
    unit_grid = next((g for c, g in units.values() if c == callsign), None) if callsign else None
    want_grid = grid or unit_grid
    point_rows = list(session.scalars(select(MustVisitPoint).where(_overlapping(MustVisitPoint, start, end))
                                      .order_by(MustVisitPoint.code, MustVisitPoint.revision)))
    names = {p.code: p.name for p in point_rows}
    point_grid = {p.code: grids.get(p.grid_id) for p in point_rows}

    checkins, visits = [], []
    for e in events_between(session, ("checkin",), start, end):
        cs = units.get(e.unit_id, (None, None))[0]
        visits.append(Visit(e.place_code, cs or "", e.device_id, e.start_at, e.end_at))
        if not (start <= e.start_at < end):
            continue
        if grid and point_grid.get(e.place_code) != grid:
            continue
        if callsign and cs != callsign:
            continue
        checkins.append({"point_code": e.place_code, "point_name": names.get(e.place_code), "callsign": cs,
                         "device_id": e.device_id, "arrived_utc": _iso(e.start_at), "left_utc": _iso(e.end_at),
                         "dwell_s": round((e.end_at - e.start_at).total_seconds(), 1)})

    shifts = [shift_rule(s) for s in session.scalars(select(Shift).where(_overlapping(Shift, start, end)))
              if s.valid_to is None]
    missed = []
    for row in point_rows:
        duty = point_duty(row, grids)
        if want_grid and duty.grid_code != want_grid:
            continue
        lo = max(start, row.valid_from)
        hi = min(end, row.valid_to) if row.valid_to else end
        for code, slot in missed_slots([duty], visits, shifts, lo, hi, now, zone):
            missed.append({"point_code": code, "window_start_utc": _iso(slot.start), "window_end_utc": _iso(slot.end)})

    line_rows = {line.code: line for line in session.scalars(
        select(PatrolLine).where(_overlapping(PatrolLine, start, end)).order_by(PatrolLine.revision))}
    spans: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for e in events_between(session, ("pass",), start, end):
        cs = units.get(e.unit_id, (None, None))[0]
        row = line_rows.get(e.place_code)
        if row is None or not (start <= e.start_at < end):
            continue
        if (grid and grids.get(row.grid_id) != grid) or (callsign and cs != callsign):
            continue
        spans[(e.place_code, cs)].append((e.span_from_m, e.span_to_m))
    lines = [{"line_code": code, "callsign": cs,
              "covered_pct": coverage_pct(line_length_m(line_rows[code].geometry["coordinates"]), parts)}
             for (code, cs), parts in sorted(spans.items())]

    joint = []
    for e in events_between(session, ("joint",), start, end):
        if not (start <= e.start_at < end):
            continue
        (pcs, pgrid), (ccs, cgrid) = units.get(e.unit_id, (None, None)), units.get(e.other_unit_id, (None, None))
        if callsign and callsign not in (pcs, ccs):
            continue
        if grid and grid not in (pgrid, cgrid):
            continue
        joint.append({"police_device": e.device_id, "city_device": e.other_device_id, "police_callsign": pcs,
                      "city_callsign": ccs, "start_utc": _iso(e.start_at), "end_utc": _iso(e.end_at),
                      "minutes": round((e.end_at - e.start_at).total_seconds() / 60.0, 1)})
    return {"checkins": checkins, "missed": missed, "lines": lines, "joint_patrols": joint}


def grid_status(session: Session, grid_code: str, shift_code: str, day: date, now: datetime,
                settings: PatrolSettings, zone: str) -> PatrolStatus:
    """One grid in one shift on local ``day``, as the 巡防 dock shows it."""
    shift_row = next((s for s in shifts_in_force(session, now) if s.code == shift_code), None)
    if shift_row is None:
        raise ValueError(f"no shift {shift_code!r} in force")
    shift = shift_rule(shift_row)
    start, end = shift_instance(shift, day, zone)
    grids = _grid_codes(session)
    grid_id = next((gid for gid, code in grids.items() if code == grid_code), None)
    if grid_id is None:
        raise ValueError(f"no grid {grid_code!r}")
    units = _units(session)
    at = min(now, end)
    visits = [Visit(e.place_code, units.get(e.unit_id, ("", None))[0], e.device_id, e.start_at, e.end_at)
              for e in events_between(session, ("checkin",), start, end)]
    points = [point_status(point_duty(p, grids), shift, start, end, visits, now, zone)
              for p in session.scalars(select(MustVisitPoint).where(in_force(MustVisitPoint, at),
                                                                   MustVisitPoint.grid_id == grid_id)
                                       .order_by(MustVisitPoint.code))]
    passes = [Pass(e.place_code, units.get(e.unit_id, ("", None))[0], e.start_at, e.end_at, e.span_from_m,
                   e.span_to_m) for e in events_between(session, ("pass",), start, end)]
    lines = [line_status(line_duty(row, grids), passes, settings.line_pass_min_pct)
             for row in session.scalars(select(PatrolLine).where(in_force(PatrolLine, at),
                                                                PatrolLine.grid_id == grid_id)
                                        .order_by(PatrolLine.code))]
    joint = []
    for e in events_between(session, ("joint",), start, end):
        (pcs, pgrid), (ccs, cgrid) = units.get(e.unit_id, ("", None)), units.get(e.other_unit_id, ("", None))
        if grid_code in (pgrid, cgrid):
            joint.append(JointStatus(pcs, ccs, e.start_at, e.end_at))
    grid_geom = geometry_from_geojson(session.scalar(select(Grid.geometry).where(Grid.id == grid_id)))
    last = {row.unit_id: row for row in session.scalars(select(UnitLastPosition))}
    unseen = []
    on_duty = [(entry, cs) for entry, cs, g in roster_on(session, day, now)
               if entry.shift_code == shift_code and g == grid_code]
    if start <= now < end:
        for entry, cs in on_duty:
            fix = last.get(entry.unit_id)
            seen = fix is not None and grid_geom.covers(Point(fix.lon, fix.lat))
            if not seen or (now - fix.fix_time).total_seconds() > settings.unseen_after_min * 60:
                unseen.append(UnseenUnit(cs, fix.fix_time if fix is not None and seen else None))
    return PatrolStatus(grid_code, shift.code, shift.name, start, end, now, tuple(points), tuple(lines),
                        tuple(sorted(joint, key=lambda j: j.start)), tuple(unseen))
