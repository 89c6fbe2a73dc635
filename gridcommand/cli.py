"""The `gridcommand` console script.

Subcommands import their modules lazily, so `gridcommand serve` on a server with
no display never loads Qt."""
from __future__ import annotations

import argparse
import sys
from importlib import import_module

# subcommand -> module under gridcommand.commands with add_arguments(parser) and run(args) -> int
COMMANDS = {
    "gui": "Run the command map (the desktop application)",
    "db": "Create or migrate the schema, seed the demo city, import layers, back up and restore",
    "bench": "Run a benchmark and print its figures as JSON",
    "serve": "Run the headless server: position ingest (OsmAnd HTTP, CoT), the incident API, arrival detection",
    "rejects": "List position reports the ingest server rejected",
    "device": "Register, list and remove the devices that report units' positions",
    "track": "Export a unit's or device's position history (CSV, GeoJSON, GPX), or import a GPX/CSV track",
    "units": "List units with their status, grid and last fix",
    "simulate": "Move simulated units through the city and report their positions",
    "recommend": "Rank the units that can reach a location within 1, 3 and 5 minutes",
    "incidents": "Take, dispatch, show and list incidents (audited like the incident docks)",
    "workorders": "Hand-over work orders under 13710, and patrol findings: issue, list with lights, act, export",
    "places": "List the map's places (as in force now or at a past time); edit must-visit point and line rules",
    "duty": "Shifts and the duty roster: which units are on duty when",
    "patrol": "Patrol figures (check-ins, missed windows, line coverage, joint patrols); rebuild the events",
    "replay": "Training replay: where every unit was at a past moment",
    "drill": "Drills (试警): flag a drill incident, report live drills and scored what-ifs",
    "stats": "A period's figures (incidents 同比/环比, dispatches, outcomes, joint patrols, response, work orders)",
    "report": "A period report (日报/周报/月报) as PDF or XLSX: the figures of `stats` and the statistics charts",
    "user": "Users who log in, and their roles: add, list, disable, set a password or role",
    "token": "API clients of the incident API: add (prints the token once), list, revoke",
    "audit": "The audit trail: verify its hash chain, export a period (CSV, JSON)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridcommand", description="Grid Command 城警联勤网格指挥图")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=name)
        import_module(f"gridcommand.commands.{name}").add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    module = import_module(f"gridcommand.commands.{args._module}")
    from db.engine import DatabaseUnavailable
    from db.operations import PermissionDenied

    try:
        return int(module.run(args) or 0)
    except DatabaseUnavailable as exc:
        print(f"gridcommand: {exc}", file=sys.stderr)
        return 3
    except PermissionDenied as exc:  # the account's role lacks it (core.roles)
        print(f"gridcommand: {exc}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
