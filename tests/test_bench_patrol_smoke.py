"""The patrol benchmark at a tiny size: every key present, the product's figures sane
(the real run: `gridcommand bench patrol`, 10 M fixes)."""
from __future__ import annotations

from bench import patrol
from gridcommand.commands.bench import BENCHMARKS


def test_patrol_bench_runs_at_a_tiny_size():
    assert BENCHMARKS["patrol"] == "bench.patrol"
    result = patrol.run(repeat=1, fixes=4_000, live_seconds=7, live_devices=200,
                        baseline_sample=500)
    assert {"fixes", "seconds", "fixes_per_s", "baseline_fixes_per_s", "live_batch_ms"} <= set(result)
    assert result["fixes"] == 4_000 and result["seconds"] > 0 and result["live_batch_ms"] > 0
    assert result["events"] > 0  # the generated walks do stop at points and walk lines together
