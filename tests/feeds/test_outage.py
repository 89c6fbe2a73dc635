"""PostgreSQL goes away mid-load: `serve` spools, acknowledges only what is on disk, drains in
order when the database returns, and loses no acknowledged fix; no restart.

The outage is real: the test database refuses new connections (``ALLOW_CONNECTIONS false``)
and every session on it is terminated (``pg_terminate_backend``), for 10 s and for 60 s.
Each device sends its fixes one after another and resends a fix until it is acknowledged,
as OsmAnd does; the acknowledged (device, fix time) pairs are then looked up in the database.
"""
from __future__ import annotations

import http.client
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from db.engine import make_engine, normalize_url
from db.migrate import upgrade
from db.models import Position
from serve_process import ServeProcess, add_unit, rows, wait_for

DEVICES = 4
# Between two fixes of one device: ~100 fixes/s in all, a city district's worth of patrols.
SEND_INTERVAL_S = 0.04


@pytest.fixture
def outage_db(pg_database):
    """A database beside the session's scratch one (so cutting its connections disturbs no
    other test), dropped after."""
    base = make_url(normalize_url(pg_database))
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    name = f"gridcommand_outage_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)
    yield admin, name, url
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


class Device(threading.Thread):
    """One phone: sends its next fix once the last one was acknowledged (200), resends on anything else."""

    def __init__(self, port: int, device_id: str, start: datetime, stop: threading.Event):
        super().__init__(daemon=True)
        self.port, self.device_id, self.start_time, self.stop = port, device_id, start, stop
        self.acked: list[datetime] = []
        self.refused = 0  # answers other than 200 (the fix was resent)
        self.acked_at: list[float] = []  # monotonic time of each acknowledgement

    def run(self) -> None:
        conn = None
        n = 0
        while not self.stop.is_set():
            fix_time = self.start_time + timedelta(seconds=n)
            lat = 31.23 + n * 1e-6
            query = f"/?id={self.device_id}&lat={lat:.6f}&lon=121.47&timestamp={int(fix_time.timestamp())}"
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", query)
                resp = conn.getresponse()
                resp.read()
                status = resp.status
            except (OSError, http.client.HTTPException):
                conn = None
                status = 0
            if status == 200:
                self.acked.append(fix_time)
                self.acked_at.append(time.monotonic())
                n += 1
            else:
                self.refused += 1
                time.sleep(0.2)
            time.sleep(SEND_INTERVAL_S)
        if conn is not None:
            conn.close()


def _cut(admin, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                          "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})


def _restore(admin, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))


def _run_outage(outage_db, tmp_path, outage_s: float) -> dict:
    admin, name, url = outage_db
    engine = make_engine(url)
    upgrade(engine)
    device_ids = [f"out-{i}" for i in range(DEVICES)]
    add_unit(engine, "OUT-1", device_ids[:2])
    add_unit(engine, "OUT-2", device_ids[2:])
    engine.dispose()  # the test holds no session on the database it cuts
    spool_dir = tmp_path / "spool"
    settings = f'[live]\nspool_dir = "{spool_dir}"\nfuture_tolerance_s = 600\n'
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)
    stop = threading.Event()
    with ServeProcess(url, tmp_path, settings_toml=settings) as server:
        devices = [Device(server.http_port, d, start, stop) for d in device_ids]
        for d in devices:
            d.start()
        time.sleep(2)
        _cut(admin, name)
        cut_at = time.monotonic()
        time.sleep(outage_s)
        _restore(admin, name)
        back_at = time.monotonic()
        time.sleep(5)
        stop.set()
        for d in devices:
            d.join(60)
        engine = make_engine(url)
        acked = {(d.device_id, t) for d in devices for t in d.acked}
        stored_q = select(Position.device_id, Position.fix_time, Position.id)

        def stored_pairs():
            return {(r.device_id, r.fix_time.astimezone(timezone.utc)) for r in rows(engine, stored_q)}

        # The spool drains by itself, without a restart.
        wait_for(lambda: acked <= stored_pairs(), 60, 0.5)
        stored = rows(engine, stored_q)
        log = server.log()
        assert server.stop() == 0, log
    pairs = {(r.device_id, r.fix_time.astimezone(timezone.utc)) for r in stored}
    lost = acked - pairs
    # In order: each device's fixes got ids in the order of their times (spooled ones first).
    for device_id in device_ids:
        times = [r.fix_time for r in sorted((r for r in stored if r.device_id == device_id), key=lambda r: r.id)]
        assert times == sorted(times), f"{device_id}: fixes stored out of order"
    during = sum(1 for d in devices for at in d.acked_at if cut_at <= at <= back_at)
    engine.dispose()
    figures = {"outage_s": outage_s, "acknowledged": len(acked), "acknowledged_during_outage": during,
               "stored": len(pairs), "lost": len(lost), "refused_and_resent": sum(d.refused for d in devices)}
    print(f"outage figures: {figures}")
    assert not lost, f"{len(lost)} acknowledged fixes lost, e.g. {sorted(lost)[:3]}\n{log[-3000:]}"
    assert during > 0, f"nothing was acknowledged during the outage:\n{log[-3000:]}"
    assert "database is unreachable" in log and "spool is drained" in log, log[-3000:]
    assert not any(spool_dir.glob("*.spool")), "the spool was not emptied"
    return figures


def test_a_10_second_outage_loses_no_acknowledged_fix(outage_db, tmp_path):
    _run_outage(outage_db, tmp_path, 10)


@pytest.mark.slow
def test_a_60_second_outage_loses_no_acknowledged_fix(outage_db, tmp_path):
    _run_outage(outage_db, tmp_path, 60)


def test_a_server_killed_during_the_outage_leaves_its_spool_to_the_next(outage_db, tmp_path):
    """kill -9 while fixes wait in the spool: the next `serve` on that spool stores them
    first, each once, with no acknowledged fix lost."""
    import signal

    admin, name, url = outage_db
    engine = make_engine(url)
    upgrade(engine)
    add_unit(engine, "OUT-1", ["out-0", "out-1"])
    engine.dispose()
    settings = f'[live]\nspool_dir = "{tmp_path / "spool"}"\nfuture_tolerance_s = 600\n'
    start = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)
    stop = threading.Event()
    with ServeProcess(url, tmp_path, settings_toml=settings) as server:
        devices = [Device(server.http_port, d, start, stop) for d in ("out-0", "out-1")]
        for d in devices:
            d.start()
        time.sleep(1)
        _cut(admin, name)
        time.sleep(4)
        server.stop(signal.SIGKILL)
        stop.set()
        for d in devices:
            d.join(60)
    _restore(admin, name)
    acked = {(d.device_id, t) for d in devices for t in d.acked}
    assert any(tmp_path.glob("spool/*.spool")), "nothing was spooled"
    with ServeProcess(url, tmp_path, settings_toml=settings) as server:
        engine = make_engine(url)
        query = select(Position.device_id, Position.fix_time)
        drained = wait_for(lambda: acked <= {(r.device_id, r.fix_time.astimezone(timezone.utc))
                                             for r in rows(engine, query)}, 30, 0.5)
        stored = rows(engine, query)
        log = server.log()
    engine.dispose()
    assert drained, f"acknowledged fixes missing after the restart:\n{log[-3000:]}"
    assert len(stored) == len({(r.device_id, r.fix_time) for r in stored})  # each once
    assert "from an earlier run" in log
