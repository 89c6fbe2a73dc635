"""Automatic arrival detection: a dispatched unit whose newest fix comes within the
arrival radius (plus the fix's accuracy) of its incident is on scene.

The detector follows the positions feed by revision, like the workstations'
ChangeFeed, so it sees every unit whose last position moved, on either database.
It records arrivals through the operation runner as the "system" actor."""
from __future__ import annotations

import logging
import socket
import threading
import time
from datetime import timedelta

from sqlalchemy import Engine

from core.clock import Clock, SystemClock
from core.incidents import is_arrival
from core.settings import DispatchSettings
from db.change_feed import ChangeFeed
from db.engine import session_factory
from db.incident_ops import record_arrival
from db.incidents_repo import arrival_candidates
from db.operations import Actor, ConflictError, OperationRunner
from db.positions_repo import last_positions_since, positions_revision

log = logging.getLogger("gridcommand.arrival")

__all__ = ["ArrivalDetector"]

# A fix this much older than the dispatch order says where the unit was, not where it went.
FIX_BEFORE_ORDER_S = 60.0
# A fix vaguer than this (cell-tower positions) proves no arrival.
MAX_ACCURACY_M = 250.0
_RETRIES = 3
MIN_POLL_INTERVAL_S = 0.2


class ArrivalDetector:
    def __init__(self, engine: Engine, settings: DispatchSettings | None = None, clock: Clock | None = None,
                 *, interval_s: float = 0.5, max_accuracy_m: float | None = MAX_ACCURACY_M):
        self.engine = engine
        self.settings = settings or DispatchSettings()
        self.interval_s = interval_s
        self.max_accuracy_m = max_accuracy_m
        self.runner = OperationRunner(engine, Actor("system", socket.gethostname()[:64]), clock or SystemClock())
        self.rev = 0  # from 0: an arrival while nobody watched is found on the first poll
        self.detected = 0
        self._sessions = session_factory(engine)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._feed: ChangeFeed | None = None

    def poll_once(self) -> list[int]:
        """Check the units that moved since the last poll; the dispatch ids found arrived."""
        with self._sessions() as session:
            # Few dispatches wait for an arrival; thousands of units move. Nobody waiting: skip the fixes.
            candidates = arrival_candidates(session)
            if not candidates:
                self.rev = positions_revision(session)
                return []
            self.rev, rows = last_positions_since(session, self.rev)
        fixes = {row.unit_id: row for row in rows}
        arrived = []
        for c in candidates:
            fix = fixes.get(c.unit_id)
            if fix is None:
                continue
            if fix.fix_time < c.dispatched_at - timedelta(seconds=FIX_BEFORE_ORDER_S):
                continue
            if not is_arrival(fix.lon, fix.lat, fix.accuracy_m, c.lon, c.lat, self.settings.arrival_radius_m,
                              self.max_accuracy_m):
                continue
            if self._record(c.dispatch_id, fix.fix_time):
                arrived.append(c.dispatch_id)
        self.detected += len(arrived)
        return arrived

    def _record(self, dispatch_id: int, at) -> bool:
        for attempt in range(_RETRIES):
            try:
                record_arrival(self.runner, dispatch_id, source="auto", at=at)
                return True
            except ConflictError:  # a workstation changed the incident at that moment: read again
                if attempt == _RETRIES - 1:
                    log.warning("arrival for dispatch %d not recorded: the incident kept changing", dispatch_id)
            except ValueError as exc:  # released meanwhile
                log.info("arrival for dispatch %d not recorded: %s", dispatch_id, exc)
                return False
        return False

    # -- the thread ----------------------------------------------------------------

    def start(self) -> None:
        self._stop.clear()
        self._feed = ChangeFeed(self.engine) if self.engine.dialect.name == "postgresql" else None
        self._thread = threading.Thread(target=self._run, name="arrival-detector", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.poll_once()
            except Exception:  # the database may come back; never let the thread die
                log.exception("arrival detection failed; retrying")
                self._stop.wait(5)
            # Ingest commits (and NOTIFYs) up to hundreds of batches a second; a poll per batch
            # would take the ingest server's CPU. Arrivals are seconds apart: poll at most this often.
            self._stop.wait(max(0.0, MIN_POLL_INTERVAL_S - (time.monotonic() - started)))
            if self._feed is not None:
                self._feed.wait(self.interval_s)  # a NOTIFY from the ingest writer cuts it short
            else:
                self._stop.wait(self.interval_s)

    def stop(self, timeout: float = 10) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._feed is not None:
            self._feed.close()
            self._feed = None
