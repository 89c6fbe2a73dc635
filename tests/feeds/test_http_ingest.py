"""OsmAnd HTTP against a running `gridcommand serve` (both databases)."""
from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.models import Position, RejectedReport, UnitLastPosition
from feeds.osmand import KNOTS_TO_MPS
from serve_process import NOW, ServeProcess, add_unit, rows, wait_for

T0 = int((NOW - timedelta(hours=1)).timestamp())


def get(conn: http.client.HTTPConnection, query: str) -> tuple[int, str]:
    conn.request("GET", "/?" + query)
    response = conn.getresponse()
    return response.status, response.read().decode()


def post(conn, body: bytes | str, content_type: str, path: str = "/") -> tuple[int, str]:
    conn.request("POST", path, body=body, headers={"Content-Type": content_type})
    response = conn.getresponse()
    return response.status, response.read().decode()


def raw_exchange(port: int, data: bytes, expect_answers: int, timeout: float = 10) -> bytes:
    """Send raw bytes, read until ``expect_answers`` responses arrived or the server closed."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while received.count(b"HTTP/1.1 ") < expect_answers or not received.endswith((b"\r\n\r\n", b"\n")):
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def test_reports_are_stored_deduplicated_and_answered(engine, db_url, tmp_path):
    unit = add_unit(engine, "P1", ["DEV1", "DEV2"])
    with ServeProcess(db_url, tmp_path) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
        # Keep-alive: every request below goes over this one connection.
        assert get(conn, f"id=DEV1&lat=32.68&lon=112.08&timestamp={T0}&speed=10&bearing=90&accuracy=5&batt=80") == (200, "")
        first_socket = conn.sock
        assert get(conn, f"id=DEV1&lat=32.68&lon=112.08&timestamp={T0}&speed=10") == (200, "")  # duplicate
        assert get(conn, f"deviceid=DEV1&location=32.69,112.09&timestamp={T0 - 600}") == (200, "")  # late
        assert get(conn, f"id=DEV2&lat=32.70&lon=112.10&timestamp={(T0 + 30) * 1000}&extra=yes") == (200, "")
        assert post(conn, f"id=DEV1&lat=32.71&lon=112.11&timestamp={T0 + 60}", "application/x-www-form-urlencoded") == (200, "")
        body = json.dumps({"device_id": "DEV2", "location": {
            "timestamp": (NOW - timedelta(minutes=50)).isoformat(),
            "coords": {"latitude": 32.72, "longitude": 112.12, "accuracy": 3, "speed": 2.5, "heading": 45},
            "battery": {"level": 0.5}}})
        assert post(conn, body, "application/json") == (200, "")
        assert conn.sock is first_socket
        conn.close()

        got = rows(engine, select(Position.device_id, Position.fix_time, Position.lat, Position.speed_mps,
                                  Position.attributes).order_by(Position.fix_time))
        assert len(got) == 5
        assert [(r.device_id, int(r.fix_time.timestamp()), r.lat) for r in got] == [
            ("DEV1", T0 - 600, 32.69), ("DEV1", T0, 32.68), ("DEV2", T0 + 30, 32.70), ("DEV1", T0 + 60, 32.71),
            ("DEV2", int((NOW - timedelta(minutes=50)).timestamp()), 32.72)]
        assert abs(got[1].speed_mps - 10 * KNOTS_TO_MPS) < 1e-9
        # 2.8 km in 30 s for a unit on foot: kept in history, flagged, not its live position.
        assert got[2].attributes == {"extra": "yes", "flag": "implausible_speed"}
        assert got[4].speed_mps == 2.5  # m/s in the JSON form
        assert rows(engine, select(UnitLastPosition.device_id, UnitLastPosition.lat)
                    .where(UnitLastPosition.unit_id == unit)) == [("DEV2", 32.72)]
        assert server.stop() == 0


def test_bad_reports_get_400_with_a_reason_and_are_recorded(engine, db_url, tmp_path):
    add_unit(engine, "P1", ["DEV1"])
    future = int((NOW + timedelta(hours=1)).timestamp())
    cases = {
        "lat=32.68&lon=112.08": "missing device id",
        "id=GHOST&lat=32.68&lon=112.08": "unknown device: 'GHOST'",
        "id=DEV1&lon=112.08": "missing lat",
        "id=DEV1&lat=abc&lon=112.08": "invalid lat",
        "id=DEV1&lat=NaN&lon=112.08": "invalid lat",
        "id=DEV1&lat=91&lon=112.08": "lat out of range",
        "id=DEV1&lat=32.68&lon=181": "lon out of range",
        "id=DEV1&lat=32.68&lon=112.08&timestamp=yesterday": "unparseable timestamp",
        f"id=DEV1&lat=32.68&lon=112.08&timestamp={future}": "in the future",
    }
    with ServeProcess(db_url, tmp_path) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
        for query, reason in cases.items():
            status, text = get(conn, query)
            assert status == 400, query
            assert reason in text and text.count("\n") == 1, (query, text)
        status, text = post(conn, '{"device_id": "DEV1", "location": {"coords": {"latitude": 1}}}', "application/json")
        assert status == 400 and "missing longitude" in text
        # Still usable after all those 400s.
        assert get(conn, f"id=DEV1&lat=32.68&lon=112.08&timestamp={T0}") == (200, "")
        conn.close()

        # Oversize body: 413 at once, and the connection is closed.
        answer = raw_exchange(server.http_port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 70000\r\n\r\n" + b"a" * 1000, 1)
        assert answer.startswith(b"HTTP/1.1 413 ") and b"Connection: close" in answer

        def recorded():
            return rows(engine, select(RejectedReport.protocol, RejectedReport.source, RejectedReport.reason,
                                       RejectedReport.payload).order_by(RejectedReport.id))

        got = wait_for(lambda: len(recorded()) >= len(cases) + 2 and recorded())
        assert len(got) == len(cases) + 2
        assert all(r.protocol == "osmand" and r.source.startswith("127.0.0.1:") for r in got)
        reasons = " | ".join(r.reason for r in got)
        for reason in cases.values():
            assert reason in reasons
        assert "413" in got[-1].reason
        assert any("id=GHOST" in r.payload for r in got)
        assert rows(engine, select(Position.device_id)) == [("DEV1",)]
        assert server.stop() == 0


def test_http_framing_pipelining_chunked_and_garbage(engine, db_url, tmp_path):
    add_unit(engine, "P1", ["DEV1"])
    with ServeProcess(db_url, tmp_path) as server:
        port = server.http_port
        # Three pipelined requests: answers come back in order.
        pipelined = b"".join(
            f"GET /?id={device}&lat=32.6&lon=112.0&timestamp={T0 + n} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
            for n, device in enumerate(["DEV1", "NOPE", "DEV1"]))
        answer = raw_exchange(port, pipelined, 3)
        statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", answer)
        assert statuses == [b"200", b"400", b"200"]

        # Chunked form body, then Connection: close is honoured.
        form = f"id=DEV1&lat=32.61&lon=112.01&timestamp={T0 + 10}".encode()
        chunked = (b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
                   b"Content-Type: application/x-www-form-urlencoded\r\n\r\n"
                   + f"{10:x}\r\n".encode() + form[:10] + b"\r\n"
                   + f"{len(form) - 10:x}\r\n".encode() + form[10:] + b"\r\n0\r\n\r\n")
        answer = raw_exchange(port, chunked, 1)
        assert answer.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in answer

        # HTTP/1.0 without keep-alive, and garbage: answered, never a crash.
        assert raw_exchange(port, f"GET /?id=DEV1&lat=1&lon=2&timestamp={T0 + 20} HTTP/1.0\r\n\r\n".encode(), 1
                            ).startswith(b"HTTP/1.1 200 ")
        assert raw_exchange(port, b"\x00\xff garbage\r\n\r\n", 1).startswith(b"HTTP/1.1 400 ")
        assert raw_exchange(port, b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 20000 + b"\r\n\r\n", 1
                            ).startswith(b"HTTP/1.1 431 ")
        assert raw_exchange(port, b"GET / HTTP/1.1\r\nContent-Length: -5\r\n\r\n", 1).startswith(b"HTTP/1.1 400 ")

        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        assert get(conn, f"id=DEV1&lat=32.62&lon=112.02&timestamp={T0 + 30}") == (200, "")
        conn.close()
        assert len(rows(engine, select(Position.id))) == 5
        assert server.stop() == 0
        assert "Traceback" not in server.log()


# --------------------------------------------------------------------------
# fuzzed bytes never raise out of the protocol (in-process, no database)
# --------------------------------------------------------------------------

class FakeTransport:
    def __init__(self):
        self.out = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed, "write after close"
        self.out += data

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_extra_info(self, name):
        return ("127.0.0.1", 40000) if name == "peername" else None

    def set_write_buffer_limits(self, high=None, low=None) -> None:
        pass


class FakeWriter:
    """Accepts every parsed fix at once, or rejects device 'BAD' as the real writer would."""

    def __init__(self):
        self.rejected = []

    def submit(self, fix, source, payload, done=None) -> None:
        done("unknown device: 'BAD'" if fix.device_id == "BAD" else None)

    def reject(self, protocol, source, reason, payload) -> None:
        assert "\n" not in reason
        self.rejected.append(reason)


def feed_http(chunks: list[bytes]):
    import asyncio

    from feeds import http_ingest

    loop = asyncio.new_event_loop()
    try:
        failures = []
        original = http_ingest.log.exception
        http_ingest.log.exception = lambda *a, **k: failures.append(a)
        try:
            proto = http_ingest.HttpIngestProtocol(FakeWriter(), set(), loop)
            transport = FakeTransport()
            proto.connection_made(transport)
            for chunk in chunks:
                if transport.closed:
                    break
                proto.data_received(chunk)
                loop.call_soon(loop.stop)
                loop.run_forever()  # run the deferred _process calls
        finally:
            http_ingest.log.exception = original
        assert not failures, failures
        return bytes(transport.out), transport.closed
    finally:
        loop.close()


REQUEST = (b"POST /?id=DEV1&lat=32.6&lon=112.0 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
           b"GET /?id=BAD&lat=1&lon=2 HTTP/1.1\r\n\r\n"
           b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nid=DE\r\n14\r\nV1&lat=1&lon=2&x=%FF\r\n0\r\n\r\n")


def test_pipelined_requests_split_anywhere_are_answered_in_order():
    for cut in range(1, len(REQUEST)):
        out, closed = feed_http([REQUEST[:cut], REQUEST[cut:]])
        assert re.findall(rb"HTTP/1\.1 (\d{3}) ", out) == [b"200", b"400", b"200"], cut
        assert not closed


ANSWERS = {b"100", b"200", b"400", b"405", b"408", b"413", b"431", b"501", b"505"}


def answers(out: bytes) -> list[bytes]:
    """The statuses of ``out``, which must be nothing but complete, well-formed responses."""
    statuses = []
    while out:
        head, sep, rest = out.partition(b"\r\n\r\n")
        assert sep, out[:80]
        match = re.fullmatch(rb"HTTP/1\.1 (\d{3}) [A-Za-z ]+((?:\r\n[A-Za-z-]+: [^\r\n]*)*)", head)
        assert match, head
        length = re.search(rb"\r\nContent-Length: (\d+)", head)
        assert length or match.group(1) == b"100", head
        body_length = int(length.group(1)) if length else 0
        assert len(rest) >= body_length
        statuses.append(match.group(1))
        out = rest[body_length:]
    return statuses


@given(st.lists(st.binary(max_size=300), max_size=8))
@settings(deadline=None)
def test_fuzzed_bytes_never_raise(chunks):
    out, closed = feed_http(chunks)
    statuses = answers(out)
    assert set(statuses) <= ANSWERS
    # An error other than 400 for a bad fix ends the connection.
    assert not any(s not in (b"100", b"200", b"400", b"405") for s in statuses) or closed


@given(st.lists(st.sampled_from([REQUEST[:40], REQUEST[40:90], REQUEST[90:], b"\r\n", b"GET / HTTP/1.1\r\n",
                                 b"Content-Length: 3\r\n", b"\r\n\r\n", b"Transfer-Encoding: chunked\r\n",
                                 b"ffffffff\r\n", b"0\r\n\r\n", b"Expect: 100-continue\r\n"]), max_size=12))
@settings(deadline=None)
def test_fuzzed_request_fragments_never_raise(chunks):
    out, _ = feed_http(chunks)
    assert set(answers(out)) <= ANSWERS


def test_serve_never_loads_qt():
    code = ("import sys\n"
            "from gridcommand.cli import build_parser\n"
            "args = build_parser().parse_args(['serve', '--http', '127.0.0.1:1'])\n"
            "import feeds.ingest, gridcommand.commands.serve\n"
            "qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'desktop'))\n"
            "assert not qt, qt\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
