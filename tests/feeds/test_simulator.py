import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from core.clock import FixedClock
from core.fixes import Fix
from core.simulation import MessConfig
from db.engine import make_engine, session_factory
from db.migrate import upgrade
from db.models import AuditLog, Device, Position, Unit, UnitLastPosition
from db.operations import Actor, OperationRunner
from db.seed import seed_demo
from feeds.osmand import parse_osmand_request
from feeds.simulator import NoCityError, OsmAndHttpSink, SimulatorRunner, osmand_query

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)
ROSTER = 26  # units in resources/demo/roster.json


def _count(engine, stmt):
    with session_factory(engine)() as s:
        return s.scalar(stmt)


def _drive(runner, clock, seconds, step=0.5):
    for _ in range(int(seconds / step)):
        clock.advance(step)
        runner.tick()
    return runner.finish()


def test_db_mode_stores_positions_and_moves_units(seeded, engine):
    clock = FixedClock(T0)
    sim = SimulatorRunner(engine, units=30, rate=50, seed=1, clock=clock, runner=seeded,
                          mess=MessConfig(silent=0.0, duplicates=0.1, late=0.1))
    totals = _drive(sim, clock, 10)
    assert totals.sent > 300
    assert totals.accepted == totals.sent and totals.rejected == totals.errors == 0
    assert totals.duplicates > 0 and totals.late > 0
    # Duplicates are stored once; late fixes are stored in history.
    assert _count(engine, select(func.count()).select_from(Position)) == totals.sent - totals.duplicates
    with session_factory(engine)() as s:
        last = s.execute(select(UnitLastPosition)).scalars().all()
    assert len(last) == 30
    assert all(T0 < row.fix_time <= clock.now() and row.rev > 0 for row in last)
    assert all(112.0 < row.lon < 112.2 and 32.6 < row.lat < 32.8 for row in last)


def test_extra_units_are_created_once_and_audited(seeded, engine):
    def simulated():
        with session_factory(engine)() as s:
            return s.execute(select(Unit.callsign, Unit.grid_id).where(Unit.simulated.is_(True))
                             .order_by(Unit.callsign)).all()

    first = SimulatorRunner(engine, units=30, rate=50, seed=1, clock=FixedClock(T0), runner=seeded)
    first.prepare()
    assert first.created == 4
    rows = simulated()
    assert [r.callsign for r in rows] == ["模拟-0001", "模拟-0002", "模拟-0003", "模拟-0004"]
    assert len({r.grid_id for r in rows}) == 4 and None not in {r.grid_id for r in rows}
    assert _count(engine, select(func.count()).select_from(Device).where(Device.device_id.like("SIM-%"))) == 4
    audited = select(func.count()).select_from(AuditLog).where(AuditLog.operation == "add simulated units")
    assert _count(engine, audited) == 4

    again = SimulatorRunner(engine, units=30, rate=50, seed=1, clock=FixedClock(T0), runner=seeded)
    assert len(again.prepare().units) == 30
    assert again.created == 0
    assert len(simulated()) == 4 and _count(engine, audited) == 4
    # Fewer units than the roster: a subset, nothing added.
    few = SimulatorRunner(engine, units=5, rate=5, clock=FixedClock(T0), runner=seeded)
    assert len(few.prepare().units) == 5 and few.created == 0


def test_an_empty_database_is_refused_before_adding_units(runner, engine):
    sim = SimulatorRunner(engine, units=3, rate=5, clock=FixedClock(T0), runner=runner)
    with pytest.raises(NoCityError):
        sim.prepare()
    assert _count(engine, select(func.count()).select_from(Unit)) == 0


def test_background_thread_starts_and_stops(seeded, engine):
    sim = SimulatorRunner(engine, rate=40, seed=2, tick_s=0.1, runner=seeded)
    sim.start()
    deadline = time.monotonic() + 10
    while sim.totals.accepted == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    totals = sim.stop()
    assert not sim.running and sim.error is None
    assert totals.accepted > 0
    assert _count(engine, select(func.count()).select_from(UnitLastPosition)) > 0


