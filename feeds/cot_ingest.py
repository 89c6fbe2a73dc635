"""Cursor-on-Target listeners: one event per UDP datagram, a stream of events over TCP.

CoT has no acknowledgement, so fixes go to the writer without a callback.
Anything unreadable (malformed XML, DOCTYPE/ENTITY, oversize) is recorded as a
rejected report with a log line; nothing a sender does can stop the listener.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from core.fixes import ReportError
from feeds.cot import MAX_COT_BYTES, PING_TYPE, TAK_CHATTER, chatter_type, parse_cot, pong_event, split_cot_stream

if TYPE_CHECKING:
    from feeds.writer import IngestWriter

log = logging.getLogger("gridcommand.ingest")

__all__ = ["PING_TYPE", "CotTcpProtocol", "CotUdpProtocol", "handle_cot_message"]


def _address(peer) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer or "?")


def handle_cot_message(writer: "IngestWriter", data: bytes, source: str) -> bool:
    """Parse one CoT message and queue its fix, or record why it was rejected.

    TAK protocol chatter (pings, keep-alives) is neither: True asks the caller to answer a pong."""
    try:
        fix = parse_cot(data, MAX_COT_BYTES)
    except ReportError as exc:
        kind = chatter_type(data)  # chatter often has no point: only then look
        if kind is not None:
            return kind == PING_TYPE
        writer.reject("cot", source, str(exc), data)
        return False
    except Exception as exc:  # parse_cot promises ReportError only; belt and braces
        log.exception("CoT parser failed on a message from %s", source)
        writer.reject("cot", source, f"parser error: {type(exc).__name__}", data)
        return False
    kind = fix.attributes.get("type")
    if kind in TAK_CHATTER:
        return kind == PING_TYPE
    writer.submit(fix, source, data)
    return False


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

    def __init__(self, writer: "IngestWriter", connections: set, loop: asyncio.AbstractEventLoop):
        self.writer = writer
        self.connections = connections
        self.loop = loop
        self.transport = None
        self.peer = "?"
        self.buf = b""
        self.last_active = loop.time()

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.peer = _address(transport.get_extra_info("peername"))
        self.connections.add(self)

    def connection_lost(self, exc) -> None:
        self.connections.discard(self)
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.last_active = self.loop.time()
        try:
            messages, self.buf, dropped = split_cot_stream(self.buf + data, MAX_COT_BYTES)
            if dropped:
                self.writer.reject("cot", self.peer, f"dropped {dropped} bytes of cut-off or oversize CoT",
                                   b"")
            for message in messages:
                if handle_cot_message(self.writer, message, self.peer) and self.transport is not None:
                    self.transport.write(pong_event(datetime.now(timezone.utc)))
        except Exception:
            log.exception("CoT stream from %s failed; closing it", self.peer)
            self.buf = b""
            if self.transport is not None:
                self.transport.close()

    def eof_received(self):
        if self.buf.strip():
            self.writer.reject("cot", self.peer, "stream ended inside an event", self.buf)
        self.buf = b""
        return False

    @property
    def idle(self) -> bool:
        return True

    def stop_reading(self) -> None:
        if self.transport is not None:
            self.transport.close()
