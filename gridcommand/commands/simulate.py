"""`gridcommand simulate`: move units through the city and report their fixes."""
from __future__ import annotations

import argparse
import signal
import sys

from gridcommand.commands import DB_DEFAULT

EPILOG = """\
The city (streets, grids, must-patrol lines, must-visit points) and the units
always come from the database (--db, else $GRIDCOMMAND_DB, the settings, or the
local SQLite file), with --target too: then only the fixes go to that OsmAnd
HTTP server instead of the database. Point --db at the database the server
uses, so that it knows the devices (and any simulated units added).

--rate is the total number of fixes per second across all units: each unit
reports every UNITS/RATE seconds and its devices (body cameras, radios, phone)
take turns. Silent devices lower it; duplicates and late fixes come on top.

With more --units than the roster has, simulated units ("模拟-0001", one phone
each, spread over the grids) are added once, audited, and reused by later runs.
The summary line counts what was sent, what the database or server accepted and
rejected, and how many of the sent were duplicates or late.

Dispatch orders: units dispatched in the database (by a workstation, the API or
`gridcommand incidents dispatch`) turn out, drive the street route to the
incident, stay on scene for a handling time drawn per category and return to
patrol. Their terminals sign off after [demo] terminal_sign_off_s, report 出警
and, when done, release the unit and report 反馈 (settings [demo]). Writing to
the database (no --target), the simulator also runs arrival detection, since no
server does; with --target the server detects arrivals.
--incidents-per-hour N raises demo incidents at the city's key targets and
streets (default 0: none)."""


def _share(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"must be a share between 0 and 1, not {text}")
    return value


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, not {text}")
        return value
    return parse


def _not_negative(text: str) -> float:
    value = float(text)
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {text}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.add_argument("--db", metavar="URL",
                        help="database to read the city and units from, and to write fixes to unless --target is "
                             f"given (default: {DB_DEFAULT})")
    parser.add_argument("--target", metavar="http://HOST:PORT",
                        help="send fixes over OsmAnd HTTP to this server (`gridcommand serve`) instead of writing "
                             "them to the database; the city and the units still come from --db (or the default "
                             "database), which should be the one the server uses")
    parser.add_argument("--units", type=_positive(int), metavar="N",
                        help="how many units move (default: every unit with a device); beyond the roster, "
                             "simulated units are added")
    parser.add_argument("--rate", type=_positive(float), default=10.0, metavar="HZ",
                        help="fixes per second in total, across all units (default 10)")
    parser.add_argument("--duration", type=_positive(float), metavar="S",
                        help="stop after S seconds (default: run until Ctrl+C or SIGTERM)")
    parser.add_argument("--seed", type=int, default=0, metavar="K", help="random seed; same seed, same city, same moves (default 0)")
    parser.add_argument("--noise", type=_share, default=1.0, metavar="F",
                        help="share of fixes with GPS error of a few metres (default 1.0; 0 = exact positions)")
    parser.add_argument("--jumps", type=_share, default=0.02, metavar="F",
                        help="share of the noisy fixes that jump 30-80 m instead (default 0.02)")
    parser.add_argument("--duplicates", type=_share, default=0.02, metavar="F",
                        help="share of fixes sent twice (default 0.02)")
    parser.add_argument("--late", type=_share, default=0.03, metavar="F",
                        help="share of fixes buffered and sent later, after newer ones (default 0.03)")
    parser.add_argument("--silent", type=_share, default=0.05, metavar="F",
                        help="share of devices silent at any moment, in spells of minutes (default 0.05)")
    parser.add_argument("--connections", type=_positive(int), default=4, metavar="N",
                        help="keep-alive HTTP connections with --target (default 4)")
    parser.add_argument("--incidents-per-hour", type=_not_negative, default=0.0, metavar="N",
                        help="raise demo incidents at this rate (default 0: none)")
    parser.add_argument("--no-respond", action="store_true",
                        help="units ignore dispatch orders (as before this feature; for load tests)")


def run(args: argparse.Namespace) -> int:
    from core.simulation import MessConfig
    from db.config import load_settings
    from db.engine import describe
    from feeds.arrival import ArrivalDetector
    from feeds.simulator import NoCityError, OsmAndHttpSink, SimulatorRunner
    from gridcommand.commands.db import open_migrated

    settings, _ = load_settings()
    try:
        sink = OsmAndHttpSink(args.target, connections=args.connections) if args.target else None
    except ValueError as exc:
        print(f"gridcommand: {exc}", file=sys.stderr)
        return 2
    engine = open_migrated(args.db)
    mess = MessConfig(noise=args.noise, jumps=args.jumps, duplicates=args.duplicates, late=args.late,
                      silent=args.silent)
    runner = SimulatorRunner(engine, units=args.units, rate=args.rate, seed=args.seed, mess=mess, sink=sink,
                             respond=not args.no_respond, dispatch=settings.dispatch, demo=settings.demo,
                             incidents_per_hour=args.incidents_per_hour)
    # Nobody else watches the positions written straight to the database: detect arrivals here.
    arrivals = ArrivalDetector(engine, settings.dispatch) if sink is None and not args.no_respond else None
    try:
        sim = runner.prepare()
    except NoCityError as exc:
        runner.finish()
        print(f"gridcommand: {exc}", file=sys.stderr)
        return 2
    from db.config import resolve_db_url

    where = describe(args.target or resolve_db_url(args.db))  # as typed, credentials hidden
    added = f", {runner.created} simulated units added" if runner.created else ""
    print(f"simulate: {len(sim.units)} units{added}, {args.rate:g} fixes/s -> {where}", file=sys.stderr)
    if arrivals is not None:
        arrivals.start()

    previous = {sig: signal.signal(sig, lambda *_: runner.request_stop()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        totals = runner.run(args.duration)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if arrivals is not None:
            arrivals.stop()
        engine.dispose()
    print(f"simulate: {totals.summary()}")
    follower, incidents = runner.follower, runner.incidents
    if follower is not None or incidents is not None:
        raised = len(incidents.created) if incidents is not None else 0
        answered = follower.responses if follower is not None else 0
        print(f"simulate: {answered} dispatch orders answered, {raised} demo incidents raised"
              + (f", {arrivals.detected} arrivals detected" if arrivals is not None else ""), file=sys.stderr)
    return 0
