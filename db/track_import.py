"""Importing a recorded track (GPX 1.0/1.1 or CSV) as a device's position history.

A file is taken whole or not at all: points without a time, coordinates out of
range, or a file that is neither GPX nor CSV are refused with one line saying why,
before anything is written. Imported fixes are history: they are stored by
``db.positions_repo.store_fixes``, which keeps a fix already stored (same device
and time) and moves a unit only when a fix is newer than its live one. Tracks from
anywhere on Earth are accepted (a trainer may replay another city's).
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select

from core.fixes import Fix
from db.models import Device, Position, Unit
from db.operations import OperationRunner
from db.positions_repo import store_fixes

__all__ = ["IMPORT_PERMISSION", "ParsedTrack", "TrackImportError", "TrackImportResult", "import_track",
           "parse_track", "read_track"]

IMPORT_PERMISSION = "import_tracks"
CSV_COLUMNS = ("time", "lat", "lon", "accuracy_m", "speed_mps")
# `gridcommand track export --format csv` writes time_utc: its files import as they are.
_CSV_ALIASES = {"time_utc": "time"}
# A recorded track is in the past; a little clock skew is forgiven.
_FUTURE_TOLERANCE = timedelta(minutes=5)


class TrackImportError(ValueError):
    """The file is refused; the message is the one-line reason."""


@dataclass
class ParsedTrack:
    format: str  # "GPX 1.0", "GPX 1.1", "CSV"
    points: list[dict] = field(default_factory=list)  # time, lat, lon, accuracy_m, speed_mps, altitude_m, heading_deg
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TrackImportResult:
    device_id: str
    callsign: str
    format: str
    points: int
    added: int
    first: datetime
    last: datetime
    notes: tuple[str, ...] = ()

    @property
    def already_stored(self) -> int:
        return self.points - self.added


# --------------------------------------------------------------------------
# parsing (no database)
# --------------------------------------------------------------------------

def read_track(path: Path) -> ParsedTrack:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TrackImportError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TrackImportError("not a GPX or CSV track: the file is not UTF-8 text") from None
    return parse_track(text)


def parse_track(text: str) -> ParsedTrack:
    """GPX (recognised by its <gpx> root) or CSV (recognised by its header)."""
    head = text.lstrip()[:2000]
    if head.startswith("<"):
        if "<gpx" not in head:
            raise TrackImportError("not a GPX or CSV track: an XML file without a <gpx> root")
        track = _parse_gpx(text)
    else:
        track = _parse_csv(text)
    if not track.points:
        raise TrackImportError(f"{track.format} file has no track points")
    for n, point in enumerate(track.points, 1):
        _check_point(n, point)
    track.points.sort(key=lambda p: p["time"])  # stable: of points with one time, the first is kept
    unique = [p for i, p in enumerate(track.points) if i == 0 or p["time"] != track.points[i - 1]["time"]]
    if len(unique) < len(track.points):
        track.notes.append(f"{len(track.points) - len(unique)} point(s) repeating an earlier time ignored")
        track.points = unique
    return track


def _check_point(n: int, p: dict) -> None:
    lat, lon = p["lat"], p["lon"]
    if not (math.isfinite(lat) and -90 <= lat <= 90):
        raise TrackImportError(f"point {n}: latitude {lat} is out of range (-90..90)")
    if not (math.isfinite(lon) and -180 <= lon <= 180):
        raise TrackImportError(f"point {n}: longitude {lon} is out of range (-180..180)")
    for name in ("accuracy_m", "speed_mps"):
        value = p.get(name)
        if value is not None and not (math.isfinite(value) and value >= 0):
            raise TrackImportError(f"point {n}: {name} {value} must be a number of 0 or more")


def _parse_gpx(text: str) -> ParsedTrack:
    import gpxpy
    import gpxpy.gpx

    try:
        gpx = gpxpy.parse(text)
    except (gpxpy.gpx.GPXException, ValueError) as exc:
        reason = " ".join(str(exc).split())[:200]
        raise TrackImportError(f"not valid GPX: {reason}") from None
    track = ParsedTrack(format=f"GPX {gpx.version or '1.1'}")
    n = 0
    for t, trk in enumerate(gpx.tracks, 1):
        for s, segment in enumerate(trk.segments, 1):
            for point in segment.points:
                n += 1
                if point.time is None:
                    raise TrackImportError(f"point {n} (track {t}, segment {s}) has no time: "
                                           "a track without timestamps cannot be replayed")
                when = point.time if point.time.tzinfo else point.time.replace(tzinfo=timezone.utc)
                track.points.append({
                    "time": when.astimezone(timezone.utc), "lat": float(point.latitude),
                    "lon": float(point.longitude), "accuracy_m": None,
                    "speed_mps": None if point.speed is None else float(point.speed),
                    "altitude_m": None if point.elevation is None else float(point.elevation),
                    "heading_deg": None if point.course is None else float(point.course),
                })
    if gpx.routes:
        track.notes.append(f"{len(gpx.routes)} route(s) ignored: a route is a plan without times, not a track")
    if gpx.waypoints:
        track.notes.append(f"{len(gpx.waypoints)} waypoint(s) ignored")
    return track


def _number(row_no: int, name: str, value: str) -> float | None:
    value = value.strip()
    if not value:
        if name in ("lat", "lon"):
            raise TrackImportError(f"row {row_no}: {name} is empty")
        return None
    try:
        return float(value)
    except ValueError:
        raise TrackImportError(f"row {row_no}: {name} {value!r} is not a number") from None


def _time(row_no: int, value: str) -> datetime:
    value = value.strip()
    if not value:
        raise TrackImportError(f"row {row_no}: time is empty: a track without timestamps cannot be replayed")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise TrackImportError(f"row {row_no}: time {value!r} is not ISO 8601 (like 2024-05-01T08:00:00Z)") from None
    if when.tzinfo is None:
        raise TrackImportError(f"row {row_no}: time {value!r} has no UTC offset (write 2024-05-01T08:00:00Z or +08:00)")
    return when.astimezone(timezone.utc)


def _parse_csv(text: str) -> ParsedTrack:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    names = [_CSV_ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header or []]
    if not {"time", "lat", "lon"} <= set(names):
        raise TrackImportError("not a GPX or CSV track: a CSV track needs a header with time,lat,lon"
                               "[,accuracy_m,speed_mps]")
    col = {name: names.index(name) for name in CSV_COLUMNS if name in names}
    track = ParsedTrack(format="CSV")
    for row_no, row in enumerate(reader, 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(names):
            raise TrackImportError(f"row {row_no}: {len(row)} fields, the header has {len(names)}")
        track.points.append({
            "time": _time(row_no, row[col["time"]]),
            **{name: _number(row_no, name, row[i]) for name, i in col.items() if name != "time"},
        })
    return track


# --------------------------------------------------------------------------
# storing (through the operation runner)
# --------------------------------------------------------------------------

def import_track(runner: OperationRunner, track: ParsedTrack, device_id: str, callsign: str | None = None,
                 source: str = "track") -> TrackImportResult:
    """Store ``track`` as ``device_id``'s history. An unknown device is registered to the
    unit ``callsign`` (required then); a known one must belong to it if it is given."""
    device_id = device_id.strip()
    if not device_id or len(device_id) > 128 or not device_id.isprintable():
        raise TrackImportError(f"--device {device_id!r} is not a device id (1-128 printable characters)")
    protocol = "gpx" if track.format.startswith("GPX") else "csv"

    def write(ctx) -> TrackImportResult:
        session = ctx.session
        latest = track.points[-1]["time"]
        if latest > ctx.now + _FUTURE_TOLERANCE:
            raise TrackImportError(f"point at {latest.isoformat()} is in the future: a track is recorded history")
        device = session.scalar(select(Device).where(Device.device_id == device_id))
        unit = session.scalar(select(Unit).where(Unit.callsign == callsign)) if callsign is not None else None
        if callsign is not None and unit is None:
            raise TrackImportError(f"--unit: no unit with callsign {callsign!r}")
        if device is None:
            if unit is None:
                raise TrackImportError(f"--device: unknown device {device_id!r}; give --unit CALLSIGN to register it")
            device = Device(device_id=device_id, unit_id=unit.id, kind="track", active=True, created_at=ctx.now)
            session.add(device)
            session.flush()
            ctx.audit("devices", device_id, None, {"device_id": device_id, "unit": unit.callsign, "kind": "track",
                                                    "active": True})
        elif unit is not None and device.unit_id != unit.id:
            owner = session.get(Unit, device.unit_id)
            raise TrackImportError(f"--unit: device {device_id!r} belongs to {owner.callsign if owner else '?'}, "
                                   f"not {callsign!r}")
        elif not device.active:
            raise TrackImportError(f"--device: device {device_id!r} is inactive")
        if unit is None:
            unit = session.get(Unit, device.unit_id)
        first = track.points[0]["time"]

        def stored() -> int:
            return int(session.scalar(select(func.count()).select_from(Position).where(
                Position.device_id == device_id, Position.fix_time.between(first, latest))) or 0)

        before = stored()
        fixes = [Fix(device_id=device_id, lat=p["lat"], lon=p["lon"], fix_time=p["time"],
                     accuracy_m=p.get("accuracy_m"), speed_mps=p.get("speed_mps"), heading_deg=p.get("heading_deg"),
                     altitude_m=p.get("altitude_m"), protocol=protocol, attributes={"import": source})
                 for p in track.points]
        refused = [r for r in store_fixes(session, fixes, ctx.now, future_tolerance_s=_FUTURE_TOLERANCE.total_seconds())
                   if r is not None]
        if refused:  # checked above; a refusal here rolls the whole file back
            raise TrackImportError(refused[0])
        added = stored() - before
        result = TrackImportResult(device_id=device_id, callsign=unit.callsign, format=track.format,
                                   points=len(fixes), added=added, first=first, last=latest, notes=tuple(track.notes))
        ctx.audit("positions", device_id, None, {
            "import": source, "format": track.format, "points": len(fixes), "added": added,
            "from": first.isoformat(), "to": latest.isoformat(), "unit": unit.callsign})
        if added:
            ctx.changed("units", unit.id)
        return result

    return runner.run(f"import track {source}"[:64], write, permission=IMPORT_PERMISSION)
