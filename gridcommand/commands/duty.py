"""`gridcommand duty shift-set|shift-retire|shifts|assign|cancel|list`: shifts (班次) and the
duty roster. Each edit is a new version through the operation runner (audited)."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

_DB_HELP = "database URL (default: settings, $GRIDCOMMAND_DB, or the local SQLite file)"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (YYYY-MM-DD, local)") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="duty_command", metavar="ACTION")
    sub.required = True
    sset = sub.add_parser("shift-set", help="create a shift or change its times (a new version)")
    sset.add_argument("code")
    sset.add_argument("--name")
    sset.add_argument("--start", required=True, metavar="HH:MM", help="local time")
    sset.add_argument("--end", required=True, metavar="HH:MM", help="local time; at or before --start: the next day")
    sret = sub.add_parser("shift-retire", help="take a shift out of force from now")
    sret.add_argument("code")
    shifts = sub.add_parser("shifts", help="list the shifts in force")
    assign = sub.add_parser("assign", help="put a unit on a shift for local days --from..--to")
    assign.add_argument("--unit", required=True, metavar="CALLSIGN")
    assign.add_argument("--shift", required=True, metavar="CODE")
    assign.add_argument("--from", dest="first", required=True, type=_day, metavar="YYYY-MM-DD")
    assign.add_argument("--to", dest="last", type=_day, metavar="YYYY-MM-DD", help="default: the --from day")
    assign.add_argument("--grid", metavar="CODE", help="default: the unit's grid")
    cancel = sub.add_parser("cancel", help="cancel a roster entry from now (it stays in the history)")
    cancel.add_argument("entry", metavar="ENTRY", help="the entry code `duty list` shows")
    lst = sub.add_parser("list", help="who is on duty on a local day")
    lst.add_argument("--day", type=_day, metavar="YYYY-MM-DD", help="default: today (local)")
    for p in (shifts, lst):
        p.add_argument("--json", action="store_true", help="print a JSON array")
    for p in (sset, sret, shifts, assign, cancel, lst):
        p.add_argument("--db", metavar="URL", help=_DB_HELP)


def _today() -> date:
    from datetime import datetime

    from gridcommand.commands.track import local_zone

    return datetime.now(local_zone()).date()


def _read(engine, args) -> list[dict]:
    from datetime import datetime, timezone

    from db.duty_ops import roster_on, shifts_in_force
    from db.engine import session_factory

    now = datetime.now(timezone.utc)
    with session_factory(engine)() as session:
        if args.duty_command == "shifts":
            return [{"code": s.code, "name": s.name, "start": s.start_local, "end": s.end_local}
                    for s in shifts_in_force(session, now)]
        return [{"entry": e.code, "unit": cs, "shift": e.shift_code, "grid_code": grid,
                 "first_day": e.first_day.isoformat(), "last_day": e.last_day.isoformat()}
                for e, cs, grid in roster_on(session, args.day or _today(), now)]


def run(args: argparse.Namespace) -> int:
    from core.patrol_rules import RuleError
    from db.duty_ops import assign_duty, cancel_duty, retire_shift, set_shift
    from db.operations import OperationRunner
    from gridcommand.commands.db import open_migrated

    engine = open_migrated(args.db)
    try:
        if args.duty_command in ("shifts", "list"):
            rows = _read(engine, args)
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=1))
            else:
                from gridcommand.commands.device import print_table

                print_table(tuple(k.upper() for k in rows[0]) if rows else ("(none)",),
                            [tuple("" if v is None else v for v in r.values()) for r in rows])
            return 0
        runner = OperationRunner(engine)
        try:
            if args.duty_command == "shift-set":
                outcome = set_shift(runner, args.code, args.name or args.code, args.start, args.end)
                print(f"shift {args.code} {outcome}")
            elif args.duty_command == "shift-retire":
                retire_shift(runner, args.code)
                print(f"shift {args.code} retired")
            elif args.duty_command == "assign":
                code = assign_duty(runner, args.unit, args.shift, args.first, args.last, args.grid)
                print(f"roster entry {code} saved")
            else:
                cancel_duty(runner, args.entry)
                print(f"roster entry {args.entry} cancelled")
        except RuleError as exc:
            print(f"gridcommand duty: {exc}", file=sys.stderr)
            return 2
        return 0
    finally:
        engine.dispose()
