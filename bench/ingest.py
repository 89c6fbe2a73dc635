"""`gridcommand bench ingest`: OsmAnd HTTP ingest throughput and acknowledgement latency.

What a user gets: a real `gridcommand serve` subprocess on SQLite (a temp file) and
on PostgreSQL (a temp database on 127.0.0.1, created and dropped here), and a load
generator in another process that keeps CONNECTIONS keep-alive connections busy
with single-fix requests from DEVICES devices (closed loop: each connection sends
its next request when the previous one is answered).

Every run gets its own fresh database, and every fix carries the current time in
milliseconds, strictly increasing per device: each one is its device's new newest
fix, so every fix takes the live path (history insert, last-position upsert,
revision bump, NOTIFY), never the cheaper late-fix path.

Figures per database (medians over the runs):
- ``fixes_per_s``: 2xx answers received in the measured window / its length;
- ``p50_ms``/``p99_ms``: request sent -> answer received, for requests sent in the window;
- ``lost``: fixes answered 2xx whose (device, time) is not in the database after the
  server stopped (ids compared, not row counts); must be 0;
- ``rejected`` (4xx) and ``unavailable`` (5xx) answers, counted apart from ``answers``' 2xx;
- ``ceiling_per_s``: the batched-insert ceiling, ``store_fixes`` with batches of 1,000
  fresh fixes straight into a fresh database, no HTTP, measured in the same run.

``reference_per_s``: a bare responder on the same event loop as `serve` that reads
each request, parses its query and answers 200 without storing anything, driven by
the same load generator: the machine's limit for this load, so the ratio shows how
much of it storing costs. The server, the load generator and the database share the
machine's cores; ``load_before`` is the 1-minute load average when each database's
runs began (other processes' load is part of what was measured).
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
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from bench.common import scratch_pg_database

UNITS = 500
DEVICES_PER_UNIT = 4
CONNECTIONS = 48
DURATION_S = 5.0
WARMUP_S = 1.0
CEILING_FIXES = 20_000
CEILING_BATCH = 1_000
# `serve --workers N` for the HTTP runs (GRIDCOMMAND_BENCH_WORKERS; default one process).
WORKERS = int(os.environ.get("GRIDCOMMAND_BENCH_WORKERS", "1"))
WORKER_START_S = 5.0


@dataclass(frozen=True)
class Plan:
    """The sizes of one benchmark run (the smoke test uses tiny ones)."""

    units: int = UNITS
    connections: int = CONNECTIONS
    duration_s: float = DURATION_S
    warmup_s: float = WARMUP_S
    ceiling_fixes: int = CEILING_FIXES
    workers: int = WORKERS
    databases: tuple[str, ...] = ("sqlite", "postgresql")


def _device_ids(units: int = UNITS) -> list[str]:
    return [f"BENCH-{u:04d}-{d}" for u in range(units) for d in range(DEVICES_PER_UNIT)]


def _home(device_id: str) -> tuple[float, float]:
    """A unit's place in the city (lat, lon); its fixes stay within ~10 m of it, so no fix
    implies an impossible speed (which would keep it off the live path)."""
    unit = int(device_id.split("-")[1])
    return 32.66 + (unit % 25) * 0.002, 112.06 + (unit // 25) * 0.002


def install_fast_loop() -> str:
    """uvloop if installed (as `serve` does), else the stdlib loop; returns its name."""
    try:
        import uvloop
    except ImportError:
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"


# --------------------------------------------------------------------------
# load generator (runs in its own process)
# --------------------------------------------------------------------------

def _cut_head(buf: bytes) -> tuple[bytes, bytes] | None:
    """(message head, what follows its blank line), or None while the head is incomplete."""
    end = buf.find(b"\r\n\r\n")
    return None if end < 0 else (buf[:end], buf[end + 4:])


class _Client(asyncio.Protocol):
    """One keep-alive connection sending single-fix GET requests back to back."""

    def __init__(self, devices: list[str], stats: dict, until: float, done: asyncio.Future, seed: int):
        self.devices = devices
        self.homes = [_home(device) for device in devices]
        self.last_ms = [0] * len(devices)
        self.index = 0
        self.stats = stats
        self.until = until
        self.done = done
        self.buf = b""
        self.sent_at = 0.0
        self.in_flight: tuple[int, int] | None = None
        self.rng = random.Random(seed)
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        self._send()

    def _finish(self, result=None) -> None:
        if self.transport is not None:
            self.transport.close()
        if not self.done.done():
            self.done.set_result(result)

    def _send(self) -> None:
        if time.perf_counter() >= self.until:
            self._finish()
            return
        index = self.index
        self.index = (index + 1) % len(self.devices)
        # The current time, strictly increasing per device: always its newest fix.
        stamp = max(int(time.time() * 1000), self.last_ms[index] + 1)
        self.last_ms[index] = stamp
        rng = self.rng
        lat, lon = self.homes[index]
        request = (f"GET /?id={self.devices[index]}&lat={lat + rng.uniform(-1e-4, 1e-4):.6f}"
                   f"&lon={lon + rng.uniform(-1e-4, 1e-4):.6f}&timestamp={stamp}&speed=3.1&bearing=87"
                   f"&altitude=120&accuracy={rng.randint(3, 30)}&batt=77 HTTP/1.1\r\n"
                   f"Host: ingest\r\nUser-Agent: bench\r\n\r\n").encode()
        self.in_flight = (index, stamp)
        self.sent_at = time.perf_counter()
        self.stats["sent"] += 1
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while (cut := _cut_head(self.buf)) is not None:
            head, rest = cut
            at = head.find(b"Content-Length:")  # as `serve` spells it
            length = int(head[at + 15:].split(b"\r\n", 1)[0]) if at >= 0 else 0
            if len(rest) < length:
                return
            self.buf = rest[length:]
            self._answered(head[9:12].decode())

    def _answered(self, status: str) -> None:
        now = time.perf_counter()
        stats = self.stats
        stats["answers"][status] = stats["answers"].get(status, 0) + 1
        if status[0] == "2":
            index, stamp = self.in_flight
            stats["acked"].append((self.devices[index], stamp))
            if stats["measure_from"] <= now <= self.until:
                stats["ok_in_window"] += 1
        if self.sent_at >= stats["measure_from"]:
            stats["latencies"].append(now - self.sent_at)
        self.in_flight = None
        self._send()

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_result(exc)


async def _load(port: int, devices: list[str], connections: int, duration: float, warmup: float) -> dict:
    loop = asyncio.get_running_loop()
    start = time.perf_counter()
    stats = {"sent": 0, "answers": {}, "latencies": [], "acked": [], "ok_in_window": 0,
             "measure_from": start + warmup}
    futures = []
    for k in range(connections):
        done = loop.create_future()
        futures.append(done)
        mine = devices[k::connections]
        await loop.create_connection(lambda: _Client(mine, stats, start + duration, done, k), "127.0.0.1", port)
    await asyncio.gather(*futures)
    latencies = sorted(stats["latencies"])
    measured = len(latencies)
    window = duration - warmup
    return {
        "sent": stats["sent"],
        "answers": stats["answers"],
        "acked": stats["acked"],
        "per_s": stats["ok_in_window"] / window,
        "p50_ms": 1000 * latencies[measured // 2] if measured else None,
        "p99_ms": 1000 * latencies[min(measured - 1, int(measured * 0.99))] if measured else None,
    }


def _load_process(port, devices, connections, duration, warmup, out) -> None:
    install_fast_loop()
    out.put(asyncio.run(_load(port, devices, connections, duration, warmup)))


def _drive(port: int, devices: list[str], plan: Plan) -> dict:
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    worker = ctx.Process(target=_load_process,
                         args=(port, devices, plan.connections, plan.duration_s, plan.warmup_s, out))
    worker.start()
    try:
        return out.get(timeout=plan.duration_s + 120)
    finally:
        worker.join(30)


# --------------------------------------------------------------------------
# the reference: a bare responder that stores nothing
# --------------------------------------------------------------------------

class _Responder(asyncio.Protocol):
    def connection_made(self, transport) -> None:
        self.transport = transport
        self.buf = b""

    def data_received(self, data: bytes) -> None:
        from urllib.parse import parse_qs

        self.buf += data
        while (cut := _cut_head(self.buf)) is not None:
            head, self.buf = cut
            parse_qs(head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")[1].partition("?")[2])
            self.transport.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")


def _reference_process(port: int, seconds: float) -> None:
    install_fast_loop()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Responder, "127.0.0.1", port, backlog=1024)
        await asyncio.sleep(seconds)
        server.close()

    asyncio.run(main())


def _reference(plan: Plan) -> float:
    port = _free_port()
    ctx = multiprocessing.get_context("spawn")
    server = ctx.Process(target=_reference_process, args=(port, plan.duration_s + 60))
    server.start()
    try:
        _wait_listening(port, server.is_alive)
        return _drive(port, _device_ids(plan.units), plan)["per_s"]
    finally:
        server.terminate()
        server.join(10)


# --------------------------------------------------------------------------
# databases and the server
# --------------------------------------------------------------------------

def prepare(url: str, units: int = UNITS):
    """Migrate, and add ``units`` units with DEVICES_PER_UNIT devices each."""
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
             "force": "grid_patrol", "tier": 1, "travel_mode": "car", "status": "available", "members": [],
             "kit": [], "simulated": True, "created_at": now, "version": 1}
            for u in range(units)
        ])
        conn.execute(insert(Device), [
            {"device_id": device_id, "unit_id": index // DEVICES_PER_UNIT + 1, "kind": "phone", "active": True,
             "created_at": now}
            for index, device_id in enumerate(_device_ids(units))
        ])
    return engine


def stored_ids(engine) -> set[tuple[str, int]]:
    """(device_id, fix time in epoch ms) of every stored fix."""
    from sqlalchemy import select

    from db.engine import session_factory
    from db.models import Position

    with session_factory(engine)() as session:
        return {(device, round(when.timestamp() * 1000))
                for device, when in session.execute(select(Position.device_id, Position.fix_time))}


def ceiling(engine, fixes_total: int = CEILING_FIXES, batch: int = CEILING_BATCH, units: int = UNITS) -> float:
    """Fixes per second through store_fixes with big batches of fresh fixes, committed per batch."""
    from core.fixes import Fix
    from db.engine import session_factory
    from db.positions_repo import DeviceCache, store_fixes

    devices = _device_ids(units)
    rng = random.Random(fixes_total)
    # Current times, one millisecond apart per device, so each fix is its device's newest.
    first = datetime.now(timezone.utc) - timedelta(milliseconds=fixes_total)
    homes = [_home(device) for device in devices]
    fixes = [Fix(devices[n % len(devices)], homes[n % len(devices)][0] + rng.uniform(-1e-4, 1e-4),
                 homes[n % len(devices)][1] + rng.uniform(-1e-4, 1e-4), first + timedelta(milliseconds=n), accuracy_m=rng.randint(3, 30), speed_mps=1.6,
                 heading_deg=87.0, altitude_m=120.0, battery_pct=77.0, attributes={})
             for n in range(fixes_total)]
    sessions = session_factory(engine)
    cache = DeviceCache()
    start = time.perf_counter()
    for offset in range(0, len(fixes), batch):
        now = datetime.now(timezone.utc)
        with sessions() as session:
            outcomes = store_fixes(session, fixes[offset:offset + batch], now, devices=cache)
            session.commit()
        assert not any(outcomes), outcomes[:3]
    return len(fixes) / (time.perf_counter() - start)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_listening(port: int, alive, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("the server exited before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on port {port} within {timeout:g} s")


def start_server(url: str, port: int, home: str, workers: int = 1) -> subprocess.Popen:
    env = dict(os.environ, GRIDCOMMAND_HOME=home)
    proc = subprocess.Popen([sys.executable, "-m", "gridcommand.cli", "serve", "--db", url,
                             "--http", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "WARNING"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_listening(port, lambda: proc.poll() is None)
    except RuntimeError:
        proc.kill()
        raise RuntimeError(f"serve did not start: {proc.stderr.read().decode(errors='replace')[-2000:]}") from None
    if workers > 1:
        # The other workers start once the first one listens: let them finish starting
        # (imports, connecting) before the load begins, or their start-up is measured too.
        time.sleep(WORKER_START_S)
    return proc


def stop_server(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    return proc.returncode


def _one_http_run(fresh_db, home: str, plan: Plan) -> dict:
    url, drop = fresh_db()
    try:
        engine = prepare(url, plan.units)
        try:
            port = _free_port()
            server = start_server(url, port, home, plan.workers)
            try:
                result = _drive(port, _device_ids(plan.units), plan)
            finally:
                result_exit = stop_server(server)
            acked = set(result.pop("acked"))
            result["lost"] = len(acked - stored_ids(engine))
            result["acked"] = len(acked)
            result["serve_exit"] = result_exit
        finally:
            engine.dispose()
    finally:
        drop()
    return result


def _one_ceiling(fresh_db, plan: Plan) -> float:
    url, drop = fresh_db()
    try:
        engine = prepare(url, plan.units)
        try:
            return ceiling(engine, plan.ceiling_fixes, min(CEILING_BATCH, plan.ceiling_fixes), plan.units)
        finally:
            engine.dispose()
    finally:
        drop()


def _load_average() -> float:
    return round(os.getloadavg()[0], 2)


def _bench_database(fresh_db, repeat: int, home: str, reference: float, plan: Plan) -> dict:
    load_before = _load_average()
    ceilings = [_one_ceiling(fresh_db, plan) for _ in range(max(1, min(repeat, 3)))]
    runs = [_one_http_run(fresh_db, home, plan) for _ in range(repeat)]
    best = statistics.median(ceilings)
    fixes_per_s = statistics.median(r["per_s"] for r in runs)
    answers: dict[str, int] = {}
    for r in runs:
        for status, n in r["answers"].items():
            answers[status] = answers.get(status, 0) + n
    return {
        "fixes_per_s": round(fixes_per_s),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in runs), 2),
        "p99_ms": round(statistics.median(r["p99_ms"] for r in runs), 2),
        "sent": sum(r["sent"] for r in runs),
        "acked": sum(r["acked"] for r in runs),
        "lost": sum(r["lost"] for r in runs),
        "rejected": sum(n for status, n in answers.items() if status.startswith("4")),
        "unavailable": sum(n for status, n in answers.items() if status.startswith("5")),
        "answers": answers,
        "per_run_fixes_per_s": [round(r["per_s"]) for r in runs],
        "ceiling_per_s": round(best),
        "ratio_to_ceiling": round(fixes_per_s / best, 3),
        "ratio_to_reference": round(fixes_per_s / reference, 3) if reference else None,
        "runs": repeat,
        "serve_exit": max(abs(r["serve_exit"]) for r in runs),
        "load_before": load_before,
    }


def _sqlite_databases(home: str):
    counter = iter(range(1_000_000))

    def fresh() -> tuple[str, callable]:
        path = os.path.join(home, f"ingest-{next(counter)}.sqlite")

        def drop() -> None:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(path + suffix):
                    os.unlink(path + suffix)

        return f"sqlite:///{path}", drop

    return fresh


def run(repeat: int = 5, plan: Plan = Plan()) -> dict:
    repeat = max(1, repeat)
    loop_name = install_fast_loop()
    result = {
        "benchmark": "ingest",
        "setup": (f"{plan.connections} keep-alive connections, {plan.units * DEVICES_PER_UNIT} devices of "
                  f"{plan.units} units, single-fix OsmAnd GET with the current time (every fix its device's newest), "
                  f"closed loop, {plan.duration_s - plan.warmup_s:g} s measured after {plan.warmup_s:g} s warm-up "
                  f"per run, a fresh database per run, serve --workers {plan.workers}, {loop_name} event loop; load "
                  f"generator, server and database share {os.cpu_count()} cores; medians of {repeat} runs"),
        "target": {"sqlite_fixes_per_s": 10_000, "postgresql_fixes_per_s": 8_000, "p99_ms": 50, "lost": 0},
    }
    references = [_reference(plan) for _ in range(max(1, min(repeat, 3)))]
    reference = statistics.median(references)
    result["reference_per_s"] = round(reference)
    with tempfile.TemporaryDirectory(prefix="gridcommand-bench-ingest-") as home:
        if "sqlite" in plan.databases:
            result["sqlite"] = _bench_database(_sqlite_databases(home), repeat, home, reference, plan)
        if "postgresql" in plan.databases:
            result["postgresql"] = _bench_database(scratch_pg_database, repeat, home, reference, plan)
    return result
