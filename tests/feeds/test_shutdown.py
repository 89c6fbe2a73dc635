"""Nothing acknowledged is lost: SIGTERM with requests in flight, and kill -9 (both databases)."""
from __future__ import annotations

import http.client
import signal
import threading
import time
from datetime import timedelta

from sqlalchemy import select

from db.models import Position
from serve_process import NOW, ServeProcess, add_unit, rows, wait_for

CLIENTS = 12
T0 = int((NOW - timedelta(hours=2)).timestamp())


def _hammer(port: int, device: str, acked: list, stop: threading.Event, timeline: list) -> None:
    """Send fixes with increasing times until the server goes away; remember the 200s,
    and when each request went out and when (if ever) its answer came back."""
    n = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        while not stop.is_set():
            n += 1
            sent = time.monotonic()
            timeline.append([sent, None])
            conn.request("GET", f"/?id={device}&lat=32.68&lon=112.08&timestamp={T0 + n}")
            response = conn.getresponse()
            response.read()
            timeline[-1][1] = time.monotonic()  # list.append/item set: atomic under the GIL
            if response.status == 200:
                acked.append((device, T0 + n))
    except (OSError, http.client.HTTPException):
        pass  # the server stopped: whatever was not answered 200 may be lost
    finally:
        conn.close()


def _run_load(server: ServeProcess, sig: int, after_s: float) -> tuple[list, int]:
    acked: list = []
    stop = threading.Event()
    timelines = [[] for _ in range(CLIENTS)]
    threads = [threading.Thread(target=_hammer, args=(server.http_port, f"D{k}", acked, stop, timelines[k]))
               for k in range(CLIENTS)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(acked) < 200 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(after_s)
    signalled = time.monotonic()
    code = server.stop(sig)  # signals while requests are in flight
    stop.set()
    for thread in threads:
        thread.join(30)
    # Proof that the signal met work in progress: requests sent before it and answered
    # after it (or never).
    in_flight = [t for line in timelines for t in line if t[0] < signalled and (t[1] is None or t[1] > signalled)]
    assert in_flight, "no request was in flight when the signal arrived"
    return list(acked), code


def _stored(engine) -> set:
    return {(d, int(t.timestamp())) for d, t in rows(engine, select(Position.device_id, Position.fix_time))}


def test_sigterm_commits_everything_acknowledged(engine, db_url, tmp_path):
    add_unit(engine, "S1", [f"D{k}" for k in range(CLIENTS)])
    server = ServeProcess(db_url, tmp_path)
    acked, code = _run_load(server, signal.SIGTERM, 0.2)
    assert code == 0, server.log()
    assert len(acked) >= 200
    stored = _stored(engine)
    assert set(acked) <= stored
    assert "SIGTERM received" in server.log() and "Traceback" not in server.log()


def test_kill_9_loses_nothing_acknowledged(engine, db_url, tmp_path):
    add_unit(engine, "S1", [f"D{k}" for k in range(CLIENTS)])
    server = ServeProcess(db_url, tmp_path)
    acked, code = _run_load(server, signal.SIGKILL, 0.2)
    assert code == -signal.SIGKILL
    assert len(acked) >= 200
    assert set(acked) <= _stored(engine)


def test_workers_lose_nothing_acknowledged_under_sigterm_or_kill_9(engine, db_url, tmp_path):
    """`serve --workers 2`: each process acknowledges only what it committed; a killed first
    process takes its workers with it, and still nothing acknowledged is missing."""
    import os

    add_unit(engine, "S1", [f"D{k}" for k in range(CLIENTS)])
    for sig in (signal.SIGTERM, signal.SIGKILL):
        (tmp_path / sig.name).mkdir()
        server = ServeProcess(db_url, tmp_path / sig.name, extra_args=("--workers", "2"))
        children = f"/proc/{server.proc.pid}/task/{server.proc.pid}/children"
        worker_pids = wait_for(lambda: [int(p) for p in open(children).read().split()])
        assert len(worker_pids) == 1
        assert wait_for(lambda: server.log().count("listening for http") == 2, timeout=30), server.log()
        acked, code = _run_load(server, sig, 0.2)
        assert code == (0 if sig == signal.SIGTERM else -signal.SIGKILL), server.log()
        assert len(acked) >= 200 and set(acked) <= _stored(engine)
        for pid in worker_pids:  # gone with the first process
            assert wait_for(lambda: not os.path.exists(f"/proc/{pid}") or "zombie" in open(f"/proc/{pid}/status").read(),
                            timeout=10)
