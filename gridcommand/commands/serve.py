"""`gridcommand serve`: the headless position ingest server, the incident API on its
HTTP port, and automatic arrival detection (never loads Qt)."""
from __future__ import annotations

import argparse
import logging
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", metavar="URL", help="database URL (default: settings, $GRIDCOMMAND_DB, or the local SQLite file)")
    parser.add_argument("--http", metavar="HOST:PORT", default="127.0.0.1:5055",
                        help="OsmAnd/Traccar HTTP listener (default 127.0.0.1:5055; 'off' to disable)")
    parser.add_argument("--cot-udp", metavar="[HOST:]PORT", help="CoT XML over UDP (off unless given; host defaults to 0.0.0.0)")
    parser.add_argument("--cot-tcp", metavar="[HOST:]PORT", help="CoT XML over TCP (off unless given; host defaults to 0.0.0.0)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="N ingest processes sharing the listening ports (SO_REUSEPORT; default 1)")
    parser.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])


def run(args: argparse.Namespace) -> int:
    from db.config import load_settings, settings_path
    from feeds.api import IncidentApi
    from feeds.arrival import ArrivalDetector
    from feeds.ingest import IngestConfig, parse_hostport, serve
    from gridcommand.commands.db import open_migrated

    logging.basicConfig(level=args.log_level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    log = logging.getLogger("gridcommand.ingest")
    settings, problems = load_settings()
    for problem in problems:
        log.warning("settings: %s", problem)
    try:
        http = None if args.http.lower() == "off" else parse_hostport(args.http)
        cot_udp = parse_hostport(args.cot_udp, "0.0.0.0") if args.cot_udp else None
        cot_tcp = parse_hostport(args.cot_tcp, "0.0.0.0") if args.cot_tcp else None
    except ValueError as exc:
        print(f"gridcommand serve: {exc}", file=sys.stderr)
        return 2
    if not (http or cot_udp or cot_tcp):
        print("gridcommand serve: no listener enabled", file=sys.stderr)
        return 2
    engine = open_migrated(args.db)
    config = IngestConfig(http=http, cot_udp=cot_udp, cot_tcp=cot_tcp,
                          future_tolerance_s=settings.live.future_tolerance_s,
                          rejects_keep=settings.live.rejects_keep)
    api = IncidentApi(engine, settings.api.token, settings.dispatch)
    if not settings.api.token:
        log.warning("incident API disabled: set [api] token in %s", settings_path())
    arrivals = ArrivalDetector(engine, settings.dispatch)
    arrivals.start()  # a thread next to the ingest loop; stopped once the loop has shut down
    try:
        return serve(engine, config, api=api)
    except OSError as exc:  # e.g. the port is taken
        log.error("cannot listen: %s", exc)
        return 1
    finally:
        arrivals.stop()
        api.close()
        engine.dispose()
