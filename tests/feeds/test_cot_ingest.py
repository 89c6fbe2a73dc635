"""CoT XML over UDP and TCP against a running `gridcommand serve` (both databases)."""
from __future__ import annotations

import http.client
import socket
import time
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from db.models import Position, RejectedReport
from serve_process import NOW, ServeProcess, add_unit, rows, wait_for

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<event version="2.0" uid="&lol9;" type="a-f-G" time="2025-01-01T00:00:00Z" start="2025-01-01T00:00:00Z"
 stale="2025-01-01T00:01:00Z" how="m-g"><point lat="32.6" lon="112.0" hae="0" ce="5" le="9999999.0"/></event>"""


def event(uid: str, seconds_ago: int, lat: float = 32.68, lon: float = 112.08, kind: str = "a-f-G-U-C",
          ce: str = "4.5") -> bytes:
    when = NOW - timedelta(seconds=seconds_ago)
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    stale = (when + timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return (f'<?xml version="1.0" encoding="UTF-8"?><event version="2.0" uid="{uid}" type="{kind}" how="m-g" '
            f'time="{stamp}" start="{stamp}" stale="{stale}"><point lat="{lat}" lon="{lon}" hae="80" ce="{ce}" '
            f'le="9999999.0"/><detail><contact callsign="巡组"/><track course="87.5" speed="1.4"/></detail></event>'
            ).encode()


def positions(engine):
    return rows(engine, select(Position.device_id, Position.lat, Position.accuracy_m, Position.speed_mps,
                               Position.heading_deg, Position.stale_at, Position.protocol).order_by(Position.id))


def rejects(engine):
    return rows(engine, select(RejectedReport.protocol, RejectedReport.source, RejectedReport.reason)
                .order_by(RejectedReport.id))


def test_cot_over_udp(engine, db_url, tmp_path):
    add_unit(engine, "C1", ["ANDROID-1"])
    with ServeProcess(db_url, tmp_path, cot=True) as server:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        target = ("127.0.0.1", server.cot_udp_port)
        sock.sendto(b"<event this is not xml", target)
        sock.sendto(BILLION_LAUGHS, target)
        sock.sendto(b"\xff\xfe" + b"<" * 60000, target)
        sock.sendto(event("ANDROID-1", 30, kind="t-x-c-t"), target)  # a ping: ignored
        sock.sendto(event("GHOST", 30), target)
        sock.sendto(event("ANDROID-1", 20, lat=32.61, ce="9999999.0"), target)
        sock.sendto(event("ANDROID-1", 10, lat=32.62), target)
        got = wait_for(lambda: len(positions(engine)) == 2 and len(rejects(engine)) == 4 and positions(engine))
        assert [(p.device_id, p.lat, p.accuracy_m, p.protocol) for p in got] == [
            ("ANDROID-1", 32.61, None, "cot"), ("ANDROID-1", 32.62, 4.5, "cot")]
        assert got[1].speed_mps == 1.4 and got[1].heading_deg == 87.5
        assert got[1].stale_at == NOW - timedelta(seconds=10) + timedelta(minutes=2)
        reasons = [r.reason for r in rejects(engine)]
        assert any("malformed XML" in r for r in reasons)
        assert any("DOCTYPE" in r for r in reasons)
        assert "unknown device: 'GHOST'" in reasons
        assert all(r.protocol == "cot" and r.source.startswith("127.0.0.1:") for r in rejects(engine))
        sock.close()
        assert server.stop() == 0
        assert "rejected cot report" in server.log() and "Traceback" not in server.log()


def test_cot_over_tcp_stream(engine, db_url, tmp_path):
    add_unit(engine, "C1", ["ANDROID-1", "ANDROID-2"])
    with ServeProcess(db_url, tmp_path, cot=True) as server:
        with socket.create_connection(("127.0.0.1", server.cot_tcp_port), timeout=10) as sock:
            stream = (event("ANDROID-1", 30) + b"\n" + event("ANDROID-2", 29) + BILLION_LAUGHS
                      + b"<event uid='broken'><point lat='1' lon='2'/>" + event("ANDROID-1", 28, lat=32.5)
                      + event("ANDROID-1", 27, kind="t-x-c-t"))
            # Cut at awkward places: events arrive in pieces.
            for start in range(0, len(stream), 97):
                sock.sendall(stream[start:start + 97])
                time.sleep(0.001)
            got = wait_for(lambda: len(positions(engine)) == 3 and positions(engine))
            assert [(p.device_id, p.lat) for p in got] == [("ANDROID-1", 32.68), ("ANDROID-2", 32.68), ("ANDROID-1", 32.5)]
            # Oversize: an event that never ends is dropped, the stream goes on.
            sock.sendall(b"<event uid='x'>" + b"a" * 70000)
            sock.sendall(b"</event>" + event("ANDROID-2", 5, lat=32.4))
            assert wait_for(lambda: len(positions(engine)) == 4)
        reasons = " | ".join(r.reason for r in wait_for(lambda: len(rejects(engine)) >= 3 and rejects(engine)))
        assert "cut-off or oversize" in reasons
        assert "malformed XML" in reasons or "DOCTYPE" in reasons
        # The HTTP listener is unaffected.
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
        conn.request("GET", f"/?id=ANDROID-1&lat=1&lon=2&timestamp={int(NOW.timestamp()) - 1}")
        assert conn.getresponse().status == 200
        conn.close()
        assert server.stop() == 0
        assert "Traceback" not in server.log()


# --------------------------------------------------------------------------
# fuzzed bytes never raise out of the listeners (in-process, no database)
# --------------------------------------------------------------------------

class RecordingWriter:
    def __init__(self):
        self.fixes = []
        self.rejected = []
        self.answers = []  # what the listener wrote back on the TCP stream

    def submit(self, fix, source, payload, done=None) -> None:
        self.fixes.append(fix)

    def reject(self, protocol, source, reason, payload) -> None:
        assert protocol == "cot" and "\n" not in reason
        self.rejected.append(reason)


def feed_cot_stream(chunks: list[bytes]) -> RecordingWriter:
    import asyncio

    from feeds import cot_ingest

    class Transport:
        def get_extra_info(self, name):
            return ("127.0.0.1", 4242)

        def close(self):
            raise AssertionError("a sender's bytes must not close the stream")

        def write(self, data):
            writer.answers.append(data)

        def pause_reading(self):
            pass

        def resume_reading(self):
            pass

    loop = asyncio.new_event_loop()
    failures = []
    original = cot_ingest.log.exception
    cot_ingest.log.exception = lambda *a, **k: failures.append(a)
    writer = RecordingWriter()
    try:
        proto = cot_ingest.CotTcpProtocol(writer, set(), loop)
        proto.connection_made(Transport())
        for chunk in chunks:
            proto.data_received(chunk)
            while proto.pending:  # events beyond one turn's share are handled in later turns
                loop.call_soon(loop.stop)
                loop.run_forever()
        proto.eof_received()
        udp = cot_ingest.CotUdpProtocol(writer)
        for chunk in chunks:
            udp.datagram_received(chunk, ("127.0.0.1", 4243))
    finally:
        cot_ingest.log.exception = original
        loop.close()
    assert not failures, failures
    return writer


def test_ping_events_are_not_stored():
    writer = feed_cot_stream([event("A", 1, kind="t-x-c-t"), event("A", 1)])
    assert [f.device_id for f in writer.fixes] == ["A", "A"]  # the real event, over TCP and over UDP
    assert writer.rejected == []


# What PyTAK 7.x sends as its keep-alive: no point at all.
PYTAK_HELLO = (b'<event version="2.0" type="t-x-d-d" uid="takPing" how="m-g" time="2025-05-01T08:00:00.000Z" '
               b'start="2025-05-01T08:00:00.000Z" stale="2025-05-01T09:00:00.000Z" />')


def test_tak_chatter_is_not_a_rejected_report_and_a_ping_gets_a_pong():
    from feeds.cot import parse_cot

    keepalive_with_point = event("takPing", 1, lat=0.0, lon=0.0, kind="t-x-d-d")
    pong = event("takPong", 1, kind="t-x-c-t-r")
    writer = feed_cot_stream([PYTAK_HELLO, keepalive_with_point, pong, event("A", 1, kind="t-x-c-t"),
                              event("A", 1)])
    assert writer.rejected == []
    assert [f.device_id for f in writer.fixes] == ["A", "A"]
    # One pong, for the one ping, on TCP only (UDP has nobody to answer).
    assert len(writer.answers) == 1
    answer = parse_cot(writer.answers[0])
    assert answer.attributes["type"] == "t-x-c-t-r" and answer.device_id == "takPong"
    # Bytes that merely mention chatter are still rejected when they are not CoT.
    assert feed_cot_stream([b'<event type="a-f-G" uid="x"/>']).rejected


@given(st.lists(st.one_of(st.binary(max_size=400),
                          st.sampled_from([event("A", 1), event("A", 1)[:50], b"</event>", b"<event ", BILLION_LAUGHS,
                                           b"<!DOCTYPE x>", b"\xef\xbb\xbf", "<event uid='é'/>".encode("utf-16")])),
                max_size=10))
@settings(deadline=None)
def test_fuzzed_cot_bytes_never_raise(chunks):
    feed_cot_stream(chunks)
