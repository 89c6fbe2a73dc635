"""`gridcommand bench replay`: loading a day of history and seeking in it (issue 11).

The database: 1,000 units (one device each) x 24 h at one fix per 10 s = 8.64 million
fixes in a SQLite file, written time-major (every device's fix for 08:00:00, then
for 08:00:10, ...) as the ingest server writes them, walking around the demo city.
It is built once and kept in the temp directory (building it is not timed); the
operating system's file cache is warm when the load is timed.

- ``load_s``: ``db.history.load_fixes`` for the whole window, with its progress
  callback (``progress_calls`` says how often it was called); ``load_cpu_s`` the CPU
  time this process spent on it (on a shared machine the two differ);
- ``seek_*``: a random time in the window, each unit placed where its newest fix at
  or before that time put it: ``PositionIndex.at`` + ``units_at``;
- ``baseline_seek_median_ms`` (same run): the SQL "newest fix <= T per device" query
  (``db.history.newest_fixes_at``, one index seek per device) + the same ``units_at``;
  the two answers are checked equal;
- ``frame_median_ms``: at 600x and 60 frames/s replay time moves 10 s a frame; one
  frame is the replay window's real path, timed in a child process that opens the
  window on this database (``bench.replay_window``): ``ReplayController.render`` —
  the state at T, every unit through the LiveModel and the scene to the page's
  bridge, the docks, incidents, dispatch lines, the timeline. ``frame_page_median_ms``
  is the page's own work on that batch, ``frame_to_page_median_ms`` render start to
  the page's "applied". ``frame_core_median_ms`` (``frame_core_cpu_median_ms`` its CPU
  time) is the part without Qt: the seek + every unit's map row and the JSON payload
  (``desktop.map.units_js.units_payload``);
- ``rss_mib``: this process's resident memory with the index loaded (VmRSS),
  ``peak_rss_mib`` its high-water mark (VmHWM).

Targets: load <= 20 s, seek median <= 50 ms (p99 <= 100), frame <= 16 ms, memory <= 1.5 GiB.
"""
from __future__ import annotations

import math
import os
import random
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from bench.common import median, percentile

UNITS = 1000
HOURS = 24.0
STEP_S = 10
SEEKS = 200
BASELINE_SEEKS = 25
FRAMES = 120
SEED = 20250501
START = datetime(2025, 5, 1, 0, 0, tzinfo=timezone.utc)
CENTRE = (112.08, 32.68)  # Dengzhou (docs/domain.md)
_FORMAT_VERSION = 1


def _db_path(units: int, hours: float) -> Path:
    return Path(tempfile.gettempdir()) / f"gridcommand-bench-replay-v{_FORMAT_VERSION}-{units}u-{hours:g}h.sqlite"


