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


def run(args: argparse.Namespace) -> int:
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
