"""`gridcommand places list|set-point|set-line|retire`: the map's places and the duty
rules on must-visit points and must-patrol lines.

Every edit is a new version through the operation runner (audited); `list --at` shows
what was in force at a past moment."""
from __future__ import annotations

import argparse
import json
import sys

from gridcommand.commands.track import parse_time_arg  # stdlib only: cheap at parser build

LIST_LAYERS = ("grids", "points", "lines", "stations")
_DB_HELP = "database URL (default: settings, $GRIDCOMMAND_DB, or the local SQLite file)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="places_command", metavar="ACTION")
    sub.required = True
    lst = sub.add_parser("list", help="list one layer's places (as in force now, or --at a past time)")
    lst.add_argument("--layer", required=True, choices=LIST_LAYERS)
    lst.add_argument("--at", type=parse_time_arg, metavar="ISO", help="what was in force at this time (default now)")
    lst.add_argument("--json", action="store_true", help="print a JSON array")
    point = sub.add_parser("set-point", help="create a must-visit point or change its rules (a new version)")
    line = sub.add_parser("set-line", help="create a must-patrol line or change its rules (a new version)")
    for p in (point, line):
        p.add_argument("code")
        p.add_argument("--name")
        p.add_argument("--grid", metavar="CODE", help="the grid it belongs to (default: found from its location)")
        p.add_argument("--window", action="append", metavar="HH:MM-HH:MM[*N]",
                       help="a daily time window with N visits/passes expected (repeatable; replaces the windows)")
        p.add_argument("--no-windows", action="store_true", help="remove every time window")
    point.add_argument("--lon", type=float)
    point.add_argument("--lat", type=float)
    point.add_argument("--radius", type=float, metavar="M", help="metres (default 50)")
    point.add_argument("--dwell", type=float, metavar="S", help="minimum stay in seconds (default 120)")
    point.add_argument("--visits-per-shift", type=int, metavar="N", help="for a point without windows (default 1)")
    line.add_argument("--coords", metavar="LON,LAT LON,LAT ...", help="the line's vertices, space-separated")
    line.add_argument("--buffer", type=float, metavar="M", help="corridor either side in metres (default 30)")
    line.add_argument("--passes", type=int, metavar="N", help="passes expected per shift (default 1)")
    retire = sub.add_parser("retire", help="take a point or line out of force from now (its history stays)")
    retire.add_argument("--layer", required=True, choices=("points", "lines"))
    retire.add_argument("code")
    for p in (lst, point, line, retire):
        p.add_argument("--db", metavar="URL", help=_DB_HELP)


def place_rows(session, layer: str, at=None) -> list[dict]:
    """The issue's keys: code, name, grid_code, lat/lon or coordinates, radius_m, dwell_s, windows,
    valid_from, valid_to (stations add kind). A line's radius_m is its corridor (buffer)."""
    from sqlalchemy import select

    from core.patrol_rules import parse_windows
    from db.places_repo import MODELS, grid_ids_by_code, in_force
    from gridcommand.commands.track import utc_iso

    model = MODELS[layer]
    query = select(model).order_by(model.code)
    if layer in ("points", "lines"):
        from datetime import datetime, timezone

        query = query.where(in_force(model, at or datetime.now(timezone.utc)))
    grids = {gid: code for code, gid in grid_ids_by_code(session).items()}
    out = []
    for row in session.scalars(query):
        item = {"code": row.code, "name": row.name,
                "grid_code": row.code if layer == "grids" else grids.get(row.grid_id)}
        coords = row.geometry["coordinates"]
        if layer in ("points", "stations"):
            item.update(lat=coords[1], lon=coords[0])
        else:
            item["coordinates"] = coords
        item["radius_m"] = row.radius_m if layer == "points" else (row.corridor_m if layer == "lines" else None)
        item["dwell_s"] = row.dwell_s if layer == "points" else None
        item["windows"] = ([w.to_json() for w in parse_windows(row.time_windows)] if layer in ("points", "lines")
                           else [])
        item["valid_from"] = utc_iso(getattr(row, "valid_from", None))
        item["valid_to"] = utc_iso(getattr(row, "valid_to", None))
        if layer == "stations":
            item["kind"] = row.kind
        out.append(item)
    return out


def _coords(text: str) -> list[list[float]]:
    from core.patrol_rules import RuleError

    try:
        return [[float(v) for v in pair.split(",")] for pair in text.split()]
    except ValueError:
        raise RuleError("coords", f"expected 'LON,LAT LON,LAT ...', got {text!r}") from None


def _edit(args: argparse.Namespace):
    from core.patrol_rules import RuleError
    from db.duty_ops import RuleEdit

    windows = [] if args.no_windows else args.window
    if args.places_command == "set-point":
        coordinates = None
        if (args.lon is None) != (args.lat is None):
            raise RuleError("lon" if args.lon is None else "lat", "give --lon and --lat together")
        if args.lon is not None:
            coordinates = [args.lon, args.lat]
        return RuleEdit(name=args.name, coordinates=coordinates, grid_code=args.grid, radius_m=args.radius,
                        dwell_s=args.dwell, visits_per_shift=args.visits_per_shift, windows=windows)
    return RuleEdit(name=args.name, coordinates=_coords(args.coords) if args.coords else None, grid_code=args.grid,
                    buffer_m=args.buffer, passes_per_shift=args.passes, windows=windows)


def run(args: argparse.Namespace) -> int:
    from core.patrol_rules import RuleError
    from db.engine import session_factory
    from db.operations import OperationRunner
    from gridcommand.commands.db import open_migrated

    engine = open_migrated(args.db)
    try:
        if args.places_command == "list":
            with session_factory(engine)() as session:
                rows = place_rows(session, args.layer, args.at)
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=1))
            else:
                _print(rows)
            return 0
        runner = OperationRunner(engine)
        from db.duty_ops import retire_place, set_rule

        try:
            if args.places_command == "retire":
                retire_place(runner, args.layer, args.code)
                print(f"{args.layer[:-1]} {args.code} retired")
            else:
                layer = "points" if args.places_command == "set-point" else "lines"
                outcome = set_rule(runner, layer, args.code, _edit(args))
                print(f"{layer[:-1]} {args.code} {outcome}")
        except RuleError as exc:
            print(f"gridcommand places: {exc}", file=sys.stderr)
            return 2
        return 0
    finally:
        engine.dispose()


def _print(rows: list[dict]) -> None:
    from gridcommand.commands.device import print_table

    print_table(("CODE", "NAME", "GRID", "RADIUS_M", "DWELL_S", "WINDOWS", "VALID_FROM"),
                [(r["code"], r["name"], r["grid_code"] or "", "" if r["radius_m"] is None else f"{r['radius_m']:g}",
                  "" if r["dwell_s"] is None else f"{r['dwell_s']:g}",
                  " ".join(f"{w['start']}-{w['end']}*{w['visits']}" for w in r["windows"]), r["valid_from"] or "")
                 for r in rows])
    print(f"{len(rows)} places")
