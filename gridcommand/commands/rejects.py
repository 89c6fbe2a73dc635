"""`gridcommand rejects [--since T] [--limit N]`: reports the ingest server refused, newest first."""
from __future__ import annotations

import argparse

from gridcommand.commands import DB_HELP
from gridcommand.commands.track import parse_time_arg, utc_iso


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", type=parse_time_arg, metavar="T",
                        help="ISO 8601 (no offset: the configured zone, default Asia/Shanghai) or an age like 30m, 2h, 1d")
    parser.add_argument("--limit", type=int, default=100, metavar="N", help="at most N rows (default 100)")
    parser.add_argument("--db", metavar="URL", help=DB_HELP)


def _one_line(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit - 3] + "..."


def run(args: argparse.Namespace) -> int:
    from db.engine import session_factory
    from db.positions_repo import list_rejects
    from gridcommand.commands.db import open_current

    engine = open_current(args.db)
    try:
        with session_factory(engine)() as session:
            rows = list_rejects(session, args.since, max(0, args.limit))
    finally:
        engine.dispose()
    for r in rows:
        print(f"{utc_iso(r.at)}  {r.protocol:<6}  {r.source:<21}  {_one_line(r.reason, 100)}  "
              f"| {_one_line(r.payload, 80)}")
    print(f"{len(rows)} rejected reports" + (f" since {utc_iso(args.since)}" if args.since else ""))
    return 0
