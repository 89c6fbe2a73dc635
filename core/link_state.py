"""Whether a workstation's database is reachable, as last seen: since when it is not, and why.

One writer (the workstation's GUI thread, which hears of failures from the change feed,
from writes and from its reconnection probes); read by the operation runner on worker
threads, which refuses writes at once while the link is down instead of waiting out a
connection timeout per click."""
from __future__ import annotations

import threading
from datetime import datetime


class LinkState:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._since: datetime | None = None
        self._reason = ""

    @property
    def lost_since(self) -> datetime | None:
        """When the database was found unreachable; None while it answers."""
        with self._lock:
            return self._since

    @property
    def reason(self) -> str:
        with self._lock:
            return self._reason

    def lost(self, now: datetime, reason: str) -> bool:
        """Record a loss; True if the link was up until now (a new outage)."""
        with self._lock:
            new = self._since is None
            if new:
                self._since = now
            self._reason = reason or self._reason
            return new

    def restored(self) -> bool:
        """Record that the database answers; True if it was lost until now."""
        with self._lock:
            was = self._since is not None
            self._since, self._reason = None, ""
            return was
