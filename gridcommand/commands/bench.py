"""`gridcommand bench NAME`: run a benchmark from bench/ and print its JSON."""
from __future__ import annotations

import argparse
import json
from importlib import import_module

BENCHMARKS = {"startup": "bench.startup", "ingest": "bench.ingest", "live-map": "bench.live_map",
              "recommend": "bench.recommend", "replay": "bench.replay"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement; medians are reported")
    parser.add_argument("--size", type=int, metavar="N", help="scale (replay: units, default 1000); others ignore it")


def run(args: argparse.Namespace) -> int:
    extra = {"size": args.size} if args.size and args.name == "replay" else {}
    result = import_module(BENCHMARKS[args.name]).run(repeat=args.repeat, **extra)
    print(json.dumps(result, ensure_ascii=False))
    return 0