class _OsmAndStub(BaseHTTPRequestHandler):
    """Parses reports like the real server; 400 for devices it does not know."""

    protocol_version = "HTTP/1.1"  # keep-alive
    disable_nagle_algorithm = True  # headers and body go out in two writes
    known = {"DEV-1", "DEV-2", "DEV-3"}

    def do_GET(self):
        parts = urlsplit(self.path)
        fix = parse_osmand_request("GET", parts.query, None, b"")
        status = 200 if fix.device_id in self.known else 400
        with self.server.lock:
            self.server.fixes.append(fix)
            self.server.peers.add(self.client_address)
        body = b"OK" if status == 200 else b"unknown device"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def stub_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OsmAndStub)
    server.fixes, server.peers, server.lock = [], set(), threading.Lock()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_http_sink_speaks_osmand_over_keep_alive(stub_server):
    host, port = stub_server.server_address
    sink = OsmAndHttpSink(f"http://{host}:{port}", connections=2)
    fixes = [Fix(f"DEV-{i % 4}", 32.68 + i * 1e-5, 112.08, T0 + timedelta(milliseconds=1500 * i), accuracy_m=4.5,
                 speed_mps=5.0, heading_deg=90.0, battery_pct=80.0) for i in range(40)]
    delivery = sink.deliver(fixes, T0)
    sink.close()
    assert (delivery.accepted, delivery.rejected, delivery.errors) == (30, 10, 0)
    assert len(stub_server.peers) <= 2  # keep-alive: one connection per lane
    got = {(f.device_id, f.fix_time): f for f in stub_server.fixes}
    for fix in fixes:
        echo = got[(fix.device_id, fix.fix_time)]  # millisecond timestamps survive
        assert echo.lat == pytest.approx(fix.lat, abs=1e-7) and echo.lon == pytest.approx(fix.lon, abs=1e-7)
        assert echo.speed_mps == pytest.approx(5.0, abs=0.01)  # sent in knots
        assert (echo.heading_deg, echo.accuracy_m, echo.battery_pct) == (90.0, 4.5, 80.0)
    # One lane per device: its reports arrive in the order it sent them.
    dev1 = [f.fix_time for f in stub_server.fixes if f.device_id == "DEV-1"]
    assert dev1 == sorted(dev1)


def test_http_sink_counts_errors_when_nobody_listens():
    sink = OsmAndHttpSink("http://127.0.0.1:9", connections=1, timeout_s=2)
    delivery = sink.deliver([Fix("DEV-1", 32.68, 112.08, T0)], T0)
    sink.close()
    assert delivery.errors == 1 and delivery.accepted == 0
    with pytest.raises(ValueError):
        OsmAndHttpSink("ftp://example")
    assert "timestamp=1714550400000" in osmand_query(Fix("D", 1.0, 2.0, T0))


# ---------------------------------------------------------------- the command line

@pytest.fixture
def seeded_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'sim.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    seed_demo(OperationRunner(engine, Actor(user="tester", workstation="ws-test")))
    yield url, engine
    engine.dispose()


def _cli(*args):
    return [sys.executable, "-m", "gridcommand.cli", "simulate", *args]


def _env(tmp_path):
    return {**os.environ, "GRIDCOMMAND_HOME": str(tmp_path / "home")}


def test_cli_simulate_db(seeded_sqlite, tmp_path):
    url, engine = seeded_sqlite
    done = subprocess.run(_cli("--db", url, "--units", "30", "--rate", "50", "--duration", "2", "--seed", "1"),
                          capture_output=True, text=True, timeout=60, env=_env(tmp_path))
    assert done.returncode == 0, done.stderr
    summary = done.stdout.strip().splitlines()[-1]
    assert summary.startswith("simulate: sent ") and "accepted" in summary and "late" in summary
    assert "4 simulated units added" in done.stderr
    assert _count(engine, select(func.count()).select_from(Position)) > 20
    assert _count(engine, select(func.count()).select_from(UnitLastPosition)) > 10
    assert _count(engine, select(func.count()).select_from(Unit).where(Unit.simulated.is_(True))) == 4


def test_cli_simulate_stops_cleanly_on_sigterm(seeded_sqlite, tmp_path):
    url, engine = seeded_sqlite
    proc = subprocess.Popen(_cli("--db", url, "--rate", "20"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=_env(tmp_path))
    try:
        assert proc.stderr.readline().startswith("simulate: ")  # started
        # The signal must land mid-run: wait until fixes are being written.
        deadline = time.monotonic() + 30
        while (before := _count(engine, select(func.count()).select_from(Position))) == 0:
            assert proc.poll() is None and time.monotonic() < deadline, "no fix was written"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    summary = out.strip()
    assert summary.startswith("simulate: sent ")
    # Everything written before the signal stays, and nothing beyond what was accepted.
    stored = _count(engine, select(func.count()).select_from(Position))
    assert 0 < before <= stored <= int(re.search(r"accepted (\d+)", summary).group(1))


def test_cli_help_explains_rate_and_target():
    done = subprocess.run(_cli("--help"), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    assert "fixes per second in total, across all units" in text
    assert "still come from --db" in text
