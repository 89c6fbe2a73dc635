"""Every benchmark runs in CI at a tiny size: its JSON has the documented keys and its
figures are finite and positive (issue 15). Timings are not judged here, only that the
benchmark still runs end to end and reports numbers that can be numbers.

A benchmark whose module cannot yet run at a tiny size says so by a skip naming the
knob it lacks (visible in the ``-ra`` summary)."""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from gridcommand.commands.bench import BENCHMARKS


def assert_figures(result: dict, positive: list[str], non_negative: list[str] = ()) -> None:
    """``positive`` keys hold finite numbers > 0, ``non_negative`` ones finite numbers >= 0;
    every other number anywhere in the result is finite; the result is plain JSON."""
    assert json.loads(json.dumps(result)) == result
    for key in positive:
        value = result[key]
        assert isinstance(value, (int, float)) and not isinstance(value, bool), (key, value)
        assert math.isfinite(value) and value > 0, (key, value)
    for key in non_negative:
        value = result[key]
        assert isinstance(value, (int, float)) and math.isfinite(value) and value >= 0, (key, value)

    def walk(value, path):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, f"{path}.{k}")
        elif isinstance(value, list):
            for i, v in enumerate(value):
                walk(v, f"{path}[{i}]")
        elif isinstance(value, float):
            assert math.isfinite(value), path
    walk(result, "result")


def _exercised(module: str) -> bool:
    """Does some test import bench module ``module`` and run it (``run(`` or ``measure(``)?"""
    short = module.rsplit(".", 1)[-1]
    for path in Path(__file__).parent.rglob("test_*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(rf"from bench import [\w, ]*\b{short}\b|import bench\.{short}\b", text) \
                and re.search(rf"\b{short}\.(run|measure)\(", text):
            return True
    return False


def test_every_benchmark_has_a_smoke_test():
    missing = sorted(name for name, module in BENCHMARKS.items() if not _exercised(module))
    assert not missing, f"benchmarks without a tiny-size test: {missing}"


def test_recommend_smoke(monkeypatch):
    from bench import recommend

    monkeypatch.setattr(recommend, "SAMPLES_PER_REPEAT", 4)
    result = recommend.run(repeat=1, units=300)
    assert_figures(result, ["straight_median_ms", "straight_p99_ms", "road_median_ms", "road_p99_ms",
                            "baseline_median_ms", "rings_median_ms", "all_routes_median_ms", "network_build_ms",
                            "first_road_ranking_ms", "units", "samples", "network_nodes", "network_segments",
                            "baseline_samples", "rows_shown"])
    assert result["units"] == 300 and result["samples"] == 4 and result["rows_shown"] == 20
    assert result["baseline_agrees"] is True  # the baseline does the same task
    assert result["road_p99_ms"] >= result["road_median_ms"]
    assert set(result["targets"]) == {"straight_median_ms", "road_median_ms"} and isinstance(result["met"], bool)


@pytest.mark.postgres
def test_ingest_smoke(monkeypatch, pg_database):
    from bench import ingest

    tiny = dict(units=10, connections=2, duration_s=1.0, warmup_s=0.2, ceiling_fixes=400)
    from bench import common

    monkeypatch.setattr(common, "PG_ADMIN_URL", pg_database)  # scratch databases beside the tests' one
    result = ingest.run(repeat=1, plan=ingest.Plan(**tiny))
    for db in ("sqlite", "postgresql"):
        part = result[db]
        assert_figures(part, ["fixes_per_s", "p50_ms", "p99_ms", "ceiling_per_s", "ratio_to_ceiling", "sent"],
                       ["lost"])
        assert part["serve_exit"] == 0
    assert result["target"] and all(isinstance(v, (int, float)) and v >= 0 for v in result["target"].values())


@pytest.mark.webengine
def test_startup_smoke():
    from bench import startup

    result = startup.run(repeat=1)
    assert_figures(result, ["startup_s", "baseline_s", "ratio", "peak_rss_mib", "cold_startup_s", "cold_ratio",
                            "runs"])
    assert len(result["startup_runs_s"]) == len(result["baseline_runs_s"]) == 1
    assert set(result["target"]) == {"ratio_max", "cold_ratio_max", "peak_rss_mib_max"}


@pytest.mark.webengine
def test_live_map_smoke():
    from bench import live_map

    result = live_map.run(repeat=1, units=60, batches=3, label_batches=2)
    assert_figures(result, ["median_ms", "p90_ms", "baseline_median_ms", "max_stall_ms", "rss_mib", "batches",
                            "ratio_to_baseline", "rss_sum_mib", "processes", "roundtrip_median_ms",
                            "commit_to_applied_median_ms", "payload_kib", "page_median_ms",
                            "baseline_page_median_ms", "labels_median_ms"])
    # The headline is end to end: it holds the page's own share and the channel's round trip.
    assert result["median_ms"] >= result["page_median_ms"]
    assert result["batches"] == result["baseline_batches"] == 3  # the baseline gets the same batches
    assert result["units_per_batch"] == 60
    assert result["console_errors"] == [] and result["processes"] >= 2  # the app and its renderer at least
