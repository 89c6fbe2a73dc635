"""OsmAnd / Traccar Client over HTTP/1.1: a small asyncio protocol, tuned for one job.

A general web framework costs more per request than the whole fix is worth;
this parses exactly what position clients send: a request line, bounded
headers, a Content-Length or chunked body, keep-alive and pipelining (answers
go out in request order). Each request is one fix: it is parsed here, handed to
the writer thread, and answered 200 only once the writer has committed it.
"""
from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from typing import TYPE_CHECKING

from core.fixes import ReportError
from feeds.limits import PENALTY_S, RejectPenalty, admit_connection
from feeds.osmand import parse_osmand_request
from feeds.writer import STORE_FAILED

if TYPE_CHECKING:
    from feeds.api import IncidentApi
    from feeds.writer import IngestWriter

log = logging.getLogger("gridcommand.ingest")

__all__ = ["MAX_BODY", "MAX_HEAD", "HttpIngestProtocol"]

MAX_HEAD = 8192  # request line + headers
MAX_BODY = 65536
# Pipelined requests waiting for their answers before we stop reading.
MAX_PENDING = 64
# Requests read from one connection in one turn of the loop.
PER_TURN = 32
# Bytes of answers waiting for a peer that does not read before we stop reading its requests.
WRITE_BUFFER_HIGH = 64 * 1024
_ACCEPTED_METHODS = frozenset({"GET", "POST", "PUT"})
_REASONS = {200: "OK", 400: "Bad Request", 405: "Method Not Allowed", 408: "Request Timeout",
            411: "Length Required", 413: "Content Too Large", 431: "Request Header Fields Too Large",
            500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
            505: "HTTP Version Not Supported"}


def _response(status: int, text: str = "", keep_alive: bool = True, http10: bool = False) -> bytes:
    body = (text + "\n").encode("utf-8") if text else b""
    head = [f"HTTP/1.1 {status} {_REASONS[status]}", f"Content-Length: {len(body)}"]
    if body:
        head.append("Content-Type: text/plain; charset=utf-8")
    if not keep_alive:
        head.append("Connection: close")
    elif http10:
        head.append("Connection: keep-alive")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


# The common answers, built once.
_OK = {(True, False): _response(200), (False, False): _response(200, keep_alive=False),
       (True, True): _response(200, http10=True), (False, True): _response(200, keep_alive=False, http10=True)}
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"
_API_PREFIX = "/api/v1/"  # = feeds.api.API_PREFIX; not imported, the fix path needs none of the API
_HEX = re.compile(rb"[0-9A-Fa-f]{1,8}")


