"""The ingest writer: one thread that stores fixes from every listener in batches.

Listeners (HTTP, CoT) hand fixes over with :meth:`IngestWriter.submit` and
never wait on the database. The thread takes whatever has queued up (up to
``max_batch``), stores it in one transaction, commits, and only then reports
each fix's outcome through ``deliver`` (which the server points at its event
loop). While one batch commits the next one queues up, so the batch size
follows the load by itself ("group commit"). Rejected reports are recorded in
the same transaction.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from core.clock import Clock, SystemClock
from core.fixes import Fix
from core.redaction import redact
from db.engine import is_connection_error
from db.positions_repo import DeviceCache, Reject, SpeedGuard, record_rejects, store_fixes
from feeds.limits import SenderBudget
from feeds.spool import FixSpool, SpoolFull

log = logging.getLogger("gridcommand.ingest")

__all__ = ["STORE_FAILED", "IngestWriter", "RejectLog", "excerpt"]


class _StoreFailed(str):
    """Outcome of a fix whose batch could not be committed (the sender should retry)."""


STORE_FAILED = _StoreFailed("storage unavailable, retry later")
_STOP = object()
_PAYLOAD_MAX = 1000
# Reconnection attempts during an outage: the wait doubles from the first to the last.
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 5.0
# While draining the spool, new batches are taken (and spooled, acknowledged) at least this often.
DRAIN_TURN_S = 0.5


def excerpt(payload: Any, limit: int = _PAYLOAD_MAX) -> str:
    """A printable excerpt of a report for the rejected-reports table, credentials
    redacted (the table is readable by every workstation).

    ``payload`` is bytes, text, or an HTTP request as (method, target, body)."""
    if isinstance(payload, tuple) and len(payload) == 3:
        method, target, body = payload
        payload = f"{method} {target}".encode("latin-1", "replace") + (b"\n" + bytes(body) if body else b"")
    if isinstance(payload, (bytes, bytearray, memoryview)):
        payload = bytes(payload[:limit]).decode("utf-8", "replace")
    text = redact("" if payload is None else str(payload)[:limit])
    return "".join(ch if ch.isprintable() or ch in "\n\t" else "\ufffd" for ch in text)


class RejectLog:
    """One log line per rejected report, at most ``per_second`` a second, then a count."""

    def __init__(self, per_second: int = 20):
        self.per_second = per_second
        self._window = 0
        self._count = 0
        self._suppressed = 0
        self._lock = threading.Lock()

    def __call__(self, protocol: str, source: str, reason: str) -> None:
        now = int(time.monotonic())
        with self._lock:
            if now != self._window:
                if self._suppressed:
                    log.warning("%d more rejected reports not logged (see `gridcommand rejects`)", self._suppressed)
                self._window, self._count, self._suppressed = now, 0, 0
            self._count += 1
            if self._count > self.per_second:
                self._suppressed += 1
                return
        log.warning("rejected %s report from %s: %s", protocol, source, reason)


# The outcome list of a batch that went to the spool (every fix acknowledged).
_SPOOLED = object()
# The outcome of a spooled fix the database refused to store (kept on disk instead).
_SET_ASIDE = object()


class _Item(NamedTuple):
    fix: Fix
    source: str
    payload: Any
    # Called through ``deliver`` after the commit with None (stored), a reason, or STORE_FAILED.
    done: Callable[[str | None], None] | None


# (callback, outcome) pairs, handed to the event loop once per batch.
Outcomes = list[tuple[Callable[[str | None], None], str | None]]


class IngestWriter:
    def __init__(
        self,
        engine: Engine,
        deliver: Callable[[Outcomes], None],
        *,
        future_tolerance_s: float = 30,
        rejects_keep: int = 10_000,
        max_batch: int = 500,
        clock: Clock | None = None,
        reject_log: RejectLog | None = None,
        reject_budget: SenderBudget | None = None,
        speed_guard: SpeedGuard | None = None,
        spool: FixSpool | None = None,
    ):
        self.engine = engine
        self.deliver = deliver
        self.future_tolerance_s = future_tolerance_s
        self.rejects_keep = rejects_keep
        self.max_batch = max_batch
        self.clock = clock or SystemClock()
        self.reject_log = reject_log or RejectLog()
        self.reject_budget = reject_budget or SenderBudget()
        self.speed_guard = speed_guard or SpeedGuard()
        self.devices = DeviceCache()
        # Told about every batch of stored fixes after its commit (patrol detection, feeds/patrol_live.py).
        self.on_stored: Callable[[list[Fix], datetime], None] | None = None
        self.stored = 0
        self.rejected = 0
        self.failed = 0
        self.spool = spool  # None: a batch the database cannot take is answered "retry later"
        self.spooled = 0  # fixes acknowledged from the spool during outages
        self.outage_since: datetime | None = None  # when the database was last found unreachable
        self._retry_at = 0.0  # monotonic time of the next attempt during an outage
        self._retry_wait = RETRY_FIRST_S
        self._connection: Connection | None = None
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._queued = 0  # submitted and not yet finished; read by the shutdown wait
        self._count_lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="ingest-writer", daemon=True)

    # -- called from the listeners' thread ---------------------------------

    def start(self) -> None:
        self._thread.start()

    def submit(self, fix: Fix, source: str, payload: Any, done: Callable[[str | None], None] | None = None) -> None:
        with self._count_lock:
            self._queued += 1
        self._queue.put(_Item(fix, source, payload, done))

    def reject(self, protocol: str, source: str, reason: str, payload: Any) -> None:
        """Record a report rejected before it became a fix (bad syntax, bad values).

        Within the sender's budget only: past it the reject is dropped and counted
        (``rejects_dropped``), so a flood cannot grow the queue or delay valid fixes."""
        if not self.reject_budget.admit(source):
            return
        reason = redact(reason)  # reasons quote the offending value
        self.reject_log(protocol, source, reason)
        with self._count_lock:
            self._queued += 1
        self._queue.put(Reject(self.clock.now(), protocol, source, reason, excerpt(payload)))

    @property
    def rejects_dropped(self) -> int:
        return self.reject_budget.dropped

    @property
    def busy(self) -> bool:
        """Work submitted and not yet committed (or failed)."""
        return self._queued > 0

    def close(self, timeout: float | None = None) -> bool:
        """Store everything submitted so far, then stop; True if the thread finished."""
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join(timeout)
        return not self._thread.is_alive()

    # -- the writer thread ---------------------------------------------------

    def _run(self) -> None:
        stopping = False
        while not stopping:
            if self.spool:  # something to drain: wake up for it even when no fix comes
                try:
                    first = self._queue.get(timeout=DRAIN_TURN_S)
                except queue.Empty:
                    self._drain()
                    continue
            else:
                first = self._queue.get()
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if any(item is _STOP for item in batch):
                stopping = True
                batch = [item for item in batch if item is not _STOP]
                # Anything queued behind the stop marker still gets stored.
                while True:
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if item is not _STOP:
                        batch.append(item)
            for start in range(0, len(batch), self.max_batch):
                self._write(batch[start:start + self.max_batch])
            if self.spool:
                self._drain(stopping)
        if self.spool is not None:
            self.spool.close()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _write(self, batch: list) -> None:
        items = [item for item in batch if isinstance(item, _Item)]
        rejects = [item for item in batch if isinstance(item, Reject)]
        outcomes: list[str | None] | None = None
        if self.spool:
            # Older fixes wait in the spool: queue behind them.
            outcomes = self._to_spool(items, rejects)
            rejects = []
        else:
            error: Exception | None = None
            for attempt in (1, 2):
                try:
                    outcomes = self._commit(items, rejects)
                    break
                except Exception as exc:  # any database error: retry once on a new connection, then fail the batch
                    error = exc
                    self.devices.clear()  # a device may have moved to a deleted unit
                    self._drop_connection()
                    log.error("storing %d fixes failed (attempt %d): %s", len(items), attempt,
                              " ".join(str(exc).split())[:300])
                    if attempt == 1:
                        time.sleep(0.05)
            if outcomes is None and self.spool is not None and error is not None and is_connection_error(error):
                self._outage_began()
                outcomes = self._to_spool(items, rejects)
                rejects = []
        if outcomes is None:
            outcomes = [STORE_FAILED] * len(items)
            self.failed += len(items)
        elif outcomes and outcomes[0] is _SPOOLED:
            outcomes = [None] * len(items)
        else:
            for item, outcome in zip(items, outcomes):
                if outcome is None:
                    self.stored += 1
                else:
                    self.rejected += 1
                    self.reject_log(item.fix.protocol, item.source, outcome)
            self.rejected += len(rejects)
            self._database_back()
        acks = [(item.done, outcome) for item, outcome in zip(items, outcomes) if item.done is not None]
        try:
            if acks:
                self.deliver(acks)
        except Exception:  # the loop is gone (shutdown): nothing left to tell
            log.debug("could not deliver %d outcomes", len(acks), exc_info=True)
        finally:
            if rejects:
                self.reject_budget.done(len(rejects))
            with self._count_lock:
                self._queued -= len(batch)

    # -- the outage ------------------------------------------------------------

    def _outage_began(self) -> None:
        if self.outage_since is None:
            self.outage_since = self.clock.now()
            log.error("the database is unreachable: fixes are spooled to %s and acknowledged once on disk",
                      self.spool.directory)
        self._retry_wait = RETRY_FIRST_S
        self._retry_at = time.monotonic() + self._retry_wait

    def _to_spool(self, items: list[_Item], rejects: list[Reject]) -> list | None:
        """Append the batch's fixes to the spool: [_SPOOLED] once they are on disk, None when
        the spool is full or the disk refuses (the senders retry: 503). Rejected reports
        are only diagnostics: during an outage they are dropped and counted."""
        if rejects:
            self.reject_budget.done(len(rejects))
            self.reject_budget.dropped += len(rejects)
        if not items:
            return [_SPOOLED]
        try:
            self.spool.append([(item.fix, item.source) for item in items], self.clock.now())
        except SpoolFull:
            log.error("the spool holds %d fixes, its bound: answering 503 (devices keep their own buffer)",
                      self.spool.pending)
            return None
        except OSError as exc:
            log.error("cannot write the spool %s: %s", self.spool.directory, exc)
            return None
        self.spooled += len(items)
        return [_SPOOLED]

    def _drain(self, stopping: bool = False) -> None:
        """Store spooled fixes oldest first while the database answers; for at most one turn
        (new batches are taken between turns), or all of them when ``stopping``."""
        if self.outage_since is not None and time.monotonic() < self._retry_at and not stopping:
            return
        deadline = time.monotonic() + DRAIN_TURN_S
        drained = 0
        while self.spool and (stopping or time.monotonic() < deadline):
            seg, records, end = self.spool.peek(self.max_batch)
            items = [_Item(r.fix, r.source, b"(stored from the spool)", None) for r in records]
            try:
                outcomes = self._commit(items, []) if items else []
            except Exception as exc:
                self.devices.clear()
                self._drop_connection()
                if not is_connection_error(exc):
                    # The database answers but refuses this batch: store what it takes one by one
                    # and set the rest aside on disk, or one bad record would stop the drain for good.
                    outcomes = self._store_one_by_one(items)
                    if outcomes is None:
                        return
                    self.spool.committed(seg, end, len(records))
                    drained += len(records)
                    self._count(items, outcomes)
                    continue
                if self.outage_since is None:
                    self.outage_since = self.clock.now()
                self._retry_wait = min(RETRY_MAX_S, self._retry_wait * 2)
                self._retry_at = time.monotonic() + self._retry_wait
                log.warning("the database is still unreachable (%d fixes spooled; next try in %.1f s): %s",
                            self.spool.pending, self._retry_wait, " ".join(str(exc).split())[:200])
                return
            # Committed: only now is the spool told (a crash in between stores them again, once).
            self.spool.committed(seg, end, len(records))
            drained += len(records)
            self._count(items, outcomes)
            self._database_back()
        if drained and not self.spool:
            log.warning("the spool is drained: every acknowledged fix is in the database")

    def _count(self, items: list[_Item], outcomes: list[str | None]) -> None:
        for item, outcome in zip(items, outcomes):
            if outcome is None:
                self.stored += 1
            elif outcome is not _SET_ASIDE:
                self.rejected += 1
                self.reject_log(item.fix.protocol, item.source, outcome)

    def _store_one_by_one(self, items: list[_Item]) -> list | None:
        """Each spooled fix in its own transaction; one the database refuses (not for being
        unreachable) goes to ``unstorable`` in the spool directory, kept for the administrator.
        None if the database became unreachable meanwhile (the drain retries later)."""
        outcomes: list = []
        aside = []
        for item in items:
            try:
                outcomes.extend(self._commit([item], []))
            except Exception as exc:
                self._drop_connection()
                if is_connection_error(exc):
                    return None
                log.error("a spooled fix from %s cannot be stored, kept in %s: %s", item.source,
                          self.spool.directory / "unstorable", " ".join(str(exc).split())[:200])
                aside.append((item.fix, item.source))
                outcomes.append(_SET_ASIDE)
        if aside:
            self.spool.set_aside(aside, self.clock.now())
        return outcomes

    def _database_back(self) -> None:
        if self.outage_since is not None:
            log.warning("the database answers again (unreachable since %s): storing the spooled fixes first",
                        self.outage_since.isoformat(timespec="seconds"))
            self.outage_since = None
            self._retry_wait = RETRY_FIRST_S

    def _session(self) -> Session:
        """A session on the writer's own connection, kept between batches: a pool checkout
        costs a ping and a reset round trip per batch on PostgreSQL."""
        if self._connection is None or self._connection.closed or self._connection.invalidated:
            self._connection = self.engine.connect()
        return Session(bind=self._connection, expire_on_commit=False)

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.invalidate()
                self._connection.close()
            except Exception:  # already broken: nothing to release
                log.debug("closing the writer's connection failed", exc_info=True)
            self._connection = None

    def _commit(self, items: list[_Item], rejects: list[Reject]) -> list[str | None]:
        now = self.clock.now()
        with self._session() as session:
            outcomes = store_fixes(session, [item.fix for item in items], now,
                                   self.future_tolerance_s, devices=self.devices, speed_guard=self.speed_guard)
            # Refused fixes are recorded within their senders' budget too (a flood of unknown ids).
            refused = [Reject(now, item.fix.protocol, item.source, outcome, excerpt(item.payload))
                       for item, outcome in zip(items, outcomes)
                       if outcome is not None and self.reject_budget.admit(item.source)]
            self.reject_budget.done(len(refused))
            if rejects or refused:
                record_rejects(session, rejects + refused, self.rejects_keep)
            session.commit()
        if self.on_stored is not None:
            stored = [item.fix for item, outcome in zip(items, outcomes) if outcome is None]
            if stored:
                self.on_stored(stored, now)
        return outcomes
