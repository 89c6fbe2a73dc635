"""`gridcommand replay snapshot --at T`: where every unit was at a past moment.

Each unit at its devices' newest fix at or before T (no interpolation), and each
device without a unit; nothing for those with no fix by then. Read-only: the
database is opened with ``open_current`` (never migrated)."""
from __future__ import annotations

import argparse
import json
import sys

from gridcommand.commands.device import display_width, pad
from gridcommand.commands.track import parse_time_arg, utc_iso

JSON_FIELDS = ("callsign", "device_id", "lat", "lon", "fix_utc", "age_s")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="replay_command", metavar="ACTION")
    sub.required = True
    snap = sub.add_parser("snapshot", help="every unit's newest fix at or before a time")
    snap.add_argument("--at", required=True, type=parse_time_arg, metavar="T",
                      help="ISO 8601 (no offset: the configured zone, default Asia/Shanghai) or an age like 2h")
    snap.add_argument("--json", action="store_true", help="print a JSON array")
    snap.add_argument("--db", metavar="URL", help="database URL (default: settings, $GRIDCOMMAND_DB, or the local SQLite file)")


    rec = sub.add_parser("record-demo", help="record a stretch of the demo city as history to replay (training)")
    rec.add_argument("--from", dest="start", type=parse_time_arg, metavar="T",
                     help="when the recording starts (default: yesterday 21:00 in the configured zone)")
    rec.add_argument("--minutes", type=float, default=60.0, metavar="N", help="how long to record (default 60)")
    rec.add_argument("--incidents-per-hour", type=float, default=6.0, metavar="N", help="demo incidents (default 6)")
    rec.add_argument("--seed", type=int, default=1, metavar="K", help="random seed (default 1)")
    where = rec.add_mutually_exclusive_group()
    where.add_argument("--demo", action="store_true", help="the demo database in the user data directory (seeded if empty)")
    where.add_argument("--db", metavar="URL", help="database URL (default: settings, $GRIDCOMMAND_DB, or the local SQLite file)")


def run(args: argparse.Namespace) -> int:
    if args.replay_command == "record-demo":
        return _record_demo(args)
    from db.engine import session_factory
    from db.history import snapshot_at
    from gridcommand.commands.db import open_current

    engine = open_current(args.db)
    try:
        with session_factory(engine)() as session:
            rows = snapshot_at(session, args.at)
    finally:
        engine.dispose()
    records = [{"callsign": r.callsign, "device_id": r.device_id, "lat": r.lat, "lon": r.lon,
                "fix_utc": utc_iso(r.fix_utc), "age_s": r.age_s} for r in rows]
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=1))
        return 0
    print(f"positions at {utc_iso(args.at)}: newest fix at or before, not interpolated")
    header = ("CALLSIGN", "DEVICE", "LAT", "LON", "FIX (UTC)", "AGE")
    table = [header] + [(r["callsign"] or "-", r["device_id"], f"{r['lat']:.6f}", f"{r['lon']:.6f}", r["fix_utc"],
                         f"{r['age_s']:.0f} s") for r in records]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(pad(cell, width) for cell, width in zip(row, widths)).rstrip())
    print(f"{len(records)} positions", file=sys.stderr if args.json else sys.stdout)
    return 0


def _record_demo(args: argparse.Namespace) -> int:
    """Simulate the demo city from --from for --minutes, incidents dispatched and answered:
    a night to replay (`gridcommand gui --replay --from ... --to ...`)."""
    from datetime import datetime, time as day_time, timedelta

    from db.config import demo_db_url, load_settings
    from db.seed import seed_demo
    from feeds.demo_history import record_demo_history
    from gridcommand.commands.db import open_migrated
    from gridcommand.commands.track import local_zone

    if not 0 < args.minutes <= 24 * 60:
        print("gridcommand: --minutes must be between 0 and 1440", file=sys.stderr)
        return 2
    if args.incidents_per_hour < 0:
        print("gridcommand: --incidents-per-hour must not be negative", file=sys.stderr)
        return 2
    settings, _problems = load_settings()
    start = args.start
    if start is None:
        zone = local_zone()
        yesterday = datetime.now(zone).date() - timedelta(days=1)
        start = datetime.combine(yesterday, day_time(21, 0), tzinfo=zone)
    engine = open_migrated(demo_db_url() if args.demo else args.db)
    try:
        from sqlalchemy import select

        from db.engine import session_factory
        from db.models import Grid, Incident, Position
        from db.operations import OperationRunner

        with session_factory(engine)() as session:
            empty = session.scalar(select(Grid.id).limit(1)) is None
            end = start + timedelta(minutes=args.minutes)
            taken = session.scalar(select(Position.id).where(Position.fix_time > start, Position.fix_time <= end)
                                   .limit(1)) or session.scalar(select(Incident.id).where(
                                       Incident.received_at > start, Incident.received_at <= end).limit(1))
        if empty and args.demo:
            seed_demo(OperationRunner(engine))
        elif empty:
            print("gridcommand: the database has no city; seed the demo (`gridcommand db seed-demo`) or use --demo",
                  file=sys.stderr)
            return 2
        if taken:
            print(f"gridcommand: --from: the database already holds history between {utc_iso(start)} and "
                  f"{utc_iso(end)}; choose another time", file=sys.stderr)
            return 2
        history = record_demo_history(engine, start, args.minutes, incidents_per_hour=args.incidents_per_hour,
                                      seed=args.seed, settings=settings)
    finally:
        engine.dispose()
    print(f"recorded {utc_iso(history.start)} – {utc_iso(history.end)}: {history.fixes} fixes, "
          f"{len(history.incidents)} incidents, {history.dispatched} dispatched, {history.arrived} arrivals, "
          f"{history.checkins} patrol check-ins")
    print(f"replay it: gridcommand gui --replay --from {utc_iso(history.start)} --to {utc_iso(history.end)}"
          + (" --demo" if args.demo else ""))
    return 0