class _HttpError(Exception):
    """A request we cannot read: answer ``status`` and close the connection."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


class _Request:
    __slots__ = ("method", "target", "headers", "body", "keep_alive", "http10")

    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes, keep_alive: bool, http10: bool):
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.keep_alive = keep_alive
        self.http10 = http10


def _parse_chunked(buf: bytearray, pos: int) -> tuple[bytes, int] | None:
    """Decode a chunked body starting at ``pos``: ``(body, end)`` or None if incomplete."""
    parts = []
    size_total = 0
    while True:
        line_end = buf.find(b"\r\n", pos, pos + 1024)
        if line_end < 0:
            if len(buf) - pos > 1024:
                raise _HttpError(400, "bad chunk size line")
            return None
        size_text = bytes(buf[pos:line_end]).split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_text):  # int(x, 16) would also take "0x1f", "+1f", "1_f"
            raise _HttpError(400, "bad chunk size line")
        size = int(size_text, 16)
        pos = line_end + 2
        if size == 0:
            break
        size_total += size
        if size_total > MAX_BODY:
            raise _HttpError(413, f"body larger than {MAX_BODY} bytes")
        if len(buf) < pos + size + 2:
            return None
        parts.append(bytes(buf[pos:pos + size]))
        if buf[pos + size:pos + size + 2] != b"\r\n":
            raise _HttpError(400, "bad chunk framing")
        pos += size + 2
    # Optional trailer lines, then an empty line.
    if buf[pos:pos + 2] == b"\r\n":
        return b"".join(parts), pos + 2
    end = buf.find(b"\r\n\r\n", pos, pos + MAX_HEAD)
    if end < 0:
        if len(buf) - pos > MAX_HEAD:
            raise _HttpError(431, "trailers too large")
        return None
    return b"".join(parts), end + 4


class HttpIngestProtocol(asyncio.Protocol):
    """One client connection; ``connections`` is the server's set of open ones (for shutdown)."""

    def __init__(self, writer: "IngestWriter", connections: set, loop: asyncio.AbstractEventLoop,
                 api: "IncidentApi | None" = None, max_connections: int | None = None):
        self.writer = writer
        self.max_connections = max_connections
        self.api = api  # handles /api/v1/...; None: only position reports here
        self.connections = connections
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.peer = "?"
        self.buf = bytearray()
        # Answers in request order: [bytes (None while the writer works), close after it?, keep-alive, HTTP/1.0]
        self.slots: deque[list] = deque()
        self.closing = False  # no more requests are read
        self.paused = False  # reading paused: too many answers owed
        self.write_paused = False  # reading paused: the peer does not read its answers
        self.continued = False  # 100 Continue sent for the request being read
        self.last_active = loop.time()
        self.partial_since: float | None = None  # when the unfinished request's first bytes came
        self.penalty = RejectPenalty()
        self.penalized = False  # reading paused: too many rejected requests this second

    # -- asyncio callbacks -----------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            self.peer = f"{peer[0]}:{peer[1]}"
        if not admit_connection(self, transport):
            return
        # Answers a peer does not read stop us reading its requests (pause_writing below).
        transport.set_write_buffer_limits(high=WRITE_BUFFER_HIGH)

    def connection_lost(self, exc) -> None:
        self.connections.discard(self)
        self.closing = True
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.last_active = self.loop.time()
        if self.closing:
            return
        if not self.buf:
            self.partial_since = self.last_active
        self.buf += data
        self._process()

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.write_paused = False
        self._resume()

    # -- requests ------------------------------------------------------------------

    def _process(self) -> None:
        try:
            self._process_some()
        except Exception:  # a bug here must cost one connection, never the server
            log.exception("HTTP connection from %s failed", self.peer)
            self._fail(500, "internal error")

    def _process_some(self) -> None:
        # At most PER_TURN requests, then the loop serves the other connections: one
        # client's pipelined flood must not hold the loop for the length of its buffer.
        for _ in range(PER_TURN):
            if self.closing or not self.buf or self.paused or self.write_paused or self.penalized:
                break
            try:
                request = self._next_request()
            except _HttpError as exc:
                self._fail(exc.status, str(exc))
                return
            if request is None:
                return
            self.partial_since = self.loop.time() if self.buf else None
            self._handle(request)
        else:
            if self.buf and not self.closing and self.transport is not None:
                self.transport.pause_reading()
                self.loop.call_soon(self._next_turn)

    def _next_turn(self) -> None:
        if self.transport is None or self.closing:
            return
        if not (self.paused or self.write_paused or self.penalized):
            self.transport.resume_reading()
        self._process()

    def _resume(self) -> None:
        """Read again once neither too many answers are owed nor the peer's buffer is full."""
        if self.paused or self.write_paused or self.penalized or self.transport is None or self.closing:
            return
        self.transport.resume_reading()
        if self.buf:
            self.loop.call_soon(self._process)

    def _next_request(self) -> _Request | None:
        buf = self.buf
        # Clients may send stray CRLFs between requests (RFC 9112 2.2).
        while buf[:2] == b"\r\n":
            del buf[:2]
        head_end = buf.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
        if head_end < 0:
            if len(buf) > MAX_HEAD:
                raise _HttpError(431, f"request head larger than {MAX_HEAD} bytes")
            return None
        lines = bytes(buf[:head_end]).decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[0] or not parts[1]:
            raise _HttpError(400, "malformed request line")
        method, target, version = parts
        if version == "HTTP/1.1":
            http10 = False
        elif version == "HTTP/1.0":
            http10 = True
        elif version.startswith("HTTP/"):
            raise _HttpError(505, f"unsupported HTTP version {version[:20]!r}")
        else:
            raise _HttpError(400, "malformed request line")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep or not name or name != name.strip():
                raise _HttpError(400, "malformed header line")
            name = name.lower()
            value = value.strip()
            if name in headers and name == "content-length" and headers[name] != value:
                raise _HttpError(400, "conflicting Content-Length headers")
            headers[name] = f"{headers[name]}, {value}" if name in headers and name != "content-length" else value
        connection = headers.get("connection", "").lower()
        keep_alive = ("keep-alive" in connection) if http10 else ("close" not in connection)

        body_start = head_end + 4
        encoding = headers.get("transfer-encoding")
        if encoding is not None:
            if "content-length" in headers:
                raise _HttpError(400, "both Transfer-Encoding and Content-Length")
            if encoding.lower().replace(" ", "") != "chunked":
                raise _HttpError(501, f"unsupported transfer encoding {encoding[:40]!r}")
            self._maybe_continue(headers, len(buf) - body_start)
            chunked = _parse_chunked(buf, body_start)
            if chunked is None:
                return None
            body, end = chunked
        else:
            length_text = headers.get("content-length", "0")
            if not length_text.isdigit():
                raise _HttpError(400, "invalid Content-Length")
            length = int(length_text)
            if length > MAX_BODY:
                raise _HttpError(413, f"body larger than {MAX_BODY} bytes")
            end = body_start + length
            if len(buf) < end:
                self._maybe_continue(headers, len(buf) - body_start)
                return None
            body = bytes(buf[body_start:end])
        del buf[:end]
        self.continued = False
        return _Request(method, target, headers, body, keep_alive, http10)

    def _maybe_continue(self, headers: dict[str, str], have: int) -> None:
        """Answer ``Expect: 100-continue`` once, if no earlier answer is still owed."""
        if (not self.continued and have == 0 and not self.slots
                and headers.get("expect", "").lower() == "100-continue" and self.transport is not None):
            self.transport.write(_CONTINUE)
            self.continued = True

    def _handle(self, request: _Request) -> None:
        slot = [None, not request.keep_alive, request.keep_alive, request.http10]
        self.slots.append(slot)
        if not request.keep_alive:
            self.closing = True
        if self.api is not None and request.target.startswith(_API_PREFIX):
            # Answered in request order like fixes, once the API's worker thread is done.
            self.api.submit(request, self.peer, self.loop, lambda data, slot=slot: self._answer(slot, data))
            self._limit_pending()
            return
        if request.method not in _ACCEPTED_METHODS:
            self._rejected("osmand", f"HTTP 405: method {request.method[:20]!r} not allowed",
                               (request.method, request.target, request.body))
            self._answer(slot, _response(405, "use GET or POST", request.keep_alive, request.http10))
            return
        target = request.target
        if target.startswith(("http://", "https://")):  # absolute form, as sent to proxies
            target = target.split("/", 3)[3] if target.count("/") >= 3 else ""
        query = target.partition("?")[2].partition("#")[0]
        if not query.isascii():  # raw UTF-8 bytes, decoded as latin-1 above
            query = query.encode("latin-1").decode("utf-8", "replace")
        try:
            fix = parse_osmand_request(request.method, query, request.headers.get("content-type"), request.body)
        except ReportError as exc:
            reason = str(exc)
            self._rejected("osmand", reason, (request.method, request.target, request.body))
            self._answer(slot, _response(400, reason, request.keep_alive, request.http10))
            return
        # The excerpt is only built if the writer rejects the fix.
        payload = (request.method, request.target, request.body)
        self.writer.submit(fix, self.peer, payload, lambda outcome, slot=slot: self._stored(slot, outcome))
        self._limit_pending()

    def _rejected(self, protocol: str, reason: str, payload) -> None:
        """Record a rejected request; a connection sending mostly garbage is not read for a while."""
        self.writer.reject(protocol, self.peer, reason, payload)
        if self.penalty.rejected(self.loop.time()) and not self.penalized and self.transport is not None:
            self.penalized = True
            self.transport.pause_reading()
            self.loop.call_later(PENALTY_S, self._end_penalty)

    def _end_penalty(self) -> None:
        self.penalized = False
        self._resume()

    def _limit_pending(self) -> None:
        if len(self.slots) >= MAX_PENDING and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def _stored(self, slot: list, outcome: str | None) -> None:
        keep_alive, http10 = slot[2], slot[3]
        if outcome is None:
            self._answer(slot, _OK[(keep_alive, http10)])
        elif outcome is STORE_FAILED:
            self._answer(slot, _response(503, outcome, keep_alive, http10))
        else:
            self._answer(slot, _response(400, outcome, keep_alive, http10))

    # -- answers ---------------------------------------------------------------------

    def _answer(self, slot: list, data: bytes) -> None:
        slot[0] = data
        slots = self.slots
        transport = self.transport
        while slots and slots[0][0] is not None:
            data, close = slots.popleft()[:2]
            if transport is None:
                continue
            transport.write(data)
            if close:
                self._close()
                return
        if self.closing and not slots:
            self._close()
            return
        if self.paused and len(slots) < MAX_PENDING // 2:
            self.paused = False
            self._resume()

    def _fail(self, status: int, reason: str) -> None:
        """An unreadable request: answer after the ones before it, then close."""
        self.writer.reject("osmand", self.peer, f"HTTP {status}: {reason}", bytes(self.buf[:512]))
        self.buf.clear()
        self.closing = True
        slot = [None, True, False, False]
        self.slots.append(slot)
        self._answer(slot, _response(status, reason, keep_alive=False))

    def _close(self) -> None:
        self.closing = True
        self.buf.clear()
        if self.transport is not None:
            self.transport.close()

    # -- shutdown and housekeeping ---------------------------------------------------------

    @property
    def idle(self) -> bool:
        """No answer owed."""
        return not self.slots

    def timed_out(self, now: float, request_timeout_s: float) -> bool:
        """A request begun more than ``request_timeout_s`` ago is still incomplete: answer 408, close."""
        if self.partial_since is None or now - self.partial_since < request_timeout_s or self.closing:
            return False
        self._fail(408, f"request not complete within {request_timeout_s:g} s")
        return True

    def stop_reading(self) -> None:
        """Shutdown: finish the requests already read, read no more."""
        self.closing = True
        if self.transport is not None:
            self.transport.pause_reading()
        if not self.slots:
            self._close()
