"""`gridcommand track export`: a unit's or a device's position history as CSV, GeoJSON or GPX;
`gridcommand track import`: a recorded GPX or CSV track as a device's history."""
from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridcommand.commands import DB_HELP

CSV_HEADER = ("device_id", "unit", "time_utc", "lat", "lon", "speed_mps", "heading", "accuracy_m",
              "altitude_m", "battery_pct", "protocol")
GPX_NS = "http://www.topografix.com/GPX/1/1"
_RELATIVE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])", re.IGNORECASE)
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


# --------------------------------------------------------------------------
# helpers shared by the position commands
# --------------------------------------------------------------------------

def utc_iso(moment: datetime | None) -> str | None:
    """``2024-05-01T08:00:00Z`` (fractions kept when present)."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def local_zone():
    """The configured display zone (settings ui.timezone, default Asia/Shanghai)."""
    from db.config import load_settings

    settings, _ = load_settings()
    try:
        return ZoneInfo(settings.ui.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc


def parse_time_arg(text: str, now: datetime | None = None) -> datetime:
    """A command-line time: ISO 8601, or an age such as ``30m``, ``2h``, ``1d`` (that long ago).

    A time without an offset is in the configured display zone (default Asia/Shanghai)."""
    text = text.strip()
    match = _RELATIVE.fullmatch(text)
    if match:
        now = now or datetime.now(timezone.utc)
        return now - timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2).lower()])
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a time: {text!r} (ISO 8601 like 2024-05-01T08:00:00+08:00, or an age like 30m, 2h, 1d)") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=local_zone())
    return moment.astimezone(timezone.utc)


def open_output(path: Path | None):
    """The file to write (UTF-8), or stdout."""
    if path is None:
        return sys.stdout
    path.parent.mkdir(parents=True, exist_ok=True)
    return path.open("w", encoding="utf-8", newline="")


# --------------------------------------------------------------------------
# formats
# --------------------------------------------------------------------------

def _num(value: float | None) -> str:
    return "" if value is None else repr(float(value))


def to_csv(rows, callsigns: dict[int, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for r in rows:
        writer.writerow([r.device_id, callsigns.get(r.unit_id, ""), utc_iso(r.fix_time), repr(r.lat), repr(r.lon),
                         _num(r.speed_mps), _num(r.heading_deg), _num(r.accuracy_m), _num(r.altitude_m),
                         _num(r.battery_pct), r.protocol])
    return out.getvalue()


def _by_device(rows) -> dict[str, list]:
    tracks: dict[str, list] = {}
    for r in rows:
        tracks.setdefault(r.device_id, []).append(r)
    return tracks


def to_geojson(rows, callsigns: dict[int, str]) -> str:
    """One Point per fix plus one LineString per device with two fixes or more."""
    features = []
    for r in rows:
        features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                         "properties": {"kind": "fix", "device_id": r.device_id, "unit": callsigns.get(r.unit_id),
                                        "time_utc": utc_iso(r.fix_time), "speed_mps": r.speed_mps,
                                        "heading": r.heading_deg, "accuracy_m": r.accuracy_m,
                                        "altitude_m": r.altitude_m, "battery_pct": r.battery_pct}})
    for device_id, fixes in _by_device(rows).items():
        if len(fixes) >= 2:
            features.append({"type": "Feature",
                             "geometry": {"type": "LineString", "coordinates": [[f.lon, f.lat] for f in fixes]},
                             "properties": {"kind": "track", "device_id": device_id,
                                            "unit": callsigns.get(fixes[-1].unit_id),
                                            "start_utc": utc_iso(fixes[0].fix_time), "end_utc": utc_iso(fixes[-1].fix_time)}})
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=1) + "\n"


def to_gpx(rows, callsigns: dict[int, str], title: str) -> str:
    """GPX 1.1: one <trk> per device, its fixes in one <trkseg>."""
    ET.register_namespace("", GPX_NS)
    root = ET.Element(f"{{{GPX_NS}}}gpx", {"version": "1.1", "creator": "Grid Command"})
    meta = ET.SubElement(root, f"{{{GPX_NS}}}metadata")
    ET.SubElement(meta, f"{{{GPX_NS}}}name").text = title
    for device_id, fixes in _by_device(rows).items():
        trk = ET.SubElement(root, f"{{{GPX_NS}}}trk")
        unit = callsigns.get(fixes[-1].unit_id)
        ET.SubElement(trk, f"{{{GPX_NS}}}name").text = f"{unit} {device_id}" if unit else device_id
        seg = ET.SubElement(trk, f"{{{GPX_NS}}}trkseg")
        for f in fixes:
            # Child order is fixed by the schema: ele, time, ..., hdop.
            point = ET.SubElement(seg, f"{{{GPX_NS}}}trkpt", {"lat": repr(f.lat), "lon": repr(f.lon)})
            if f.altitude_m is not None:
                ET.SubElement(point, f"{{{GPX_NS}}}ele").text = _num(f.altitude_m)
            ET.SubElement(point, f"{{{GPX_NS}}}time").text = utc_iso(f.fix_time)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --------------------------------------------------------------------------
# command
# --------------------------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="track_command", metavar="ACTION")
    sub.required = True
    exp = sub.add_parser("export", help="write a position history as CSV, GeoJSON or GPX")
    who = exp.add_mutually_exclusive_group(required=True)
    who.add_argument("--unit", metavar="CALLSIGN", help="every device of this unit")
    who.add_argument("--device", metavar="ID", help="one device")
    exp.add_argument("--from", dest="start", type=parse_time_arg, metavar="T",
                     help="ISO 8601 (no offset: the configured zone, default Asia/Shanghai) or an age like 2h")
    exp.add_argument("--to", dest="end", type=parse_time_arg, metavar="T", help="as --from")
    exp.add_argument("--format", required=True, choices=("csv", "geojson", "gpx"))
    exp.add_argument("--output", "-o", type=Path, metavar="FILE", help="default: standard output")
    exp.add_argument("--db", metavar="URL", help=DB_HELP)
    imp = sub.add_parser("import", help="store a recorded GPX (1.0/1.1) or CSV (time,lat,lon[,accuracy_m,speed_mps]) "
                                        "track as a device's position history")
    imp.add_argument("file", type=Path, metavar="FILE")
    imp.add_argument("--device", required=True, metavar="ID", help="the device the track belongs to")
    imp.add_argument("--unit", metavar="CALLSIGN", help="the device's unit (registers an unknown device to it)")
    imp.add_argument("--db", metavar="URL", help=DB_HELP)


def run_import(args: argparse.Namespace) -> int:
    from db.operations import OperationRunner
    from db.track_import import TrackImportError, import_track, read_track
    from gridcommand.commands.db import open_migrated

    try:
        track = read_track(args.file)  # refused files never open the database
    except TrackImportError as exc:
        print(f"gridcommand track import: {args.file}: {exc}", file=sys.stderr)
        return 2
    engine = open_migrated(args.db)
    try:
        result = import_track(OperationRunner(engine), track, args.device, args.unit, source=args.file.name)
    except TrackImportError as exc:
        print(f"gridcommand track import: {args.file}: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"{result.added} of {result.points} fixes added to {result.device_id} ({result.callsign}) from "
          f"{args.file.name} ({result.format}, {utc_iso(result.first)} to {utc_iso(result.last)}); "
          f"{result.already_stored} already stored")
    for note in result.notes:
        print(f"note: {note}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.track_command == "import":
        return run_import(args)
    from sqlalchemy import select

    from db.engine import session_factory
    from db.models import Unit
    from db.positions_repo import track
    from gridcommand.commands.db import open_current

    engine = open_current(args.db)
    try:
        with session_factory(engine)() as session:
            if args.unit is not None:
                unit_id = session.scalar(select(Unit.id).where(Unit.callsign == args.unit))
                if unit_id is None:
                    print(f"gridcommand track: no unit with callsign {args.unit!r}", file=sys.stderr)
                    return 2
                rows = track(session, unit_id=unit_id, start=args.start, end=args.end)
                title = args.unit
            else:
                rows = track(session, device_id=args.device, start=args.start, end=args.end)
                title = args.device
            callsigns = dict(session.execute(select(Unit.id, Unit.callsign)).all())
    finally:
        engine.dispose()
    if args.format == "csv":
        text = to_csv(rows, callsigns)
    elif args.format == "geojson":
        text = to_geojson(rows, callsigns)
    else:
        text = to_gpx(rows, callsigns, title)
    out = open_output(args.output)
    try:
        out.write(text)
    finally:
        if out is not sys.stdout:
            out.close()
    if not rows:
        print(f"gridcommand track: no fixes for {title} in that period", file=sys.stderr)
    elif args.output is not None:
        print(f"{len(rows)} fixes written to {args.output}", file=sys.stderr)
    return 0
