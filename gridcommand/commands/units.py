"""`gridcommand units list [--json]`: every unit with its agency, tier, status, grid and last fix."""
from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone

from gridcommand.commands import DB_HELP
from gridcommand.commands.device import display_width, pad
from gridcommand.commands.track import utc_iso


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="units_command", metavar="ACTION")
    sub.required = True
    lst = sub.add_parser("list", help="list every unit and its last fix")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    lst.add_argument("--db", metavar="URL", help=DB_HELP)


def unit_rows(session) -> list[dict]:
    """One dict per unit, by callsign: callsign, unit_id, agency, tier, status, grid, last_fix."""
    from db.units_repo import load_units

    out = []
    for u in load_units(session):
        fix = u.last_fix
        last = None if fix is None else {"time_utc": utc_iso(fix.time), "lat": fix.lat, "lon": fix.lon,
                                         "accuracy_m": fix.accuracy_m}
        out.append({"callsign": u.callsign, "unit_id": u.unit_id, "agency": u.agency, "tier": u.tier,
                    "status": u.status, "grid": u.grid_code, "last_fix": last})
    return out


def _age(time_utc: str, now: datetime) -> str:
    seconds = max(0, int((now - datetime.fromisoformat(time_utc.replace("Z", "+00:00"))).total_seconds()))
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def run(args: argparse.Namespace) -> int:
    from db.engine import session_factory
    from gridcommand.commands.db import open_current

    engine = open_current(args.db)
    try:
        with session_factory(engine)() as session:
            rows = unit_rows(session)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return 0
    now = datetime.now(timezone.utc)
    header = ("CALLSIGN", "AGENCY", "TIER", "STATUS", "GRID", "LAST FIX (UTC)", "AGE", "LAT", "LON", "ACC_M")
    table = [header]
    for r in rows:
        fix = r["last_fix"]
        table.append((r["callsign"], r["agency"], str(r["tier"]), r["status"], r["grid"] or "-",
                      fix["time_utc"] if fix else "-", _age(fix["time_utc"], now) if fix else "-",
                      f"{fix['lat']:.6f}" if fix else "-", f"{fix['lon']:.6f}" if fix else "-",
                      "-" if not fix or fix["accuracy_m"] is None else f"{fix['accuracy_m']:g}"))
    widths = [max(display_width(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(pad(cell, width) for cell, width in zip(row, widths)).rstrip())
    print(f"{len(rows)} units")
    return 0
