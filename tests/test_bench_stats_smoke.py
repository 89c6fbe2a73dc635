"""`gridcommand bench stats` at a tiny size, on both databases: registered, runs end to end,
reports the issue's keys, and the SQL figures agree with the naive ORM loop (checked inside)."""
from __future__ import annotations

from bench import stats
from gridcommand.commands.bench import BENCHMARKS


def test_registered():
    assert BENCHMARKS["stats"] == "bench.stats"


def test_tiny_run_reports_the_figures(pg_database):
    result = stats.run(repeat=1, incidents=600, fixes=4_000)
    for db in ("sqlite", "postgresql"):
        figures = result[db]
        assert {"incidents", "fixes", "month_s", "baseline_month_s"} <= set(figures)
        assert figures["incidents"] == 600 and figures["fixes"] == 4_000
        assert figures["month_s"] > 0 and figures["baseline_month_s"] > 0
        assert 0 < figures["grid_incidents"] < figures["city_incidents"]
