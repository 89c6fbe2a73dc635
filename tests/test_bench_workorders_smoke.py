"""`gridcommand bench workorders` at a tiny size: registered, runs end to end, reports
the issue's keys, and its fast list agrees with the ORM baseline (checked inside)."""
from __future__ import annotations

from bench import workorders
from gridcommand.commands.bench import BENCHMARKS


def test_registered():
    assert BENCHMARKS["workorders"] == "bench.workorders"


def test_tiny_run_reports_the_figures():
    result = workorders.run(repeat=1, orders=300, databases=("sqlite",))
    figures = result["sqlite"]
    for key in ("orders", "list_median_ms", "list_p99_ms", "baseline_median_ms"):
        assert key in figures
    assert figures["orders"] == 300
    assert 0 < figures["list_rows"] < 300  # the open ones only
    assert figures["list_median_ms"] > 0 and figures["baseline_median_ms"] > 0
