"""Live patrol detection in `gridcommand serve`, beside arrival detection.

The ingest writer hands over every committed batch of fixes; a thread of its own runs
the one incremental detector (core.patrol_detect) on them and stores each delta in
patrol_events through the operation runner (a "patrol" change row, no audit: like
positions, events are derived data). On start, and when points, lines or stations
change, the detector is primed from the stored fixes of the last ``late_horizon_h``,
so a restart or an edit loses nothing the horizon covers."""
from __future__ import annotations

import logging
import queue
import socket
import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from core.clock import Clock, SystemClock
from core.fixes import Fix
from core.patrol_detect import Delta, PatrolDetector
from core.settings import PatrolSettings
from db.engine import session_factory
from db.models import MustVisitPoint, PatrolEvent, PatrolLine, Station
from db.operations import Actor, OperationRunner
from db.patrol_repo import REBUILD_MARGIN, DeviceBook, apply_delta, fixes_batch, load_places, read_fixes

log = logging.getLogger("gridcommand.patrol")

__all__ = ["PatrolLive"]

_STOP = object()
_RULES_CHECK_S = 15.0
_DEVICES_REFRESH_S = 10.0


class PatrolLive:
    def __init__(self, engine: Engine, settings: PatrolSettings | None = None, clock: Clock | None = None):
        self.engine = engine
        self.settings = settings or PatrolSettings()
        self.clock = clock or SystemClock()
        self.runner = OperationRunner(engine, Actor("system", socket.gethostname()[:64]), self.clock)
        self.book = DeviceBook()
        self.detector: PatrolDetector | None = None
        self.fixes = 0
        self.batch_ms: list[float] = []  # detector time per batch, the last 1,000
        self._sessions = session_factory(engine)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._rules_signature = None
        self._rules_checked = 0.0
        self._devices_refreshed = 0.0
        self._thread: threading.Thread | None = None

    # -- called by the ingest writer after each commit --------------------------------------

    def submit(self, fixes: list[Fix], now: datetime) -> None:
        self._queue.put((fixes, now))

    # -- detection ------------------------------------------------------------------------

    def _signature(self, session) -> tuple:
        """Changes whenever a point, line or station is added, versioned or retired."""
        out = []
        for model in (MustVisitPoint, PatrolLine, Station):
            out.append(tuple(session.execute(select(func.count(), func.max(model.id), func.max(model.valid_to)
                                                    if hasattr(model, "valid_to") else func.max(model.updated_at))
                                             ).one()))
        return tuple(out)

    def prime(self) -> int:
        """A fresh detector fed with the stored fixes of the horizon; stored events from the
        horizon on are replaced by what it finds. Returns the fixes read."""
        now = self.clock.now()
        since = now - timedelta(hours=self.settings.late_horizon_h)
        with self._sessions() as session:
            self.book.refresh(session)
            places = load_places(session, self.settings)
            self._rules_signature = self._signature(session)
        detector = PatrolDetector(places, self.book.names, self.settings)
        read = 0
        # Read further back than the events replaced, so a stay crossing ``since`` is seen whole.
        for batch in read_fixes(self.engine, self.book, since - REBUILD_MARGIN, now + timedelta(days=1)):
            read += len(batch)
            detector.add(batch)
        events = [e for e in detector.events() if e.start >= since.timestamp()]
        table = PatrolEvent.__table__

        def write(ctx) -> None:
            ctx.session.execute(table.delete().where(table.c.start_at >= since))
            apply_delta(ctx.session, Delta(added=events), ctx.now)
            ctx.changed("patrol")

        self.runner.run("prime patrol detection", write, permission="detect_patrol")
        self.detector = detector
        return read

    def process(self, fixes: list[Fix], now: datetime) -> Delta:
        """Run one batch through the detector and store the delta."""
        if self.detector is None:
            self.prime()
        mono = time.monotonic()
        if any(f.device_id not in self.book.index for f in fixes) and mono - self._devices_refreshed > _DEVICES_REFRESH_S:
            self._devices_refreshed = mono
            with self._sessions() as session:
                self.book.refresh(session)
        started = time.perf_counter()
        fixes = [f for f in fixes if f.device_id in self.book.index]  # a device removed meanwhile
        batch = fixes_batch(self.book, fixes, now)
        delta = self.detector.add(batch)
        self.batch_ms = (self.batch_ms + [(time.perf_counter() - started) * 1000])[-1000:]
        self.fixes += len(fixes)
        if delta:
            def write(ctx) -> None:
                apply_delta(ctx.session, delta, ctx.now)
                ctx.changed("patrol")

            self.runner.run("detect patrol events", write, permission="detect_patrol")
        return delta

    def _maybe_reload_rules(self) -> None:
        mono = time.monotonic()
        if mono - self._rules_checked < _RULES_CHECK_S:
            return
        self._rules_checked = mono
        with self._sessions() as session:
            changed = self._signature(session) != self._rules_signature
        if changed:
            log.info("patrol places changed: re-priming detection from %g h of stored fixes",
                     self.settings.late_horizon_h)
            self.prime()

    # -- the thread -------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="patrol-detector", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self.prime()
        except Exception:
            log.exception("priming patrol detection failed; the first batch retries")
        while True:
            try:
                item = self._queue.get(timeout=_RULES_CHECK_S)
            except queue.Empty:
                item = None
            if item is _STOP:
                return
            items = [item] if item is not None else []
            while True:  # one detector run for everything waiting
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP:
                    self._queue.put(_STOP)
                    break
                items.append(more)
            try:
                self._maybe_reload_rules()
                fixes = [f for batch, _ in items for f in batch]
                if fixes:
                    self.process(fixes, items[-1][1])
            except Exception:  # the database may come back; never let the thread die
                log.exception("patrol detection failed; the next batch retries")
                self.detector = None  # re-prime from stored fixes: nothing the horizon covers is lost

    def stop(self, timeout: float = 10) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout)
            self._thread = None
