"""`gridcommand bench ingest`: OsmAnd HTTP ingest throughput and acknowledgement latency.

For SQLite (a temp file) and PostgreSQL (a temp database on 127.0.0.1, created
and dropped here): a real `gridcommand serve` subprocess, and a load generator
in another process that keeps CONNECTIONS keep-alive connections busy with
single-fix requests from DEVICES devices (closed loop: each connection sends
its next request when the previous one is answered). The baseline, measured in
the same run, is the database's batched-insert ceiling: ``store_fixes`` on the
same tables with batches of 1,000, no HTTP. The server, the load generator and
the database share this machine's cores; that is part of the setup.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

from bench.common import scratch_pg_database
UNITS = 500
DEVICES_PER_UNIT = 4
CONNECTIONS = 48
DURATION_S = 4.0
WARMUP_S = 1.0
CEILING_FIXES = 20_000
CEILING_BATCH = 1_000
# Fix times start here and advance one second per report of a device, so no
# two runs collide and nothing is in the future.
BASE_TIME = datetime(2025, 1, 1, tzinfo=timezone.utc)


def _device_ids() -> list[str]:
    return [f"BENCH-{u:04d}-{d}" for u in range(UNITS) for d in range(DEVICES_PER_UNIT)]


# --------------------------------------------------------------------------
# load generator (runs in its own process)
# --------------------------------------------------------------------------

class _Client(asyncio.Protocol):
    """One keep-alive connection sending single-fix GET requests back to back."""

    def __init__(self, devices: list[str], first_second: int, stats: dict, until: float, done: asyncio.Future):
        self.devices = devices
        self.second = first_second
        self.index = 0
        self.stats = stats
        self.until = until
        self.done = done
        self.buf = b""
        self.sent_at = 0.0
        self.rng = random.Random(first_second + len(devices))
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self._send()

    def _send(self) -> None:
        now = time.perf_counter()
        if now >= self.until:
            self.transport.close()
            if not self.done.done():
                self.done.set_result(None)
            return
        device = self.devices[self.index]
        self.index += 1
        if self.index == len(self.devices):
            self.index = 0
            self.second += 1
        stamp = int(BASE_TIME.timestamp()) + self.second
        lat = 32.68 + self.rng.uniform(-0.02, 0.02)
        lon = 112.08 + self.rng.uniform(-0.02, 0.02)
        request = (f"GET /?id={device}&lat={lat:.6f}&lon={lon:.6f}&timestamp={stamp}&speed=3.1&bearing=87"
                   f"&altitude=120&accuracy={self.rng.randint(3, 30)}&batt=77 HTTP/1.1\r\n"
                   f"Host: ingest\r\nUser-Agent: bench\r\n\r\n").encode()
        self.sent_at = time.perf_counter()
        self.stats["sent"] += 1
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        end = self.buf.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buf[:end].decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "content-length":
                length = int(value)
        if len(self.buf) < end + 4 + length:
            return
        self.buf = self.buf[end + 4 + length:]
        now = time.perf_counter()
        status = head[9:12]
        self.stats["answers"][status] = self.stats["answers"].get(status, 0) + 1
        if self.sent_at >= self.stats["measure_from"]:
            self.stats["latencies"].append(now - self.sent_at)
        self._send()

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_result(exc)


async def _load(port: int, devices: list[str], first_second: int, connections: int, duration: float,
                warmup: float) -> dict:
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    stats = {"sent": 0, "answers": {}, "latencies": [], "measure_from": start + warmup}
    futures = []
    for k in range(connections):
        done = loop.create_future()
        futures.append(done)
        mine = devices[k::connections]
        await loop.create_connection(lambda: _Client(mine, first_second, stats, start + duration, done),
                                     "127.0.0.1", port)
    await asyncio.gather(*futures)
    latencies = sorted(stats["latencies"])
    measured = len(latencies)
    return {
        "sent": stats["sent"],
        "answers": stats["answers"],
        "measured": measured,
        "window_s": duration - warmup,
        "p50_ms": 1000 * latencies[measured // 2] if measured else None,
        "p99_ms": 1000 * latencies[min(measured - 1, int(measured * 0.99))] if measured else None,
    }


def _load_process(port, devices, first_second, connections, duration, warmup, out) -> None:
    out.put(asyncio.run(_load(port, devices, first_second, connections, duration, warmup)))


# --------------------------------------------------------------------------
# databases and the server
# --------------------------------------------------------------------------

def _prepare(url: str):
    """Migrate, and add UNITS units with DEVICES_PER_UNIT devices each."""
    from sqlalchemy import insert

    from db.engine import make_engine
    from db.migrate import upgrade
    from db.models import Device, Unit

    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(timezone.utc)
    with engine.begin() as conn:
        conn.execute(insert(Unit), [
            {"id": u + 1, "callsign": f"BENCH-{u:04d}", "name": f"bench unit {u}", "agency": "joint",
             "force": "grid_patrol", "tier": 1, "travel_mode": "foot", "status": "available", "members": [],
             "kit": [], "simulated": True, "created_at": now, "version": 1}
            for u in range(UNITS)
        ])
        conn.execute(insert(Device), [
            {"device_id": device_id, "unit_id": index // DEVICES_PER_UNIT + 1, "kind": "phone", "active": True,
             "created_at": now}
            for index, device_id in enumerate(_device_ids())
        ])
    return engine


def _count(engine) -> int:
    from db.engine import session_factory
    from db.positions_repo import count_positions

    with session_factory(engine)() as session:
        return count_positions(session)


def _ceiling(engine, first_second: int) -> float:
    """Fixes per second through store_fixes with big batches, committed per batch."""
    from core.fixes import Fix
    from db.engine import session_factory
    from db.positions_repo import DeviceCache, store_fixes

    devices = _device_ids()
    rng = random.Random(first_second)
    fixes = []
    for n in range(CEILING_FIXES):
        second = first_second + n // len(devices)
        fixes.append(Fix(devices[n % len(devices)], 32.68 + rng.uniform(-0.02, 0.02), 112.08 + rng.uniform(-0.02, 0.02),
                         BASE_TIME + timedelta(seconds=second), accuracy_m=rng.randint(3, 30), speed_mps=1.6,
                         heading_deg=87.0, altitude_m=120.0, battery_pct=77.0, attributes={}))
    sessions = session_factory(engine)
    cache = DeviceCache()
    now = datetime.now(timezone.utc)
    start = time.perf_counter()
    for offset in range(0, len(fixes), CEILING_BATCH):
        with sessions() as session:
            outcomes = store_fixes(session, fixes[offset:offset + CEILING_BATCH], now, devices=cache)
            session.commit()
        assert not any(outcomes), outcomes[:3]
    return len(fixes) / (time.perf_counter() - start)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_server(url: str, port: int, home: str) -> subprocess.Popen:
    env = dict(os.environ, GRIDCOMMAND_HOME=home)
    proc = subprocess.Popen([sys.executable, "-m", "gridcommand.cli", "serve", "--db", url,
                             "--http", f"127.0.0.1:{port}", "--log-level", "WARNING"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"serve exited: {proc.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("serve did not start listening within 30 s")


def _stop_server(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    return proc.returncode


def _bench_database(url: str, repeat: int, home: str) -> dict:
    engine = _prepare(url)
    try:
        ceilings = [_ceiling(engine, 1_000_000 * (run + 1)) for run in range(max(1, min(repeat, 3)))]
        port = _free_port()
        server = _start_server(url, port, home)
        runs = []
        ctx = multiprocessing.get_context("spawn")
        try:
            for run in range(repeat):
                before = _count(engine)
                out = ctx.Queue()
                worker = ctx.Process(target=_load_process,
                                     args=(port, _device_ids(), 100_000 * run, CONNECTIONS, DURATION_S, WARMUP_S, out))
                worker.start()
                result = out.get(timeout=DURATION_S + 120)
                worker.join(30)
                result["stored"] = _count(engine) - before
                runs.append(result)
        finally:
            exit_code = _stop_server(server)
    finally:
        engine.dispose()
    ceiling = statistics.median(ceilings)
    fixes_per_s = statistics.median(r["measured"] / r["window_s"] for r in runs)
    sent = sum(r["sent"] for r in runs)
    stored = sum(r["stored"] for r in runs)
    answers: dict[str, int] = {}
    for r in runs:
        for status, n in r["answers"].items():
            answers[status] = answers.get(status, 0) + n
    return {
        "fixes_per_s": round(fixes_per_s),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
        "sent": sent,
        "stored": stored,
        "lost": sent - stored,
        "answers": answers,
        "ceiling_per_s": round(ceiling),
        "ratio_to_ceiling": round(fixes_per_s / ceiling, 3),
        "runs": repeat,
        "serve_exit": exit_code,
    }


def run(repeat: int = 5) -> dict:
    repeat = max(1, repeat)
    result = {
        "benchmark": "ingest",
        "setup": (f"{CONNECTIONS} keep-alive connections, {UNITS * DEVICES_PER_UNIT} devices, single-fix OsmAnd GET, "
                  f"closed loop, {DURATION_S - WARMUP_S:g} s measured after {WARMUP_S:g} s warm-up per run; "
                  f"load generator, server and database share {os.cpu_count()} cores; medians of {repeat} runs"),
        "target": {"fixes_per_s": 3000, "p99_ms": 100},
    }
    with tempfile.TemporaryDirectory(prefix="gridcommand-bench-ingest-") as home:
        result["sqlite"] = _bench_database(f"sqlite:///{os.path.join(home, 'ingest.sqlite')}", repeat, home)
        url, drop = scratch_pg_database()
        try:
            result["postgresql"] = _bench_database(url, repeat, home)
        finally:
            drop()
    return result
