"""Reading what patrol detection needs (places, devices and their sides, stored fixes as
columns) and storing what it finds (patrol_events), live and by `patrol rebuild`."""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterator

import numpy as np
from sqlalchemy import Engine, delete, select, text
from sqlalchemy.orm import Session

from core.patrol_detect import SIDES, Delta, Event, FixBatch, PatrolDetector
from core.patrol_places import LineRule, PlaceIndex, PointRule
from core.settings import PatrolSettings
from db.models import Device, MustVisitPoint, PatrolEvent, PatrolLine, Station, Unit
from db.operations import OperationRunner

_EV = PatrolEvent.__table__
UTC = timezone.utc
# Rebuilding [from, to) reads this much more history on both sides, so a stay or a joint
# patrol crossing the edge is seen whole, as the live detector saw it.
REBUILD_MARGIN = timedelta(hours=12)
READ_CHUNK = 500_000


def _epoch(value: datetime | None) -> float:
    return math.inf if value is None else value.timestamp()


def load_places(session: Session, settings: PatrolSettings) -> PlaceIndex:
    """Every version of every point and line (each with its validity), and the stations."""
    points = [PointRule(p.code, p.geometry["coordinates"][0], p.geometry["coordinates"][1], p.radius_m, p.dwell_s,
                        _epoch(p.valid_from), _epoch(p.valid_to))
              for p in session.scalars(select(MustVisitPoint).order_by(MustVisitPoint.id))]
    lines = [LineRule(line.code, line.geometry["coordinates"], line.corridor_m, _epoch(line.valid_from),
                      _epoch(line.valid_to))
             for line in session.scalars(select(PatrolLine).order_by(PatrolLine.id))]
    stations = [tuple(s.geometry["coordinates"][:2]) for s in session.scalars(select(Station).order_by(Station.id))
                if s.geometry.get("type") == "Point"]
    return PlaceIndex(points, lines, stations, settings.station_radius_m)


def device_side(device_agency: str | None, unit_agency: str | None) -> int:
    """A device's side: its own, else its unit's when the unit is single-agency; 0 unknown."""
    return SIDES.get(device_agency or unit_agency or "", 0)


@dataclass
class DeviceBook:
    """Device ids <-> the detector's device indices, with each device's unit and side."""

    names: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    side: dict[str, int] = field(default_factory=dict)
    unit: dict[str, int] = field(default_factory=dict)

    def code(self, device_id: str) -> int:
        i = self.index.get(device_id)
        if i is None:
            i = self.index[device_id] = len(self.names)
            self.names.append(device_id)
        return i

    def refresh(self, session: Session) -> None:
        rows = session.execute(select(Device.device_id, Device.agency, Device.unit_id, Unit.agency)
                               .join(Unit, Unit.id == Device.unit_id))
        for device_id, agency, unit_id, unit_agency in rows:
            self.code(device_id)
            self.side[device_id] = device_side(agency, unit_agency)
            self.unit[device_id] = unit_id


def make_batch(book: DeviceBook, device_ids, unit_ids, t, lon, lat, accuracy) -> FixBatch:
    """Columns -> FixBatch. Times are rounded to the millisecond, so a fix read back from
    either database is the same instant the live path saw."""
    dev = np.fromiter((book.code(d) for d in device_ids), dtype=np.int64, count=len(device_ids))
    side = np.fromiter((book.side.get(d, 0) for d in device_ids), dtype=np.int8, count=len(device_ids))
    units = np.array([-1 if u is None else u for u in unit_ids], dtype=np.int64)
    acc = np.array([np.nan if a is None else a for a in accuracy], dtype=float)
    return FixBatch(np.round(np.asarray(t, dtype=float), 3), np.asarray(lon, dtype=float),
                    np.asarray(lat, dtype=float), units, dev, side, acc)


def _epoch_sql(dialect: str) -> str:
    if dialect == "sqlite":  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text
        return "(CAST(strftime('%s', fix_time) AS REAL) + CAST(substr(fix_time, 20) AS REAL))"
    return "EXTRACT(EPOCH FROM fix_time)::float8"


