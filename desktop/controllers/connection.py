"""The workstation's database link: a red banner while the database is unreachable (since
when, next attempt), reconnection by back-off, and writes refused meanwhile.

The loss is learnt from the change feed (it polls every quarter second, so it is the
first to notice), from a write that failed, or from any read reported to the workspace;
the return from a probe (``SELECT 1``) tried 1 s, 2 s, 4 s … up to RECONNECT_MAX_S after
the loss, or from the change feed reading again. While the link is down the operation
runner refuses writes at once with the time of the loss (the workspace's ``LinkState``),
so a dispatcher's click is answered now, not after a connection timeout, and nothing is
dropped silently: the dialog says it was not saved and the form keeps what was typed.
The wall has the same banner (desktop/banner.py) and back-off (core.wall_views.backoff_s)."""
from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from core.wall_views import backoff_s
from desktop.errors import outage_reason

if TYPE_CHECKING:
    from desktop.banner import Banner
    from desktop.workspace import Workspace

log = logging.getLogger(__name__)

RECONNECT_MAX_S = 30.0


class ConnectionController(QObject):
    def __init__(self, workspace: "Workspace", banner: "Banner", parent=None, max_wait_s: float = RECONNECT_MAX_S):
        super().__init__(parent)
        self.ws = workspace
        self.banner = banner
        self.max_wait_s = max_wait_s
        self.attempt = 0  # reconnection attempts since the loss
        self.probing = False
        self.feed_failing = False  # the change feed reported a failure and has not read since
        self.retry_timer = QTimer(self)
        self.retry_timer.setSingleShot(True)
        self.retry_timer.timeout.connect(self.probe)
        self.tick_timer = QTimer(self)  # the banner's "reconnecting in …" counts down
        self.tick_timer.setInterval(1000)
        self.tick_timer.timeout.connect(self._show)
        workspace.sig_link_changed.connect(self._on_link_changed)
        workspace.sig_feed_status.connect(self._on_feed_status)

    def stop(self) -> None:
        self.retry_timer.stop()
        self.tick_timer.stop()

    # --- what the workspace hears ---------------------------------------------------------
    def _on_feed_status(self, problem: str | None) -> None:
        if problem is not None:
            self.feed_failing = True
            self.ws.link_lost(problem)
        elif self.feed_failing:  # the change feed read again after failing: the database answers
            self.feed_failing = False
            self.ws.link_restored()

    def _on_link_changed(self, since: datetime | None) -> None:
        if since is None:
            log.warning("database reachable again")
            self.stop()
            self.attempt = 0
            self.banner.clear_lost()
            return
        log.warning("database unreachable since %s: writes are refused until it answers", since.isoformat())
        self.attempt = 0
        self._schedule()
        self.tick_timer.start()

    # --- reconnecting -----------------------------------------------------------------------
    def _schedule(self) -> None:
        self.attempt += 1
        self.retry_timer.start(int(backoff_s(self.attempt, 1.0, self.max_wait_s) * 1000))
        self._show()

    def probe(self) -> None:
        if self.ws.link.lost_since is None or self.probing or self.ws.engine is None:
            return
        from db.engine import ping

        engine = self.ws.engine
        self.probing = True
        self.ws.run_task(lambda: ping(engine), self._on_probe_ok, self._on_probe_failed)

    def _on_probe_ok(self, _result) -> None:
        self.probing = False
        self.ws.link_restored()

    def _on_probe_failed(self, exc: BaseException) -> None:
        self.probing = False
        if self.ws.link.lost_since is None:
            return  # the feed saw it come back meanwhile
        self.ws.link_lost(outage_reason(exc))  # the newest reason on the banner
        self._schedule()

    def _show(self) -> None:
        since = self.ws.link.lost_since
        if since is None:
            return
        next_s = self.retry_timer.remainingTime() / 1000 if self.retry_timer.isActive() else None
        self.banner.show_lost(since, self.ws.link.reason, next_s)
