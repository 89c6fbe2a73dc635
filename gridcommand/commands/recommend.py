"""`gridcommand recommend --lat LAT --lon LON`: which units can reach a location, best first.

Road travel time when a street network is loaded, else straight-line estimates
(labelled as such). Speeds, turn-out and the detour factor come from settings."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timezone

from gridcommand.commands import DB_HELP
from gridcommand.commands.device import display_width, pad


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lat", type=float, required=True, help="WGS84 latitude of the incident")
    parser.add_argument("--lon", type=float, required=True, help="WGS84 longitude of the incident")
    parser.add_argument("--category", help="incident category code (decides police / 城管 / joint); default: any unit")
    parser.add_argument("--mode", choices=("road", "straight"),
                        help="road travel time or straight-line estimate (default: road when streets are loaded)")
    parser.add_argument("--limit", type=int, default=10, help="how many units to list (0: all; default 10)")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    parser.add_argument("--db", metavar="URL", help=DB_HELP)


def _fail(message: str) -> int:
    print(f"gridcommand: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    if not (-90 <= args.lat <= 90 and -180 <= args.lon <= 180):
        return _fail(f"--lat {args.lat} --lon {args.lon} is not a WGS84 position")
    if args.limit < 0:
        return _fail("--limit must be 0 (all) or more")
    from core.dispatch import format_distance, format_duration, rank_units
    from core.travel import TravelModel
    from db.config import load_settings
    from db.dispatch_repo import grid_code_at, load_dispatch_context
    from db.engine import session_factory
    from gridcommand.commands.db import open_current

    settings, _ = load_settings()
    engine = open_current(args.db)
    try:
        with session_factory(engine)() as session:
            network, units, needs_by_category = load_dispatch_context(session)
            grid = grid_code_at(session, args.lon, args.lat)
    finally:
        engine.dispose()
    if args.category is not None and args.category not in needs_by_category:
        valid = ", ".join(needs_by_category) or "(none: run `gridcommand db seed-demo` or add categories)"
        return _fail(f"unknown category {args.category!r}; valid codes: {valid}")
    needs = needs_by_category.get(args.category, "any") if args.category else "any"
    mode = args.mode or ("road" if network is not None else "straight")
    if mode == "road" and network is None:
        return _fail("no street network is loaded: use --mode straight, or import streets")

    model = TravelModel.from_settings(settings.dispatch)
    recs = rank_units(units, args.lon, args.lat, incident_grid=grid, needs=needs, now=datetime.now(timezone.utc),
                      model=model, stale_after_s=settings.live.stale_after_s, mode=mode, network=network,
                      limit=args.limit or None)
    if args.json:
        print(json.dumps([r.as_json() for r in recs], ensure_ascii=False, indent=1))
        return 0

    estimate = f"estimates: straight line × {model.detour_factor:g} / speed + {model.turnout_s:g} s turn-out"
    how = "road travel time on the street network" if mode == "road" else estimate
    print(f"{args.lat:.6f}, {args.lon:.6f} in grid {grid or '-'}; category {args.category or '-'} "
          f"(needs {needs}); mode {mode}: {how}")
    if not recs:
        print("no available unit with a fresh fix can serve this category")
        return 0
    header = ("#", "CALLSIGN", "AGENCY", "TIER", "ETA", "RING", "DISTANCE", "MODE", "REASON")
    table = [header] + [
        (str(n), r.callsign, r.agency, str(r.tier), format_duration(r.eta_s), f"{r.ring} min" if r.ring else "-",
         format_distance(r.distance_m), r.mode, r.reason)
        for n, r in enumerate(recs, 1)]
    widths = [max(display_width(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(pad(cell, width) for cell, width in zip(row, widths)).rstrip())
    fallbacks = sum(1 for r in recs if r.mode == "straight")
    if mode == "road" and fallbacks:
        print(f"{fallbacks} of {len(recs)} not reached on the street network: {estimate}")
    print(f"{len(recs)} units; DISTANCE is the straight line")
    return 0