def read_fixes(engine: Engine, book: DeviceBook, start: datetime, end: datetime,
               chunk: int = READ_CHUNK) -> Iterator[FixBatch]:
    """Stored fixes with start <= fix_time < end as batches in time order, read without ORM objects."""
    dialect = engine.dialect.name
    bind = (lambda d: d.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")) if dialect == "sqlite" else (lambda d: d)
    sql = text(f"SELECT device_id, unit_id, {_epoch_sql(dialect)} AS t, lon, lat, accuracy_m FROM positions "
               "WHERE fix_time >= :a AND fix_time < :b ORDER BY fix_time, device_id")
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk).execute(
            sql, {"a": bind(start), "b": bind(end)})
        for rows in result.partitions(chunk):
            dev, unit, t, lon, lat, acc = zip(*rows)
            yield make_batch(book, dev, unit, t, lon, lat, acc)


# --- the events table -----------------------------------------------------------------------

def _row(e: Event, now: datetime) -> dict:
    return {"kind": e.kind, "place_code": e.place_code, "unit_id": e.unit_id, "device_id": e.device,
            "other_unit_id": e.other_unit_id, "other_device_id": e.other_device,
            "start_at": datetime.fromtimestamp(e.start, UTC), "end_at": datetime.fromtimestamp(e.end, UTC),
            "span_from_m": e.span_from_m, "span_to_m": e.span_to_m, "detected_at": now}


def _same(column, value):
    return column.is_(None) if value is None else column == value


def apply_delta(session: Session, delta: Delta, now: datetime) -> None:
    """Remove the events that no longer hold and insert the new ones (the caller commits)."""
    for e in delta.removed:
        session.execute(delete(_EV).where(
            _EV.c.kind == e.kind, _EV.c.start_at == datetime.fromtimestamp(e.start, UTC),
            _same(_EV.c.place_code, e.place_code), _same(_EV.c.unit_id, e.unit_id),
            _same(_EV.c.other_unit_id, e.other_unit_id)))
    if delta.added:
        session.execute(_EV.insert(), [_row(e, now) for e in delta.added])


def stored_events(session: Session, start: datetime | None = None, end: datetime | None = None) -> list[Event]:
    query = select(_EV)
    if start is not None:
        query = query.where(_EV.c.start_at >= start)
    if end is not None:
        query = query.where(_EV.c.start_at < end)
    return sorted(Event(r.kind, r.place_code, r.unit_id, round(r.start_at.timestamp(), 3),
                        round(r.end_at.timestamp(), 3), r.device_id, r.other_unit_id, r.other_device_id,
                        r.span_from_m, r.span_to_m) for r in session.execute(query))


@dataclass(frozen=True)
class RebuildResult:
    fixes: int
    removed: int
    added: int
    late_dropped: int


def detect_history(engine: Engine, start: datetime, end: datetime, settings: PatrolSettings,
                   margin: timedelta = REBUILD_MARGIN) -> tuple[list[Event], int, int]:
    """Events starting in [start, end) from the stored fixes; also (fixes read, late dropped)."""
    from db.engine import session_factory

    book = DeviceBook()
    with session_factory(engine)() as session:
        book.refresh(session)
        places = load_places(session, settings)
    detector = PatrolDetector(places, book.names, settings)
    fixes = 0
    for batch in read_fixes(engine, book, start - margin, end + margin):
        fixes += len(batch)
        detector.add(batch)
    a, b = start.timestamp(), end.timestamp()
    return [e for e in detector.events() if a <= e.start < b], fixes, detector.late_dropped


def rebuild(runner: OperationRunner, start: datetime, end: datetime, settings: PatrolSettings) -> RebuildResult:
    """Recompute the events starting in [start, end) from stored fixes; running it twice changes nothing."""
    if end <= start:
        raise ValueError("--to must be after --from")
    events, fixes, late = detect_history(runner.engine, start, end, settings)

    def write(ctx) -> RebuildResult:
        removed = ctx.session.execute(delete(_EV).where(_EV.c.start_at >= start, _EV.c.start_at < end)).rowcount
        if events:
            ctx.session.execute(_EV.insert(), [_row(e, ctx.now) for e in events])
        ctx.audit("patrol_events", None, {"from": start.isoformat(), "to": end.isoformat(), "removed": removed},
                  {"added": len(events), "fixes": fixes})
        ctx.changed("patrol")
        return RebuildResult(fixes, removed, len(events), late)

    return runner.run("rebuild patrol events", write, permission="rebuild_patrol")


def events_between(session: Session, kinds: tuple[str, ...], start: datetime, end: datetime):
    """Event rows of these kinds overlapping [start, end)."""
    return list(session.execute(select(_EV).where(_EV.c.kind.in_(kinds), _EV.c.start_at < end, _EV.c.end_at >= start)
                                .order_by(_EV.c.start_at, _EV.c.id)))
