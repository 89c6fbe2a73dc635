"""Reading what patrol detection needs (places, devices and their sides, stored fixes as
columns) and storing what it finds (patrol_events), live and by `patrol rebuild`."""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from typing import Iterator

import numpy as np
from sqlalchemy import Engine, delete, select
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
REBUILD_LATE_H = 48.0
READ_CHUNK = 1_000_000  # large: the detector's per-place work is per batch


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
    """The detector's device index is the devices table's id: names[id] is the device id,
    side_of[id] its side (core.patrol_detect POLICE/CITY, 0 unknown); unit[device id] its unit."""

    names: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)
    unit: dict[str, int] = field(default_factory=dict)
    side_of: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int8))

    def refresh(self, session: Session) -> None:
        rows = session.execute(select(Device.id, Device.device_id, Device.agency, Device.unit_id, Unit.agency)
                               .join(Unit, Unit.id == Device.unit_id)).all()
        size = max([r[0] for r in rows] + [len(self.names) - 1]) + 1
        self.names.extend([""] * (size - len(self.names)))  # the detector holds this very list
        side = np.zeros(size, dtype=np.int8)
        side[:len(self.side_of)] = self.side_of
        for pk, device_id, agency, unit_id, unit_agency in rows:
            self.names[pk] = device_id
            self.index[device_id] = pk
            self.unit[device_id] = unit_id
            side[pk] = device_side(agency, unit_agency)
        self.side_of = side


def make_batch(book: DeviceBook, device: np.ndarray, unit: np.ndarray, t, lon, lat, accuracy) -> FixBatch:
    """Columns -> FixBatch (``device``: the devices table's ids). Times are rounded to the
    millisecond, so a fix read back from either database is the instant the live path saw."""
    device = np.asarray(device, dtype=np.int64)
    return FixBatch(np.round(np.asarray(t, dtype=float), 3), np.asarray(lon, dtype=float),
                    np.asarray(lat, dtype=float), np.asarray(unit, dtype=np.int64), device,
                    book.side_of[device], np.asarray(accuracy, dtype=float))


def fixes_batch(book: DeviceBook, fixes, now: datetime) -> FixBatch:
    """Parsed fixes (core.fixes.Fix) of known devices as a FixBatch; no time means ``now``."""
    n = len(fixes)
    index, unit = book.index, book.unit
    return make_batch(book, np.fromiter((index[f.device_id] for f in fixes), dtype=np.int64, count=n),
                      np.fromiter((unit[f.device_id] for f in fixes), dtype=np.int64, count=n),
                      np.fromiter(((f.fix_time or now).timestamp() for f in fixes), dtype=float, count=n),
                      np.fromiter((f.lon for f in fixes), dtype=float, count=n),
                      np.fromiter((f.lat for f in fixes), dtype=float, count=n),
                      np.fromiter((np.nan if f.accuracy_m is None else f.accuracy_m for f in fixes), dtype=float,
                                  count=n))


_SQLITE_READ = (
    # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' UTC text; julianday() is exact to ~40 µs here and
    # times are rounded to the millisecond. Storage order is arrival order, like the live path.
    "SELECT d.id, COALESCE(p.unit_id, -1), (julianday(p.fix_time) - 2440587.5) * 86400.0, p.lon, p.lat, "
    "p.accuracy_m FROM positions p JOIN devices d ON d.device_id = p.device_id "
    "WHERE p.fix_time >= ? AND p.fix_time < ? ORDER BY p.id")
_PG_COPY = (
    # Binary COPY: every row has the same width, so numpy reads the stream as it is.
    "COPY (SELECT d.id::int8, COALESCE(p.unit_id, -1)::int8, EXTRACT(EPOCH FROM p.fix_time)::float8, "
    "p.lon::float8, p.lat::float8, COALESCE(p.accuracy_m, 'NaN')::float8 "
    "FROM positions p JOIN devices d ON d.device_id = p.device_id "
    "WHERE p.fix_time >= {a} AND p.fix_time < {b} ORDER BY p.id) TO STDOUT (FORMAT binary)")
_PG_ROW = np.dtype([("n", ">i2"), ("l0", ">i4"), ("dev", ">i8"), ("l1", ">i4"), ("unit", ">i8"), ("l2", ">i4"),
                    ("t", ">f8"), ("l3", ">i4"), ("lon", ">f8"), ("l4", ">i4"), ("lat", ">f8"), ("l5", ">i4"),
                    ("acc", ">f8")])
_PG_HEADER = 19  # signature, flags, header extension length


def read_fixes(engine: Engine, book: DeviceBook, start: datetime, end: datetime,
               chunk: int = READ_CHUNK) -> Iterator[FixBatch]:
    """Stored fixes with start <= fix_time < end as column batches in storage (arrival)
    order, read through the driver straight into numpy: no Row objects and, on
    PostgreSQL, no per-row Python at all. Fixes of removed devices are skipped."""
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            yield from _read_pg(raw.driver_connection, book, start, end, chunk)
            return
        cursor = raw.cursor()
        cursor.execute(_SQLITE_READ, tuple(d.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
                                           for d in (start, end)))
        while rows := cursor.fetchmany(chunk):
            cols = np.array(rows, dtype=float)  # NULL accuracy becomes NaN
            yield make_batch(book, cols[:, 0].astype(np.int64), cols[:, 1].astype(np.int64), cols[:, 2],
                             cols[:, 3], cols[:, 4], cols[:, 5])
        cursor.close()
    finally:
        raw.close()


def _read_pg(conn, book: DeviceBook, start: datetime, end: datetime, chunk: int) -> Iterator[FixBatch]:
    from psycopg import sql

    query = sql.SQL(_PG_COPY).format(a=sql.Literal(start), b=sql.Literal(end))
    size = _PG_ROW.itemsize
    pending = bytearray()
    header = True
    with conn.cursor() as cursor, cursor.copy(query) as copy:
        for data in copy:
            pending += data
            if header and len(pending) >= _PG_HEADER:
                del pending[:_PG_HEADER]
                header = False
            whole = (len(pending) // size) * size
            if whole >= chunk * size:
                yield _pg_batch(book, bytes(pending[:whole]))
                del pending[:whole]
    whole = (len(pending) // size) * size  # what is left over is the 2-byte trailer
    if whole:
        yield _pg_batch(book, bytes(pending[:whole]))


def _pg_batch(book: DeviceBook, data: bytes) -> FixBatch:
    rows = np.frombuffer(data, dtype=_PG_ROW)
    return make_batch(book, rows["dev"].astype(np.int64), rows["unit"].astype(np.int64), rows["t"].astype(float),
                      rows["lon"].astype(float), rows["lat"].astype(float), rows["acc"].astype(float))


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
    # Fixes are read in arrival order, as the live detector saw them; rebuild takes fixes
    # later than the live horizon too (up to REBUILD_LATE_H), which is what it is for.
    detector = PatrolDetector(places, book.names, replace(settings, late_horizon_h=max(settings.late_horizon_h,
                                                                                         REBUILD_LATE_H)))
    fixes = 0
    # The events are the deltas applied in order, as the live path stores them: the detector
    # forgets (prunes) events older than its late horizon, so over a span longer than that its
    # final events() would lose the early ones.
    found: set[Event] = set()
    for batch in read_fixes(engine, book, start - margin, end + margin):
        fixes += len(batch)
        delta = detector.add(batch)
        found.difference_update(delta.removed)
        found.update(delta.added)
    a, b = start.timestamp(), end.timestamp()
    return sorted(e for e in found if a <= e.start < b), fixes, detector.late_dropped


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
