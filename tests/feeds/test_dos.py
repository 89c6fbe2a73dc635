"""One unauthenticated client must not be able to slow down everyone else (both databases):
floods of garbage over HTTP and CoT and a slowloris request while a normal device reports,
idle connections past a low descriptor limit, listeners bound to loopback by default."""
from __future__ import annotations

import http.client
import socket
import threading
import time
from datetime import datetime, timezone

from sqlalchemy import func, select

from db.models import Position, RejectedReport
from serve_process import ServeProcess, add_unit, rows, wait_for

FLOOD_S = 3.0


_LAST_STAMP = [0]


def _normal_client(port: int, device: str, until: float, latencies: list, statuses: list) -> None:
    """A device reporting back to back with fresh times, as the bench does."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = 0
    while time.monotonic() < until:
        n += 1
        # Unique per request across every call (a fix resent at the same time is stored once).
        stamp = _LAST_STAMP[0] = max(int(datetime.now(timezone.utc).timestamp() * 1000), _LAST_STAMP[0] + 1)
        started = time.perf_counter()
        conn.request("GET", f"/?id={device}&lat=32.68&lon=112.08&timestamp={stamp}")
        response = conn.getresponse()
        response.read()
        latencies.append(time.perf_counter() - started)
        statuses.append(response.status)
        time.sleep(0.005)
    conn.close()


def _flood(port: int, payload: bytes, until: float, sent: list) -> None:
    """Write ``payload`` over and over and never read an answer."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setblocking(False)
    total = 0
    chunk = payload * max(1, 65536 // len(payload))
    try:
        while time.monotonic() < until:
            try:
                total += sock.send(chunk)
            except BlockingIOError:  # the server stopped reading us: that is the point
                time.sleep(0.01)
            except OSError:  # the server closed us: also fine
                break
    finally:
        sent.append(total)
        sock.close()


def _p99_ms(latencies: list) -> float:
    ordered = sorted(latencies)
    return 1000 * ordered[int(len(ordered) * 0.99)]


def _slow_request(port: int, result: list) -> None:
    """Slowloris: a request head that never ends."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /?id=A&lat=1&lon=2 HTTP/1.1\r\nHost: x\r\n")  # and never the blank line
        started = time.monotonic()
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
        result.append((answer, time.monotonic() - started))


def test_floods_and_slow_requests_do_not_delay_a_normal_client(engine, db_url, tmp_path):
    add_unit(engine, "N1", ["NORMAL"])
    with ServeProcess(db_url, tmp_path, cot=True, settings_toml="[live]\nrequest_timeout_s = 1.0\n") as server:
        # The same client without the floods first: on a machine other jobs share, that is
        # the latency the floods must not add to (the target is 100 ms when it is idle).
        quiet: list = []
        _normal_client(server.http_port, "NORMAL", time.monotonic() + FLOOD_S / 2, quiet, [])
        allowed_ms = max(100.0, 2 * _p99_ms(quiet))
        rss_before = server.rss_mib()
        until = time.monotonic() + FLOOD_S
        latencies: list = []
        statuses: list = []
        sent: list = []
        slow: list = []
        threads = [
            threading.Thread(target=_flood, args=(server.http_port, b"GET /?id=&lat=x HTTP/1.1\r\nHost: a\r\n\r\n",
                                                  until, sent)),
            threading.Thread(target=_flood, args=(server.cot_tcp_port, b'<event uid="x"/>', until, sent)),
            threading.Thread(target=_normal_client, args=(server.http_port, "NORMAL", until, latencies, statuses)),
            threading.Thread(target=_slow_request, args=(server.http_port, slow)),
        ]
        for thread in threads:
            thread.start()
        peak = rss_before
        while any(t.is_alive() for t in threads):
            peak = max(peak, server.rss_mib())
            time.sleep(0.1)
        p99_ms = _p99_ms(latencies)
        assert set(statuses) == {200} and len(statuses) >= 20, (len(statuses), set(statuses))
        assert p99_ms <= allowed_ms, f"normal client's p99 {p99_ms:.0f} ms during the floods, {_p99_ms(quiet):.0f} without"
        assert peak - rss_before <= 50, f"server memory grew {peak - rss_before:.0f} MiB"
        assert min(sent) > 1_000_000  # both floods really sent
        (answer, waited), = slow
        assert answer.startswith(b"HTTP/1.1 408 ") and b"Connection: close" in answer and 0.9 < waited < 3
        # Every acknowledged fix is stored; the rejects recorded are a bounded few, the rest counted.
        assert rows(engine, select(func.count()).select_from(Position).where(Position.device_id == "NORMAL"))[0][0] \
            == len(statuses) + len(quiet)
        assert server.stop() == 0
        recorded = rows(engine, select(func.count()).select_from(RejectedReport))[0][0]
        assert 0 < recorded <= 20 * (FLOOD_S + 2) * 2
        assert "reject records dropped (over budget)" in server.log() and "Traceback" not in server.log()


def test_a_low_descriptor_limit_closes_the_newest_and_recovers(engine, db_url, tmp_path):
    import resource

    add_unit(engine, "N1", ["NORMAL"])

    def low_limit() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))

    settings = "[live]\nidle_timeout_s = 2.0\nrequest_timeout_s = 1.0\n"
    with ServeProcess(db_url, tmp_path, settings_toml=settings, preexec_fn=low_limit) as server:
        idle = []
        for _ in range(300):
            try:
                idle.append(socket.create_connection(("127.0.0.1", server.http_port), timeout=2))
            except OSError:
                break
        # The server stays up and answers again once the idle ones time out and make room.
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)

        def one_fix() -> int:
            try:
                conn.request("GET", f"/?id=NORMAL&lat=32.68&lon=112.08&timestamp={int(time.time())}")
                response = conn.getresponse()
                response.read()
                return response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                return 0

        assert wait_for(lambda: one_fix() == 200, timeout=15, interval=0.2)
        for sock in idle:
            sock.close()
        conn.close()
        log = server.log()
        assert server.stop() == 0
    assert "the descriptor limit is 128" in log
    assert "connection limit (64) reached" in log
    assert log.count("connection limit") <= 3  # once per interval, not once per connection
    assert "Traceback" not in log and len(log) < 20_000


def test_listeners_default_to_loopback():
    from feeds.ingest import parse_hostport

    assert parse_hostport("5055") == ("127.0.0.1", 5055)
    assert parse_hostport(":4242") == ("127.0.0.1", 4242)
    assert parse_hostport("0.0.0.0:4242") == ("0.0.0.0", 4242)
