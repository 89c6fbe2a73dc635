"""`gridcommand audit verify|export`: check the audit trail's hash chain, or export a
period of it for an inspector."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gridcommand.commands import DB_HELP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from gridcommand.commands.track import parse_time_arg

    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION")
    sub.required = True
    ver = sub.add_parser("verify", help="check every row against the hash chain; exit 1 naming the first broken row")
    ver.add_argument("--json", action="store_true", help="print the result as JSON")
    exp = sub.add_parser("export", help="the audit rows of a period, with their hashes")
    exp.add_argument("--from", dest="start", type=parse_time_arg, metavar="T", help="from this time (ISO 8601 or 2h, 1d ago)")
    exp.add_argument("--to", dest="end", type=parse_time_arg, metavar="T", help="up to this time (exclusive)")
    exp.add_argument("--format", choices=("csv", "json"), default="csv")
    exp.add_argument("--out", type=Path, metavar="FILE", help="write here instead of stdout")
    for p in (ver, exp):
        p.add_argument("--db", metavar="URL", help=DB_HELP)


def run(args: argparse.Namespace) -> int:
    from db.audit_repo import export_rows, render, verify
    from gridcommand.commands.db import open_current
    from gridcommand.commands.track import open_output

    if args.audit_command == "export" and args.start and args.end and args.end <= args.start:
        print("gridcommand audit: --to: must be after --from", file=sys.stderr)
        return 2
    engine = open_current(args.db)
    try:
        if args.audit_command == "verify":
            result = verify(engine)
            if args.json:
                print(json.dumps(result.to_dict()))
            elif result.ok:
                print(f"audit trail intact: {result.rows} rows")
            else:
                print(f"gridcommand audit: BROKEN at row {result.broken_id} ({result.problem}): {result.detail}",
                      file=sys.stderr)
            return 0 if result.ok else 1
        rows = export_rows(engine, args.start, args.end)
        out = open_output(args.out)
        try:
            out.write(render(rows, args.format))
        finally:
            if out is not sys.stdout:
                out.close()
        if args.out:
            print(f"{len(rows)} audit rows written to {args.out}")
        return 0
    finally:
        engine.dispose()
