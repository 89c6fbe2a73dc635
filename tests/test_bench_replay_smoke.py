"""The replay benchmark at a tiny size: it builds its database, loads, seeks, checks the
index against the SQL baseline and reports every key (the real run is
`gridcommand bench replay`)."""
from __future__ import annotations

import pytest

from bench import replay
from gridcommand.commands.bench import BENCHMARKS


def test_replay_is_registered():
    assert BENCHMARKS["replay"] == "bench.replay"


def test_a_tiny_replay_run_reports_every_key(tmp_path, monkeypatch):
    monkeypatch.setattr(replay.tempfile, "gettempdir", lambda: str(tmp_path))
    result = replay.run(repeat=1, size=3, hours=0.05, seeks=10, baseline_seeks=3, frames=4, window=False)
    assert result["fixes"] == 3 * 18 and result["units"] == 3
    for key in ("seek_median_ms", "seek_p99_ms", "baseline_seek_median_ms", "frame_core_median_ms", "rss_mib"):
        assert result[key] > 0, key
    assert result["load_s"] >= 0  # 54 fixes may load within the 10 ms it is rounded to
    assert result["progress_calls"] >= 1 and result["baseline_seeks"] == 3
    # The second run reuses the database it built.
    assert replay.run(repeat=1, size=3, hours=0.05, seeks=2, baseline_seeks=1, frames=1, window=False)["fixes"] == 54


@pytest.mark.webengine
def test_a_tiny_run_times_frames_in_the_replay_window(tmp_path, monkeypatch):
    monkeypatch.setattr(replay.tempfile, "gettempdir", lambda: str(tmp_path))
    result = replay.run(repeat=1, size=3, hours=0.05, seeks=2, baseline_seeks=1, frames=3)
    assert result["frame_median_ms"] > 0 and result["frame_page_median_ms"] >= 0
    assert result["frame_to_page_median_ms"] >= result["frame_median_ms"]
    assert result["frame_units"] == 3 and result["window_console_errors"] == []
