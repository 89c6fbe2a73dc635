"""The position ingest server behind `gridcommand serve`: listeners + one writer thread.

The event loop thread reads and parses reports (OsmAnd HTTP, CoT UDP/TCP);
the writer thread stores them in batched transactions and hands the outcomes
back to the loop, which only then answers the senders. On SIGTERM/SIGINT the
listeners close, requests already read are stored and answered, the writer
commits whatever is queued, and :func:`serve` returns 0.
"""
from __future__ import annotations

import asyncio
import logging
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from feeds.cot_ingest import CotTcpProtocol, CotUdpProtocol
from feeds.http_ingest import HttpIngestProtocol
from feeds.limits import ConnectionLimits, ThrottledLog, effective_max_connections, raise_nofile_limit
from db.positions_repo import SpeedGuard
from feeds.spool import DEFAULT_SPOOL_MAX_FIXES, FixSpool
from feeds.writer import IngestWriter, Outcomes

if TYPE_CHECKING:
    from feeds.api import IncidentApi

log = logging.getLogger("gridcommand.ingest")

__all__ = ["IngestConfig", "IngestServer", "parse_hostport", "serve"]

# How long shutdown waits for queued fixes to commit before giving up.
DRAIN_TIMEOUT_S = 30.0


@dataclass
class IngestConfig:
    http: tuple[str, int] | None = ("127.0.0.1", 5055)
    cot_udp: tuple[str, int] | None = None
    cot_tcp: tuple[str, int] | None = None
    future_tolerance_s: float = 30
    rejects_keep: int = 10_000
    max_batch: int = 500
    limits: ConnectionLimits = field(default_factory=ConnectionLimits)
    max_speed_kmh: dict[str, float] | None = None  # travel mode -> impossible speed (None: the defaults)
    reuse_port: bool = False  # several `serve` processes share the ports (--workers)
    # Where acknowledged fixes wait while the database is unreachable (None: answer 503 instead).
    spool_dir: Path | None = None
    spool_max_fixes: int = DEFAULT_SPOOL_MAX_FIXES


def parse_hostport(text: str, default_host: str = "127.0.0.1") -> tuple[str, int]:
    """``HOST:PORT``, ``[v6]:PORT`` or a bare ``PORT`` -> (host, port)."""
    text = text.strip()
    if text.isdigit():
        host, port = default_host, text
    elif text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.lstrip(":")
    else:
        host, sep, port = text.rpartition(":")
        if not sep:
            raise ValueError(f"expected HOST:PORT, got {text!r}")
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ValueError(f"invalid port in {text!r}")
    return host or default_host, int(port)


