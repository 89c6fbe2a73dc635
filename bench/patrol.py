"""`gridcommand bench patrol [--fixes N]`: patrol detection over stored history and live.

Setup (not timed): a fresh SQLite database with the demo city (18 must-visit points,
10 must-patrol lines, 16 stations) and 100 joint groups, each with a police and a city
device: 200 devices reporting every 25 s for as many days as ``fixes`` needs (10 M
fixes: 14 days). Each group walks between must-visit points and random spots at
1.5 m/s and stays 3-8 minutes at each stop; the city device keeps within ~10 m of
the police one, except on one leg in five when it works 150 m away.

- ``seconds``/``fixes_per_s``: `patrol rebuild` over the whole history, the product's
  own operation: reading every fix from the database, detection, and writing the events.
- ``baseline_fixes_per_s``: a naive loop over a sample of the same fixes: per fix,
  project it with pyproj, build a shapely Point and take its distance to every point
  and line (no database read: the baseline is flattered, not us).
- ``live_batch_ms``: the live path (make_batch + PatrolDetector.add, what `serve`'s
  patrol thread runs per batch) at 5,000 fixes/s: 5,000 devices (2,500 joint groups)
  reporting once a second, in batches of 500 (the ingest writer's largest batch),
  for ``LIVE_SECONDS`` simulated seconds; median ms per batch (p95 beside it), and
  ``live_busy_share``: detector time per simulated second (< 1 keeps up).
"""
from __future__ import annotations

import json
import math
import sqlite3
import tempfile
import time
from datetime import datetime, timedelta, timezone
from importlib import resources
from pathlib import Path

import numpy as np

from bench.common import median, percentile

FIXES = 10_000_000
GROUPS = 100
INTERVAL_S = 25.0
SPEED_MPS = 1.5
LIVE_DEVICES = 5000
LIVE_BATCH = 500
LIVE_SECONDS = 60
BASELINE_SAMPLE = 20_000
START = datetime(2026, 6, 1, tzinfo=timezone.utc)
SEED = 20260601
M_LAT = 1 / 110_900.0


def _demo(name: str) -> dict:
    return json.loads(resources.files("resources").joinpath("demo", f"{name}.geojson").read_text(encoding="utf-8"))


def _targets() -> tuple[np.ndarray, tuple[float, float, float, float]]:
    from core.geodesy import bbox_of

    points = np.array([f["geometry"]["coordinates"] for f in _demo("points")["features"]])
    boxes = [bbox_of(f["geometry"]["coordinates"]) for f in _demo("grids")["features"]]
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    return points, bbox


def group_track(rng: np.random.Generator, seconds: float, points: np.ndarray, bbox) -> tuple[np.ndarray, ...]:
    """Knots (t, lon, lat, apart) of one group's walk: stops at points or random spots."""
    m_lon = 1 / (111_320.0 * math.cos(math.radians(points[:, 1].mean())))
    t, lon, lat = [0.0], [rng.uniform(bbox[0], bbox[2])], [rng.uniform(bbox[1], bbox[3])]
    apart = [False]
    while t[-1] < seconds:
        if rng.random() < 0.6:
            x, y = points[rng.integers(len(points))]
        else:
            x, y = rng.uniform(bbox[0], bbox[2]), rng.uniform(bbox[1], bbox[3])
        dist = math.hypot((x - lon[-1]) / m_lon, (y - lat[-1]) / M_LAT)
        leg_apart = rng.random() < 0.2
        t.append(t[-1] + dist / SPEED_MPS)
        lon.append(x)
        lat.append(y)
        apart.append(leg_apart)
        t.append(t[-1] + rng.uniform(180, 480))  # the stop
        lon.append(x)
        lat.append(y)
        apart.append(leg_apart)
    return np.array(t), np.array(lon), np.array(lat), np.array(apart), m_lon


def fixes_for_group(rng, seconds: float, points, bbox, offset_s: float):
    """(t, lon, lat) for the group's police and city devices, every INTERVAL_S from offset_s."""
    kt, klon, klat, kapart, m_lon = group_track(rng, seconds, points, bbox)
    times = np.arange(offset_s, seconds, INTERVAL_S)
    lon = np.interp(times, kt, klon)
    lat = np.interp(times, kt, klat)
    apart = kapart[np.clip(np.searchsorted(kt, times), 0, len(kt) - 1)]
    noise = rng.normal(0, 4.0, (4, len(times)))
    police = (times, lon + noise[0] * m_lon, lat + noise[1] * M_LAT)
    away = np.where(apart, 150.0, 6.0)
    city_t = times + 3.0
    city = (city_t, lon + (away + noise[2]) * m_lon, lat + noise[3] * M_LAT)
    return police, city


