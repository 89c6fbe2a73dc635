"""Ingest, simulator and arrival detection inside one process, for `gridcommand gui --demo`:
a newcomer sees units move at once, through the same OsmAnd HTTP path real devices use,
dispatched units drive to their incidents (their terminals sign off by themselves),
and demo incidents come in at ``DemoSettings.incidents_per_hour``."""
from __future__ import annotations

import asyncio
import logging
import threading

from sqlalchemy import Engine

from typing import TYPE_CHECKING

from core.clock import Clock

if TYPE_CHECKING:
    from core.settings import PatrolSettings
from core.settings import DemoSettings, DispatchSettings
from feeds.arrival import ArrivalDetector
from feeds.ingest import IngestConfig, IngestServer
from feeds.simulator import DatabaseSink, OsmAndHttpSink, SimulatorRunner

log = logging.getLogger(__name__)


class EmbeddedFeeds:
    """Starts an ingest server on a background asyncio loop and a simulator that
    reports to it. If the port is taken (a `gridcommand serve` already runs), the
    simulator writes to the database directly instead."""

    def __init__(self, engine: Engine, http: tuple[str, int] = ("127.0.0.1", 5055), rate: float = 20.0,
                 seed: int = 1, units: int | None = None, dispatch: DispatchSettings | None = None,
                 demo: DemoSettings | None = None, clock: Clock | None = None,
                 patrol: "PatrolSettings | None" = None):
        self.engine = engine
        # An accelerated clock (core.clock.ScaledClock) for walk-throughs and tests: the
        # simulator then writes to the database directly, since the ingest server judges
        # fix times by the system clock.
        self.clock = clock
        self.dispatch = dispatch or DispatchSettings()
        self.demo = demo or DemoSettings()
        self.http = http
        self.rate = rate
        self.seed = seed
        self.units = units
        self.server: IngestServer | None = None
        self.simulator: SimulatorRunner | None = None
        self.arrivals = ArrivalDetector(engine, self.dispatch, clock)
        # Check-ins, line coverage and joint patrols, as `serve` detects them beside arrivals.
        from feeds.patrol_live import PatrolLive

        self.patrol = PatrolLive(engine, patrol, clock)
        self.ingest_address: tuple[str, int] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    def _start_ingest(self) -> bool:
        started = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            server = IngestServer(self.engine, IngestConfig(http=self.http))
            try:
                loop.run_until_complete(server.start())
            except OSError as exc:
                failure.append(exc)
                if server.writer is not None:
                    server.writer.close(5)
                started.set()
                loop.close()
                return
            self.server = server
            server.writer.on_stored = self.patrol.submit  # told after each commit, like `serve`
            self.ingest_address = server.bound.get("http")
            started.set()
            loop.run_until_complete(server.run_until_stopped())
            loop.close()

        self._thread = threading.Thread(target=run, name="embedded-ingest", daemon=True)
        self._thread.start()
        started.wait(10)
        if failure:
            log.warning("embedded ingest not started (%s); the simulator writes to the database directly", failure[0])
        return not failure and self.server is not None

    def start(self) -> None:
        sink = DatabaseSink(self.engine)
        if self.clock is None and self._start_ingest() and self.ingest_address:
            host, port = self.ingest_address
            sink = OsmAndHttpSink(f"http://{host}:{port}/", connections=2)
        self.simulator = SimulatorRunner(self.engine, units=self.units, rate=self.rate, seed=self.seed, sink=sink,
                                         dispatch=self.dispatch, demo=self.demo, clock=self.clock,
                                         incidents_per_hour=self.demo.incidents_per_hour)
        self.simulator.start()
        self.arrivals.start()
        self.patrol.start()

    def stop(self) -> None:
        self.arrivals.stop()
        self.patrol.stop()
        if self.simulator is not None:
            self.simulator.stop()
        if self.server is not None:
            self.server.stop_threadsafe()
        if self._thread is not None:
            self._thread.join(30)
