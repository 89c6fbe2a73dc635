"""`gridcommand bench NAME`: run a benchmark from bench/ and print its JSON."""
from __future__ import annotations

import argparse
import json
import sys
from importlib import import_module

BENCHMARKS = {"startup": "bench.startup", "ingest": "bench.ingest", "live-map": "bench.live_map",
              "recommend": "bench.recommend", "response": "bench.response",
              "workorders": "bench.workorders", "patrol": "bench.patrol",
              "replay": "bench.replay", "stats": "bench.stats", "audit": "bench.audit"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; medians are reported")
    parser.add_argument("--fixes", type=int, metavar="N",
                        help="patrol: stored fixes to detect over; stats: stored fixes (default 10,000,000)")
    parser.add_argument("--size", type=int, metavar="N", help="replay: units (default 1000); audit: rows (default 100,000)")
    parser.add_argument("--wall", action="store_true", help="live-map only: measure the command-hall wall display")


def run(args: argparse.Namespace) -> int:
    extra = {"fixes": args.fixes} if args.fixes else {}
    if args.size and args.name == "replay":
        extra["size"] = args.size
    if args.size and args.name == "audit":
        extra["rows"] = args.size
    if getattr(args, "wall", False):
        if args.name != "live-map":
            print("gridcommand: --wall goes with `bench live-map`", file=sys.stderr)
            return 2
        extra["wall"] = True
    result = import_module(BENCHMARKS[args.name]).run(repeat=args.repeat, **extra)
    print(json.dumps(result, ensure_ascii=False))
    return 0
