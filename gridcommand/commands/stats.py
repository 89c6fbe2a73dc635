"""`gridcommand stats --from DATE --to DATE [--grid CODE] [--json]`: the period's figures
(README "Figures"), read from the database with core.stats' definitions. Dates are
local (the configured time zone), both inclusive. Read-only: never migrates."""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from gridcommand.commands import DB_HELP


def local_date(text: str) -> date:
    """An argparse type: a local date YYYY-MM-DD."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


def add_period_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--from", dest="start", required=True, type=local_date, metavar="DATE",
                        help="first local day (YYYY-MM-DD, inclusive)")
    parser.add_argument("--to", dest="end", required=True, type=local_date, metavar="DATE",
                        help="last local day (YYYY-MM-DD, inclusive)")
    parser.add_argument("--grid", metavar="CODE", help="one grid (default: the whole city)")
    parser.add_argument("--db", metavar="URL", help=DB_HELP)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_period_arguments(parser)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (keys as in README)")


_LABELS = (("incidents", "警情 incidents"), ("incidents_yoy_pct", "同比 vs a year earlier %"),
           ("incidents_mom_pct", "环比 vs the period before %"), ("dispatches", "就近处警 nearest-unit dispatches"),
           ("accidents_on_scene", "处置车祸 accidents handled on scene"), ("problems_found", "发现问题 problems found"),
           ("problems_handed_over", "交办 handed over"), ("rescued", "救助群众 people rescued"),
           ("property_recovered_cny", "找回财物 property recovered ¥"), ("mediations", "调解纠纷 disputes mediated"),
           ("commendations", "锦旗/感谢信 commendations"), ("joint_patrols", "城警合巡 joint patrols"),
           ("visibility_pct", "见警率 visibility %"), ("line_coverage_pct", "巡查率 line coverage %"))


def run(args: argparse.Namespace) -> int:
    from core.stats import PeriodError
    from db.config import load_settings
    from db.engine import session_factory
    from db.stats_repo import period_figures
    from gridcommand.commands.db import open_current

    settings, _ = load_settings()
    engine = open_current(args.db)
    try:
        with session_factory(engine)() as session:
            figures = period_figures(session, start=args.start, end=args.end, grid_code=args.grid,
                                     time_zone=settings.ui.timezone)
    except PeriodError as exc:
        print(f"gridcommand stats: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps(figures, ensure_ascii=False, indent=1))
        return 0
    print(f"{args.start} .. {args.end}  {args.grid or 'city'}")
    for key, label in _LABELS:
        value = figures[key]
        print(f"  {label:<36} {'-' if value is None else value}")
    r, w = figures["response"], figures["workorders"]
    print(f"  response: n {r['n']}, median {r['median_s']} s, within 1/3/5 min "
          f"{r['within_1min_pct']}/{r['within_3min_pct']}/{r['within_5min_pct']} %")
    print(f"  work orders: issued {w['issued']}, closed {w['closed']}, on time {w['on_time_pct']} %")
    return 0
