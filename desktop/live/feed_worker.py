"""Polls the change feed on a worker thread, so the GUI thread never waits on the database."""
from __future__ import annotations

import logging
import time
from typing import Callable

from PySide6.QtCore import QThread, Signal

from db.change_feed import ChangeFeed, FeedBatch

log = logging.getLogger(__name__)


class FeedWorker(QThread):
    sig_batch_received = Signal(object)  # FeedBatch
    sig_feed_failed = Signal(str)
    sig_feed_recovered = Signal()

    def __init__(self, feed: ChangeFeed, interval_s: float = 0.25, parent=None,
                 prepare: Callable[[FeedBatch], dict] | None = None):
        super().__init__(parent)
        self.feed = feed
        # Runs here, not on the GUI thread: e.g. serialising thousands of map rows.
        self.prepare = prepare
        self.interval_s = interval_s
        self._running = True
        self._failing = False

    def stop(self) -> None:
        self._running = False
        if not self.wait(10000):  # a poll stuck on a dead connection: do not pull it from under it
            log.warning("change feed worker did not stop in time")
            return
        self.feed.close()

    def run(self) -> None:
        while self._running:
            try:
                batch: FeedBatch = self.feed.poll()
            except Exception as exc:  # the database went away: say so, keep trying
                if not self._failing:
                    log.warning("change feed failed: %s", exc)
                    self.sig_feed_failed.emit(str(exc).splitlines()[0])
                self._failing = True
                self.msleep(1000)
                continue
            if self._failing:
                self._failing = False
                self.sig_feed_recovered.emit()
            if batch:
                batch.received_at = time.monotonic()
                if self.prepare is not None and batch.fixes:
                    batch.prepared = self.prepare(batch)
                self.sig_batch_received.emit(batch)
            self.feed.wait(self.interval_s)
