"""Cursor-on-Target listeners: one event per UDP datagram, a stream of events over TCP.

CoT has no acknowledgement, so fixes go to the writer without a callback.
Anything unreadable (malformed XML, DOCTYPE/ENTITY, oversize) is recorded as a
rejected report with a log line; nothing a sender does can stop the listener.
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from core.fixes import ReportError
from feeds.cot import MAX_COT_BYTES, PING_TYPE, TAK_CHATTER, chatter_type, parse_cot, pong_event, split_cot_stream
from feeds.limits import PENALTY_S, RejectPenalty, admit_connection

if TYPE_CHECKING:
    from feeds.writer import IngestWriter

log = logging.getLogger("gridcommand.ingest")

__all__ = ["PING", "PING_TYPE", "CotTcpProtocol", "CotUdpProtocol", "handle_cot_message"]

# What handle_cot_message found: a fix queued (True), a rejected report (False), or a TAK
# ping that a TAK server answers with a pong (PING: truthy, it is no reject).
PING = "ping"
# Events handled from one stream in one turn of the loop.
PER_TURN = 64


def _address(peer) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer or "?")


def handle_cot_message(writer: "IngestWriter", data: bytes, source: str) -> bool | str:
    """Parse one CoT message and queue its fix (True), or record why it was rejected (False).

    TAK protocol chatter (pings, keep-alives) is neither a fix nor a reject: PING asks the
    caller to answer a pong, other chatter is True."""
    try:
        fix = parse_cot(data, MAX_COT_BYTES)
    except ReportError as exc:
        kind = chatter_type(data)  # chatter often has no point: only then look
        if kind is not None:
            return PING if kind == PING_TYPE else True
        writer.reject("cot", source, str(exc), data)
        return False
    except Exception as exc:  # parse_cot promises ReportError only; belt and braces
        log.exception("CoT parser failed on a message from %s", source)
        writer.reject("cot", source, f"parser error: {type(exc).__name__}", data)
        return False
    kind = fix.attributes.get("type")
    if kind in TAK_CHATTER:
        return PING if kind == PING_TYPE else True
    writer.submit(fix, source, data)
    return True


class CotUdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, writer: "IngestWriter"):
        self.writer = writer
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        try:
            handle_cot_message(self.writer, data, _address(addr))
        except Exception:
            log.exception("CoT datagram from %s failed", _address(addr))

    def error_received(self, exc) -> None:
        log.warning("CoT UDP socket error: %s", exc)


class CotTcpProtocol(asyncio.Protocol):
    """One TAK client's stream: events back to back, no framing."""

    def __init__(self, writer: "IngestWriter", connections: set, loop: asyncio.AbstractEventLoop,
                 max_connections: int | None = None):
        self.writer = writer
        self.connections = connections
        self.max_connections = max_connections
        self.loop = loop
        self.transport = None
        self.peer = "?"
        self.buf = b""
        self.pending: deque[bytes] = deque()  # split off, not yet handled
        self.closing = False
        self.last_active = loop.time()
        self.penalty = RejectPenalty()

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.peer = _address(transport.get_extra_info("peername"))
        admit_connection(self, transport)

    def connection_lost(self, exc) -> None:
        self.connections.discard(self)
        self.transport = None
        self.closing = True
        self.pending.clear()

    def data_received(self, data: bytes) -> None:
        self.last_active = self.loop.time()
        if self.closing:
            return
        try:
            messages, self.buf, dropped = split_cot_stream(self.buf + data, MAX_COT_BYTES)
            if dropped:
                self.writer.reject("cot", self.peer, f"dropped {dropped} bytes of cut-off or oversize CoT",
                                   b"")
            self.pending.extend(messages)
            self._handle_some()
        except Exception:
            log.exception("CoT stream from %s failed; closing it", self.peer)
            self.buf = b""
            if self.transport is not None:
                self.transport.close()

    def _handle_some(self) -> None:
        """At most PER_TURN events, then the loop serves everyone else; reading waits meanwhile,
        so a flooding sender costs its share of the loop and a bounded buffer, nothing more."""
        pending = self.pending
        for _ in range(min(PER_TURN, len(pending))):
            handled = handle_cot_message(self.writer, pending.popleft(), self.peer)
            if handled == PING and self.transport is not None:
                self.transport.write(pong_event(datetime.now(timezone.utc)))
            if not handled and self.penalty.rejected(self.loop.time()):
                # Mostly garbage: this stream is not read (nor its backlog handled) for a while.
                if self.transport is not None:
                    self.transport.pause_reading()
                    self.loop.call_later(PENALTY_S, self._handle_some)
                return
        if self.transport is None:
            return
        if pending:
            self.transport.pause_reading()
            self.loop.call_soon(self._handle_some)
        else:
            self.transport.resume_reading()

    def eof_received(self):
        if self.buf.strip():
            self.writer.reject("cot", self.peer, "stream ended inside an event", self.buf)
        self.buf = b""
        return False

    @property
    def idle(self) -> bool:
        return True

    def timed_out(self, now: float, request_timeout_s: float) -> bool:
        return False  # CoT streams have no requests; idle streams are closed by the idle timeout

    def stop_reading(self) -> None:
        if self.transport is not None:
            self.transport.close()