def setup_database(path: Path, fixes: int) -> tuple[str, int, datetime, datetime]:
    """The demo city, 100 joint groups with 200 devices and ``fixes`` stored fixes."""
    from db.engine import make_engine, session_factory
    from db.migrate import upgrade
    from db.models import Device, Unit
    from db.importer import import_file
    from db.operations import Actor, OperationRunner

    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    runner = OperationRunner(engine, Actor("bench", "bench"))
    for layer in ("grids", "stations", "points", "lines"):  # the demo city's places; streets are not needed
        with resources.as_file(resources.files("resources").joinpath("demo", f"{layer}.geojson")) as demo:
            import_file(runner, Path(demo), layer)
    with session_factory(engine)() as s, s.begin():
        unit_ids = []
        for g in range(GROUPS):
            unit = Unit(callsign=f"BENCH-{g:03d}", name=f"bench group {g}", agency="joint", force="grid_patrol",
                        tier=1, created_at=START)
            s.add(unit)
            s.flush()
            unit_ids.append(unit.id)
            s.add(Device(device_id=f"BP-{g:03d}", unit_id=unit.id, agency="police", created_at=START))
            s.add(Device(device_id=f"BC-{g:03d}", unit_id=unit.id, agency="city", created_at=START))
    engine.dispose()
    seconds = fixes / (2 * GROUPS) * INTERVAL_S
    points, bbox = _targets()
    rng = np.random.default_rng(SEED)
    tracks = []
    for g in range(GROUPS):
        police, city = fixes_for_group(rng, seconds, points, bbox, rng.uniform(0, INTERVAL_S))
        tracks.append((f"BP-{g:03d}", unit_ids[g], police))
        tracks.append((f"BC-{g:03d}", unit_ids[g], city))
    t = np.concatenate([tr[2][0] for tr in tracks])
    order = np.argsort(t, kind="stable")[:fixes]  # stored in arrival (time) order, as ingest would
    dev = np.concatenate([np.full(len(tr[2][0]), k) for k, tr in enumerate(tracks)])[order]
    lon = np.concatenate([tr[2][1] for tr in tracks])[order]
    lat = np.concatenate([tr[2][2] for tr in tracks])[order]
    t = t[order]
    base = START.replace(tzinfo=None)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    names = [tr[0] for tr in tracks]
    units = [tr[1] for tr in tracks]
    chunk = 200_000
    for a in range(0, len(t), chunk):
        rows = [(names[d], units[d], (base + timedelta(seconds=round(float(s), 3))).isoformat(sep=" ", timespec="microseconds"),
                 base.isoformat(sep=" ", timespec="microseconds"), float(x), float(y))
                for d, s, x, y in zip(dev[a:a + chunk], t[a:a + chunk], lon[a:a + chunk], lat[a:a + chunk])]
        conn.executemany("INSERT INTO positions (device_id, unit_id, fix_time, received_at, lon, lat, accuracy_m,"
                         " protocol, attributes) VALUES (?, ?, ?, ?, ?, ?, 5.0, 'osmand', '{}')", rows)
        conn.commit()
    conn.close()
    return url, len(t), START, START + timedelta(seconds=seconds + INTERVAL_S)


def _baseline(url: str, sample: int) -> float:
    """Fixes per second of the naive per-fix loop over the first ``sample`` stored fixes."""
    from shapely.geometry import LineString, Point

    from core.crs import metric_transformer

    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    rows = conn.execute("SELECT lon, lat FROM positions ORDER BY id LIMIT ?", (sample,)).fetchall()
    conn.close()
    fwd, _ = metric_transformer(112.08)
    pts = [(Point(fwd(*p["geometry"]["coordinates"])), p["properties"].get("radius_m", 50))
           for p in _demo("points")["features"]]
    lines = [(LineString([fwd(*c) for c in f["geometry"]["coordinates"]]), f["properties"].get("corridor_m", 30))
             for f in _demo("lines")["features"]]
    started = time.perf_counter()
    hits = 0
    for lon, lat in rows:
        here = Point(fwd(lon, lat))
        hits += sum(1 for p, r in pts if here.distance(p) <= r)
        hits += sum(1 for line, b in lines if here.distance(line) <= b)
    elapsed = time.perf_counter() - started
    return len(rows) / elapsed


