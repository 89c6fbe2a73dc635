"""Cheap checks of the live-map benchmark's own parts; no Qt, no timings (the benchmark
itself is run with `gridcommand bench live-map`)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from bench import live_map
from gridcommand.commands.bench import BENCHMARKS


def test_live_map_is_registered():
    assert BENCHMARKS["live-map"] == "bench.live_map"


def test_every_unit_moves_in_every_batch_and_stays_in_the_city():
    bbox = (112.05, 32.65, 112.10, 32.70)
    before, after = live_map.positions(7, 500, bbox), live_map.positions(8, 500, bbox)
    assert len(before) == len(after) == 500
    assert all(a != b for a, b in zip(before, after))
    margin = 0.001  # the walking circles are at most 60 m
    assert all(bbox[0] - margin <= lon <= bbox[2] + margin and bbox[1] - margin <= lat <= bbox[3] + margin
               for lon, lat in after)
    assert live_map.positions(8, 500, bbox) == after  # deterministic


def test_first_fix_ms_reads_the_payload_format():
    from datetime import datetime, timezone

    from core.units import LastFix, UnitInfo
    from desktop.map.units_js import units_payload

    when = datetime(2025, 5, 1, 8, 0, 0, 123000, tzinfo=timezone.utc)
    units = [UnitInfo(unit_id=i, callsign=f"联勤{i}", name="", agency="joint", force="grid_patrol", tier=1,
                      travel_mode="foot", status="available", grid_code="G2",
                      last_fix=LastFix(time=when, lon=112.08, lat=32.68, accuracy_m=5.0, speed_mps=1.4))
             for i in range(3)]
    payload = units_payload(units, when, full=False, seq=1, stale_after_s=60, label_min_zoom=15)
    assert live_map._first_fix_ms(payload) == int(when.timestamp() * 1000)
    assert live_map._first_fix_ms(json.dumps({"rows": []})) is None


def test_memory_counts_the_root_and_its_webengine_children_only():
    # A root process with two children: one named like a QtWebEngine renderer, one plain.
    code = ("import subprocess, sys, time\n"
            "fake = subprocess.Popen(['QtWebEngineProcess', '60'], executable='/bin/sleep')\n"
            "plain = subprocess.Popen(['sleep', '60'])\n"
            "print(fake.pid, plain.pid, flush=True)\n"
            "time.sleep(60)\n")
    root = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    fake, plain = map(int, root.stdout.readline().split())
    try:
        memory = live_map.browser_memory_mib(root.pid)
        assert memory["processes"] == 2  # the root and the renderer; never the plain child
        assert memory["pss_by_process_mib"]["python"] > 3  # an interpreter is several MiB
        assert memory["pss_mib"] == pytest.approx(sum(memory["pss_by_process_mib"].values()), abs=0.15)
        assert memory["rss_mib"] >= memory["pss_mib"] > 0
        # Once the renderer is gone (a zombie: the root never reaps it) only the root counts.
        os.kill(fake, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while live_map.browser_memory_mib(root.pid)["processes"] != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        after = live_map.browser_memory_mib(root.pid)
        assert after["processes"] == 1 and after["pss_by_process_mib"]["webengine"] == 0
    finally:
        root.kill()
        root.wait()
        for pid in (fake, plain):
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


def test_response_benchmark_measures_a_detected_arrival(tmp_path):
    from bench import response

    assert BENCHMARKS["response"] == "bench.response"
    result = response.measure(1, tmp_path)
    assert result["incidents"] == 1 and result["missed"] == 0
    assert result["sign_off_s"]["median"] == 5.0  # the [demo] terminal sign-off default
    arrival, turn_out = result["arrival_s"]["median"], result["turn_out_s"]["median"]
    assert 0 < turn_out < arrival and result["drive_s"]["median"] == round(arrival - turn_out, 1)
    assert 0.5 < result["arrival_vs_eta"] < 1.5


def test_memory_covers_this_process():
    memory = live_map.browser_memory_mib(os.getpid())
    # This process, plus any QtWebEngine children earlier tests left running.
    assert memory["processes"] >= 1 and memory["pss_mib"] > 0 and memory["rss_mib"] >= memory["pss_mib"]


def test_live_map_wall_mode_has_its_target_and_only_goes_with_live_map(capsys):
    import inspect

    from gridcommand.cli import build_parser
    from gridcommand.commands import bench

    assert inspect.signature(live_map.run).parameters["wall"].default is False
    assert live_map.WALL_TARGET == {**live_map.TARGET, "rss_mib_max": 700}
    args = build_parser().parse_args(["bench", "startup", "--wall"])
    assert bench.run(args) == 2
    assert "--wall goes with `bench live-map`" in capsys.readouterr().err