class IngestServer:
    def __init__(self, engine: Engine, config: IngestConfig, api: "IncidentApi | None" = None):
        self.engine = engine
        self.config = config
        self.api = api  # the incident API on the HTTP port (/api/v1/...), if any
        self.loop: asyncio.AbstractEventLoop | None = None
        self.writer: IngestWriter | None = None
        self.connections: set = set()
        self.listeners: list = []
        self.bound: dict[str, tuple[str, int]] = {}
        self._stop: asyncio.Event | None = None

    def _deliver(self, outcomes: Outcomes) -> None:
        """Writer thread -> loop: one wake-up per committed batch."""
        self.loop.call_soon_threadsafe(_run_callbacks, outcomes)

    async def start(self) -> None:
        self.loop = loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        cfg = self.config
        spool = FixSpool(cfg.spool_dir, cfg.spool_max_fixes) if cfg.spool_dir is not None else None
        self.writer = IngestWriter(self.engine, self._deliver, future_tolerance_s=cfg.future_tolerance_s,
                                   rejects_keep=cfg.rejects_keep, max_batch=cfg.max_batch,
                                   speed_guard=SpeedGuard(cfg.max_speed_kmh), spool=spool)
        self.writer.start()
        loop.set_exception_handler(_throttled_exception_handler())
        soft, _ = raise_nofile_limit()
        cap = effective_max_connections(cfg.limits.max_connections, soft)
        if cap < cfg.limits.max_connections:
            log.warning("at most %d connections: the descriptor limit is %d (raise `ulimit -n`)", cap, soft)
        reuse = {"reuse_address": True, "reuse_port": cfg.reuse_port or None}
        if cfg.http is not None:
            server = await loop.create_server(
                lambda: HttpIngestProtocol(self.writer, self.connections, loop, self.api, cap),
                cfg.http[0], cfg.http[1], backlog=1024, **reuse)
            self.listeners.append(server)
            self.bound["http"] = server.sockets[0].getsockname()[:2]
        if cfg.cot_tcp is not None:
            server = await loop.create_server(lambda: CotTcpProtocol(self.writer, self.connections, loop, cap),
                                              cfg.cot_tcp[0], cfg.cot_tcp[1], **reuse)
            self.listeners.append(server)
            self.bound["cot-tcp"] = server.sockets[0].getsockname()[:2]
        if cfg.cot_udp is not None:
            transport, _ = await loop.create_datagram_endpoint(lambda: CotUdpProtocol(self.writer),
                                                               local_addr=cfg.cot_udp, reuse_port=cfg.reuse_port or None)
            self.listeners.append(transport)
            self.bound["cot-udp"] = transport.get_extra_info("sockname")[:2]
        for name, (host, port) in self.bound.items():
            if host in _LOOPBACK:
                log.info("listening for %s on %s:%d", name, host, port)
            else:  # reachable from other machines, without authentication: say so
                log.warning("listening for %s on %s:%d: reachable from other machines (unauthenticated)",
                            name, host, port)

    async def run_until_stopped(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT, getattr(signal, "SIGHUP", signal.SIGTERM)):  # SIGHUP: terminal closed
            try:
                self.loop.add_signal_handler(sig, self.request_stop, sig)
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread / not Unix
                pass
        sweeper = asyncio.ensure_future(self._sweep_idle())
        await self._stop.wait()
        sweeper.cancel()
        await self.shutdown()

    def request_stop(self, sig: int | None = None) -> None:
        if sig is not None:
            log.info("%s received: finishing what was received, then exiting", signal.Signals(sig).name)
        if self._stop is not None:
            self._stop.set()

    def stop_threadsafe(self) -> None:
        """Ask a server running in another thread's loop to shut down."""
        if self.loop is not None:
            self.loop.call_soon_threadsafe(self.request_stop)

    async def _sweep_idle(self) -> None:
        """Close connections idle longer than the idle timeout, and answer 408 to requests
        still incomplete after the request timeout (slowloris)."""
        limits = self.config.limits
        while True:
            await asyncio.sleep(max(0.05, min(1.0, limits.request_timeout_s / 4, limits.idle_timeout_s / 4)))
            now = self.loop.time()
            idle_before = now - limits.idle_timeout_s
            for conn in list(self.connections):
                if conn.transport is None or conn.timed_out(now, limits.request_timeout_s):
                    continue
                if conn.last_active < idle_before and conn.idle:
                    conn.transport.close()

    async def shutdown(self) -> None:
        """Stop reading, let every request already read be stored and answered, stop the writer."""
        for listener in self.listeners:
            listener.close()
        for conn in list(self.connections):
            conn.stop_reading()
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while (self.writer.busy or any(not c.idle for c in self.connections)) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        if self.writer.busy:
            log.error("shutdown: fixes still queued after %.0f s; they were not acknowledged", DRAIN_TIMEOUT_S)
        # Answers are out of our hands now: let the transports flush them.
        await asyncio.sleep(0)
        for conn in list(self.connections):
            if conn.transport is not None:
                conn.transport.close()
        finished = await asyncio.to_thread(self.writer.close, DRAIN_TIMEOUT_S)
        if not finished:
            log.error("shutdown: the writer did not finish")
        for listener in self.listeners:
            if hasattr(listener, "wait_closed"):  # TCP servers; UDP transports have nothing to wait for
                await listener.wait_closed()
        log.info("stopped: %d fixes stored, %d rejected, %d failed, %d reject records dropped (over budget)",
                 self.writer.stored, self.writer.rejected, self.writer.failed, self.writer.rejects_dropped)
        if self.writer.spooled:
            log.info("%d fixes were acknowledged from the spool while the database was unreachable",
                     self.writer.spooled)
        if self.writer.spool is not None and self.writer.spool.pending:
            log.warning("stopped with %d acknowledged fixes in the spool %s: the next `serve` stores them first",
                        self.writer.spool.pending, self.writer.spool.directory)


_LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _throttled_exception_handler():
    """The loop's errors (accept failing for want of descriptors, above all) logged once per
    interval with a count, instead of a traceback for every attempt."""
    throttled = ThrottledLog(log)

    def handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
        exc = context.get("exception")
        if isinstance(exc, OSError):
            throttled("event loop: %s: %s", context.get("message", "error"), exc)
        else:
            loop.default_exception_handler(context)

    return handler


def _run_callbacks(outcomes: Outcomes) -> None:
    for done, outcome in outcomes:
        try:
            done(outcome)
        except Exception:  # one broken connection must not keep the others waiting
            log.exception("delivering an ingest outcome failed")


async def _main(engine: Engine, config: IngestConfig, ready=None, api=None) -> None:
    server = IngestServer(engine, config, api)
    try:
        await server.start()
    except BaseException:
        if server.writer is not None:
            server.writer.close(5)
        raise
    if ready is not None:
        ready(server)
    await server.run_until_stopped()


def serve(engine: Engine, config: IngestConfig, ready=None, api: "IncidentApi | None" = None) -> int:
    """Run the ingest server (and ``api`` on its HTTP port) until SIGTERM/SIGINT; returns the exit status."""
    with _event_loop() as runner:
        runner.run(_main(engine, config, ready, api))
    return 0


def _event_loop() -> asyncio.Runner:
    """uvloop when installed (a third of the loop's cost per request here), else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return asyncio.Runner()
    return asyncio.Runner(loop_factory=uvloop.new_event_loop)