def _live(url: str, seconds: int, devices: int = LIVE_DEVICES, batch_size: int = LIVE_BATCH) -> tuple[list[float], float]:
    """Per-batch ms of the live path at LIVE_DEVICES fixes per second, and the busy share."""
    from core.fixes import Fix
    from core.patrol_detect import CITY, POLICE, PatrolDetector
    from core.settings import PatrolSettings
    from db.engine import make_engine, session_factory
    from db.patrol_repo import DeviceBook, fixes_batch, load_places

    engine = make_engine(url)
    settings = PatrolSettings()
    with session_factory(engine)() as s:
        places = load_places(s, settings)
    engine.dispose()
    points, bbox = _targets()
    rng = np.random.default_rng(SEED + 1)
    groups = devices // 2
    book = DeviceBook()
    sides = []
    tracks = []
    t0 = START.timestamp()
    for g in range(groups):  # one fix a second from each device
        police, city = fixes_for_group(rng, seconds + 1, points, bbox, 0.0)
        for name, track, side in ((f"LP-{g:04d}", police, POLICE), (f"LC-{g:04d}", city, CITY)):
            book.index[name] = len(book.names)
            book.names.append(name)
            book.unit[name] = 100_000 + g
            sides.append(side)
            secs = np.arange(seconds, dtype=float) + (0.0 if side == POLICE else 0.5)
            tracks.append((name, secs, np.interp(secs, track[0], track[1]), np.interp(secs, track[0], track[2])))
    book.side_of = np.array(sides, dtype=np.int8)
    detector = PatrolDetector(places, book.names, settings)
    timings, busy = [], 0.0
    for second in range(seconds):
        when = datetime.fromtimestamp(t0 + second, timezone.utc)
        fixes = [Fix(name, float(lat[second]), float(lon[second]),
                     datetime.fromtimestamp(t0 + secs[second], timezone.utc), accuracy_m=5.0)
                 for name, secs, lon, lat in tracks]
        for a in range(0, len(fixes), batch_size):
            started = time.perf_counter()
            detector.add(fixes_batch(book, fixes[a:a + batch_size], when))
            elapsed = time.perf_counter() - started
            busy += elapsed
            if second >= 5:  # after the first seconds' warm-up
                timings.append(elapsed * 1000)
    return timings, busy / seconds


def run(repeat: int = 1, fixes: int = FIXES, live_seconds: int = LIVE_SECONDS, live_devices: int = LIVE_DEVICES,
        baseline_sample: int = BASELINE_SAMPLE) -> dict:
    from core.clock import FixedClock
    from core.settings import PatrolSettings
    from db.engine import make_engine
    from db.operations import Actor, OperationRunner
    from db.patrol_repo import rebuild

    with tempfile.TemporaryDirectory(prefix="bench-patrol-") as tmp:
        prepared = time.perf_counter()
        url, stored, start, end = setup_database(Path(tmp) / "patrol.sqlite", fixes)
        setup_s = time.perf_counter() - prepared
        runs, results = [], []
        for _ in range(max(1, repeat)):
            engine = make_engine(url)
            runner = OperationRunner(engine, Actor("bench", "bench"), FixedClock(end))
            started = time.perf_counter()
            result = rebuild(runner, start, end, PatrolSettings())
            runs.append(time.perf_counter() - started)
            results.append(result)
            engine.dispose()
        baseline = _baseline(url, min(baseline_sample, stored))
        live_ms, busy_share = _live(url, live_seconds, live_devices)
    seconds = median(runs)
    return {
        "fixes": stored,
        "seconds": round(seconds, 2),
        "fixes_per_s": round(stored / seconds),
        "baseline_fixes_per_s": round(baseline),
        "speedup": round(stored / seconds / baseline, 1),
        "events": results[-1].added,
        "live_batch_ms": round(median(live_ms), 2),
        "live_batch_p95_ms": round(percentile(live_ms, 95), 2),
        "live_batch_fixes": LIVE_BATCH,
        "live_fixes_per_s": live_devices,
        "live_busy_share": round(busy_share, 3),
        "runs": len(runs),
        "setup_s": round(setup_s, 1),
    }
