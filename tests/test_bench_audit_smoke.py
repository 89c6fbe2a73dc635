"""`gridcommand bench audit` at a tiny size: its JSON has the documented keys and its
figures are finite and positive (timings are not judged here)."""
from __future__ import annotations

from test_bench_figures import assert_figures


def test_audit_bench_smoke():
    from bench import audit

    result = audit.run(repeat=1, rows=500)
    assert_figures(result, ["rows", "verify_rows_per_s", "verify_median_s", "verify_cpu_rows_per_s",
                            "read_rows_per_s", "ratio_to_read", "runs"])
    assert result["rows"] == 500 and set(result["target"]) == {"verify_rows_per_s_min"}
    assert isinstance(result["met"], bool)