def build_database(path: Path, units: int, hours: float) -> int:
    """Migrate, add the units and their devices, and write the fixes; returns the fix count."""
    from sqlalchemy import insert

    from db.engine import make_engine
    from db.migrate import upgrade
    from db.models import Device, Unit

    path.unlink(missing_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as conn:
        conn.execute(insert(Unit), [
            {"id": u + 1, "callsign": f"R{u + 1:04d}", "name": f"replay unit {u + 1}", "agency": "joint",
             "force": "grid_patrol", "tier": 1, "travel_mode": "foot", "status": "available", "members": [],
             "kit": [], "simulated": True, "created_at": START, "version": 1} for u in range(units)])
        conn.execute(insert(Device), [
            {"device_id": f"replay-{u + 1:04d}", "unit_id": u + 1, "kind": "phone", "active": True,
             "created_at": START} for u in range(units)])
    engine.dispose()
    # Straight through the driver: building 8.64 million rows through the ORM would take
    # longer than everything measured.
    rng = np.random.default_rng(SEED)
    lon = CENTRE[0] + rng.uniform(-0.03, 0.03, units)
    lat = CENTRE[1] + rng.uniform(-0.03, 0.03, units)
    devices = [f"replay-{u + 1:04d}" for u in range(units)]
    unit_ids = list(range(1, units + 1))
    steps = int(hours * 3600 / STEP_S)

    def rows():
        nonlocal lon, lat
        for step in range(steps):
            stamp = (START + timedelta(seconds=step * STEP_S)).strftime("%Y-%m-%d %H:%M:%S.%f")
            lon = lon + rng.normal(0, 1.2e-4, units)  # about 1.4 m/s on foot
            lat = lat + rng.normal(0, 1.0e-4, units)
            yield from zip(devices, unit_ids, [stamp] * units, [stamp] * units, lon.tolist(), lat.tolist(),
                           [8.0] * units)

    conn = sqlite3.connect(path)
    try:
        # A scratch file: no journal, and a page cache big enough for the indexes, which
        # time-major rows hit all over (the device index) as a busy server's would.
        conn.execute("PRAGMA journal_mode=OFF")
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA cache_size=-3000000")
        conn.executemany(
            "INSERT INTO positions (device_id, unit_id, fix_time, received_at, lon, lat, accuracy_m, protocol, "
            "attributes) VALUES (?, ?, ?, ?, ?, ?, ?, 'osmand', '{}')", rows())
        conn.execute("CREATE TABLE bench_complete (fixes INTEGER)")
        conn.execute("INSERT INTO bench_complete VALUES (?)", (steps * units,))
        conn.commit()
    finally:
        conn.close()
    return steps * units


def _ensure_database(units: int, hours: float) -> tuple[Path, int]:
    path = _db_path(units, hours)
    if path.exists():
        try:
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
                return path, int(conn.execute("SELECT fixes FROM bench_complete").fetchone()[0])
        except sqlite3.Error:
            pass  # an interrupted build: build again
    return path, build_database(path, units, hours)


def _memory_mib() -> tuple[float, float]:
    figures = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                figures[line.split(":")[0]] = int(line.split()[1]) / 1024
    return round(figures.get("VmRSS", math.nan), 1), round(figures.get("VmHWM", math.nan), 1)


def _placed(index_devices, state, units_at) -> dict[int, tuple[str, int, float, float]]:
    return {unit: (index_devices[code], int(state.time_ms[code]), float(state.lon[code]), float(state.lat[code]))
            for unit, code in units_at(state).items()}


def run(repeat: int = 5, size: int | None = None, hours: float = HOURS, seeks: int = SEEKS,
        baseline_seeks: int = BASELINE_SEEKS, frames: int = FRAMES, window: bool = True) -> dict:
    """``window`` False leaves out the replay window's frames (no browser: quick smoke tests)."""
    from core.playback import DeviceState, from_ms, ms, unit_fixes, units_at
    from core.units import UnitInfo
    from db.engine import make_engine, session_factory
    from db.history import load_fixes, newest_fixes_at
    from desktop.map.units_js import units_payload

    # ``repeat`` is accepted for the command's sake; every figure is already a median of many.
    units = size or UNITS
    path, fixes = _ensure_database(units, hours)
    end = START + timedelta(hours=hours)
    engine = make_engine(f"sqlite:///{path}")
    rng = random.Random(SEED)
    try:
        with session_factory(engine)() as session:
            calls = []
            started, cpu = time.perf_counter(), time.process_time()
            index = load_fixes(session, START, end, progress=lambda n, done: calls.append((n, done)))
            load_s, load_cpu_s = time.perf_counter() - started, time.process_time() - cpu
            rss, _ = _memory_mib()
            if len(index) != fixes:
                raise RuntimeError(f"loaded {len(index)} fixes, the database holds {fixes}")
            window_ms = int((end - START).total_seconds() * 1000)
            start_ms = ms(START)

            seek_ms = []
            for _ in range(seeks):
                at = start_ms + rng.randrange(window_ms)
                t0 = time.perf_counter()
                placed = units_at(index.at(at))
                seek_ms.append((time.perf_counter() - t0) * 1000)
            assert len(placed) <= units

            baseline_ms = []
            for _ in range(baseline_seeks):
                at = start_ms + rng.randrange(window_ms)
                t0 = time.perf_counter()
                rows = newest_fixes_at(session, from_ms(at))
                n = len(rows)
                state = DeviceState(at, np.arange(n), np.ones(n, bool), np.fromiter((r[2] for r in rows), np.int64, n),
                                    np.fromiter((r[3] for r in rows), float, n),
                                    np.fromiter((r[4] for r in rows), float, n),
                                    np.fromiter((r[5] for r in rows), np.float32, n),
                                    np.fromiter((r[1] for r in rows), np.int32, n))
                sql_placed = _placed([r[0] for r in rows], state, units_at)
                baseline_ms.append((time.perf_counter() - t0) * 1000)
                if sql_placed != _placed(index.devices, index.at(at), units_at):
                    raise RuntimeError(f"index and SQL disagree at {from_ms(at).isoformat()}")

            info = [UnitInfo(unit_id=u + 1, callsign=f"R{u + 1:04d}", name="", agency="joint", force="grid_patrol",
                             tier=1, travel_mode="foot", status="available", grid_code=None) for u in range(units)]
            frame_ms, frame_cpu_ms = [], []
            at = start_ms + rng.randrange(max(1, window_ms - frames * 10_000))
            for seq in range(frames):
                at += 10_000  # 600x at 60 frames per second
                t0, c0 = time.perf_counter(), time.process_time()
                fixes_now = unit_fixes(index.at(at), index.devices)
                rows_now = [info[unit_id - 1].with_fix(fix) for unit_id, fix in fixes_now.items()]
                units_payload(rows_now, from_ms(at), full=False, seq=seq, stale_after_s=60, label_min_zoom=15)
                frame_ms.append((time.perf_counter() - t0) * 1000)
                frame_cpu_ms.append((time.process_time() - c0) * 1000)
    finally:
        engine.dispose()
    _, peak = _memory_mib()
    if window:
        from bench.replay_window import measure

        in_window = measure(path, START, hours, frames)
    else:
        in_window = {"frame_median_ms": None, "frame_note": "the window was not measured (window=False)"}
    return {
        "fixes": fixes, "units": units, "hours": hours, "load_s": round(load_s, 2),
        "load_cpu_s": round(load_cpu_s, 2), "progress_calls": len(calls),
        "seek_median_ms": round(median(seek_ms), 3), "seek_p99_ms": round(percentile(seek_ms, 99), 3),
        "baseline_seek_median_ms": round(median(baseline_ms), 2),
        "frame_core_median_ms": round(median(frame_ms), 2),
        "frame_core_cpu_median_ms": round(median(frame_cpu_ms), 2),
        **in_window,
        "rss_mib": rss, "peak_rss_mib": peak, "seeks": len(seek_ms), "baseline_seeks": len(baseline_ms),
        "database": str(path), "database_mib": round(os.path.getsize(path) / 2**20, 1),
    }
