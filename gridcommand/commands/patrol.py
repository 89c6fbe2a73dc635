"""`gridcommand patrol report|rebuild`: check-ins, missed windows, line coverage and joint
patrols from the stored events; rebuild recomputes the events from the stored fixes."""
from __future__ import annotations

import argparse
import json
import sys

from gridcommand.commands.track import parse_time_arg  # stdlib only: cheap at parser build

_DB_HELP = "database URL (default: settings, $GRIDCOMMAND_DB, or the local SQLite file)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="patrol_command", metavar="ACTION")
    sub.required = True
    report = sub.add_parser("report", help="patrol figures for [--from, --to)")
    report.add_argument("--grid", metavar="CODE", help="only this grid's points, lines and units")
    report.add_argument("--unit", metavar="CALLSIGN", help="only this unit (missed windows: its grid's points)")
    report.add_argument("--json", action="store_true", help="print JSON (the keys documented in README)")
    rebuild = sub.add_parser("rebuild", help="recompute the events of [--from, --to) from the stored fixes")
    for p in (report, rebuild):
        p.add_argument("--from", dest="start", required=True, type=parse_time_arg, metavar="ISO")
        p.add_argument("--to", dest="end", required=True, type=parse_time_arg, metavar="ISO")
        p.add_argument("--db", metavar="URL", help=_DB_HELP)


def run(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    from db.config import load_settings
    from db.engine import session_factory
    from db.operations import OperationRunner
    from gridcommand.commands.db import open_migrated

    if args.end <= args.start:
        print("gridcommand patrol: --to: must be after --from", file=sys.stderr)
        return 2
    settings, _ = load_settings()
    engine = open_migrated(args.db)
    try:
        if args.patrol_command == "rebuild":
            from db.patrol_repo import rebuild

            r = rebuild(OperationRunner(engine), args.start, args.end, settings.patrol)
            print(f"patrol events rebuilt from {r.fixes} fixes: {r.removed} removed, {r.added} stored")
            return 0
        from db.patrol_report import patrol_report

        with session_factory(engine)() as session:
            report = patrol_report(session, args.start, args.end, datetime.now(timezone.utc), settings.ui.timezone,
                                   grid=args.grid, callsign=args.unit)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return 0
    _print(report)
    return 0


def _print(report: dict) -> None:
    from gridcommand.commands.device import print_table

    print(f"check-ins: {len(report['checkins'])}")
    print_table(("POINT", "NAME", "UNIT", "DEVICE", "ARRIVED (UTC)", "DWELL_S"),
                [(c["point_code"], c["point_name"] or "", c["callsign"] or "", c["device_id"], c["arrived_utc"],
                  f"{c['dwell_s']:g}") for c in report["checkins"]])
    print(f"missed windows: {len(report['missed'])}")
    print_table(("POINT", "WINDOW START (UTC)", "WINDOW END (UTC)"),
                [(m["point_code"], m["window_start_utc"], m["window_end_utc"]) for m in report["missed"]])
    print(f"line coverage: {len(report['lines'])}")
    print_table(("LINE", "UNIT", "COVERED_%"),
                [(x["line_code"], x["callsign"] or "", f"{x['covered_pct']:g}") for x in report["lines"]])
    print(f"joint patrols: {len(report['joint_patrols'])}")
    print_table(("POLICE", "CITY", "START (UTC)", "MINUTES"),
                [(f"{j['police_callsign']}/{j['police_device']}", f"{j['city_callsign']}/{j['city_device']}",
                  j["start_utc"], f"{j['minutes']:g}") for j in report["joint_patrols"]])
