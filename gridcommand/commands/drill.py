"""`gridcommand drill flag|what-if|report`: drills (试警) and scored what-if choices.

`flag` marks an incident as a drill (left out of every statistic); `what-if` scores
and stores a trainee's choice of units for an incident against the best road ETA
from the positions at its intake moment; `report` lists live drills (measured from
their dispatches and arrivals) and stored what-ifs."""
from __future__ import annotations

import argparse
import json
import sys

from gridcommand.commands.track import parse_time_arg, utc_iso

_DB_HELP = "database URL (default: settings, $GRIDCOMMAND_DB, or the local SQLite file)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="drill_command", metavar="ACTION")
    sub.required = True
    flag = sub.add_parser("flag", help="mark an incident as a drill (试警), or --off to unmark it")
    flag.add_argument("incident", metavar="NUMBER_OR_ID")
    flag.add_argument("--off", action="store_true", help="it is not a drill")
    what = sub.add_parser("what-if", help="score a choice of units for an incident at its intake moment, and store it")
    what.add_argument("incident", metavar="NUMBER_OR_ID")
    what.add_argument("--units", required=True, metavar="CALLSIGN,...", help="the units the trainee sends")
    what.add_argument("--json", action="store_true", help="print the score as JSON")
    rep = sub.add_parser("report", help="live drills and what-ifs, with their scores")
    rep.add_argument("--from", dest="start", type=parse_time_arg, metavar="DATE",
                     help="ISO 8601 (no offset: the configured zone) or an age like 7d")
    rep.add_argument("--to", dest="end", type=parse_time_arg, metavar="DATE", help="as --from")
    rep.add_argument("--json", action="store_true", help="print a JSON array")
    for p in (flag, what, rep):
        p.add_argument("--db", metavar="URL", help=_DB_HELP)


def _fail(message: str) -> int:
    print(f"gridcommand drill: {message}", file=sys.stderr)
    return 2


def _incident_id(session, text: str) -> int | None:
    from sqlalchemy import select

    from db.models import Incident

    found = session.scalar(select(Incident.id).where(Incident.number == text))
    if found is None and text.isdigit():
        found = session.scalar(select(Incident.id).where(Incident.id == int(text)))
    return found


def run(args: argparse.Namespace) -> int:
    from core.incidents import FieldError
    from db.config import load_settings
    from db.drill_ops import drill_report, record_what_if, set_drill
    from db.engine import session_factory
    from db.operations import OperationRunner
    from gridcommand.commands.db import open_current, open_migrated

    settings, _ = load_settings()
    engine = open_current(args.db) if args.drill_command == "report" else open_migrated(args.db)
    try:
        with session_factory(engine)() as session:
            if args.drill_command == "report":
                rows = drill_report(session, args.start, args.end, settings)
                return _print_report(rows, args.json)
            incident_id = _incident_id(session, args.incident)
        if incident_id is None:
            return _fail(f"no incident {args.incident!r}")
        runner = OperationRunner(engine)
        try:
            if args.drill_command == "flag":
                set_drill(runner, incident_id, not args.off)
                print(f"incident {args.incident} {'is no longer' if args.off else 'is now'} a drill")
                return 0
            score, result_id = record_what_if(runner, incident_id, args.units.split(","), settings)
        except FieldError as exc:
            return _fail(str(exc))
    finally:
        engine.dispose()
    fields = {"result": result_id, "best_eta_s": score.best_eta_s, "best_unit": score.best_callsign,
              "chosen_eta_s": score.chosen_eta_s, "eta_diff_s": score.eta_diff_s, "ring_met": score.ring_met,
              "tier": score.tier, "tier_ok": score.tier_ok, "score": score.score, "could_not_go": list(score.unknown)}
    if args.json:
        print(json.dumps(fields, ensure_ascii=False))
    else:
        print("  ".join(f"{k}={v}" for k, v in fields.items()))
    return 0


def _print_report(rows, as_json: bool) -> int:
    if as_json:
        print(json.dumps([r.as_json() for r in rows], ensure_ascii=False, indent=1))
        return 0
    for r in rows:
        print(f"{utc_iso(r.at)}  {r.incident}  {r.kind:7}  units={','.join(r.units) or '-'}  "
              f"first_arrival_s={r.first_arrival_s}  ring_met={r.ring_met}  best_eta_s={r.best_eta_s}  "
              f"chosen_eta_s={r.chosen_eta_s}  score={r.score}")
    print(f"{len(rows)} drills and what-ifs")
    return 0
