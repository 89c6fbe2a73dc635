"""What one unauthenticated sender may cost the ingest server, and how it is held to it.

* ``ConnectionLimits``: open connections (beyond the cap the newest is closed at
  once), how long a request may take to arrive (slowloris), how long a
  connection may sit idle.
* ``SenderBudget``: rejected reports recorded per sender and second, and pending
  in all; the rest are dropped and counted, so a flood of garbage can neither
  grow the writer's queue nor crowd out valid fixes.
* ``ThrottledLog``: one log line per interval for a repeating condition (accept
  errors, refused connections), with the count of what it did not log.
* ``raise_nofile_limit``: the soft descriptor limit up to the hard one.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

__all__ = ["PENALTY_S", "ConnectionLimits", "RejectPenalty", "SenderBudget", "ThrottledLog", "admit_connection",
           "effective_max_connections", "raise_nofile_limit", "sender_host"]

# Descriptors kept back from the connection cap: database connections, log files, the listeners.
FD_RESERVE = 64


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = 4096
    request_timeout_s: float = 10.0
    idle_timeout_s: float = 120.0


class ThrottledLog:
    """``log.warning`` at most once per ``interval_s`` for one kind of event; counts the rest."""

    def __init__(self, logger: logging.Logger, interval_s: float = 10.0):
        self.logger = logger
        self.interval_s = interval_s
        self._next = 0.0
        self._suppressed = 0
        self._lock = threading.Lock()

    def __call__(self, message: str, *args) -> None:
        now = time.monotonic()
        with self._lock:
            if now < self._next:
                self._suppressed += 1
                return
            suppressed, self._suppressed = self._suppressed, 0
            self._next = now + self.interval_s
        if suppressed:
            self.logger.warning(message + " (and %d more like it in the last %.0f s)", *args, suppressed,
                                self.interval_s)
        else:
            self.logger.warning(message, *args)


def sender_host(source: str) -> str:
    """The address part of ``host:port`` / ``[v6]:port``: one budget per machine, not per socket."""
    host, sep, _ = source.rpartition(":")
    return host if sep else source


class SenderBudget:
    """Admits at most ``per_sender_per_s`` events a second from one host and ``max_pending``
    not yet written in all; counts what it refused. Thread-safe."""

    def __init__(self, per_sender_per_s: int = 20, max_pending: int = 1000, max_senders: int = 10_000):
        self.per_sender_per_s = per_sender_per_s
        self.max_pending = max_pending
        self.max_senders = max_senders
        self.pending = 0
        self.dropped = 0
        self._window = 0
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def admit(self, source: str) -> bool:
        host = sender_host(source)
        second = int(time.monotonic())
        with self._lock:
            if second != self._window:
                self._window = second
                self._counts.clear()
            count = self._counts.get(host, 0) + 1
            if self.pending >= self.max_pending or count > self.per_sender_per_s or (
                    count == 1 and len(self._counts) >= self.max_senders):
                self.dropped += 1
                return False
            self._counts[host] = count
            self.pending += 1
            return True

    def done(self, n: int) -> None:
        """``n`` admitted events were written (or given up)."""
        with self._lock:
            self.pending -= n


def raise_nofile_limit(want: int = 65536) -> tuple[int, int]:
    """Raise the soft RLIMIT_NOFILE towards ``want`` (never above the hard limit); returns (soft, hard)."""
    try:
        import resource
    except ImportError:  # not Unix
        return want, want
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft, hard


def effective_max_connections(configured: int, soft_nofile: int) -> int:
    """The cap actually enforced: what the descriptor limit leaves after the reserve."""
    return max(1, min(configured, soft_nofile - FD_RESERVE))


_refused_log = ThrottledLog(logging.getLogger("gridcommand.ingest"))


def admit_connection(protocol, transport) -> bool:
    """Register a new connection in ``protocol.connections``, unless that already holds
    ``protocol.max_connections``: then close this one, the newest, at once (the ones
    already talking keep working; idle ones time out and make room)."""
    cap = protocol.max_connections
    if cap is not None and len(protocol.connections) >= cap:
        protocol.closing = True
        transport.abort()
        _refused_log("connection limit (%d) reached: closing new connections", cap)
        return False
    protocol.connections.add(protocol)
    return True


# Rejected reports per connection and second before the connection is not read for a while.
REJECTS_PER_CONNECTION_PER_S = 50
PENALTY_S = 1.0


class RejectPenalty:
    """Counts one connection's rejected reports; past ``per_s`` in a second it says "pause":
    a sender of garbage then costs ``per_s`` parses a second, whatever it sends."""

    def __init__(self, per_s: int = REJECTS_PER_CONNECTION_PER_S):
        self.per_s = per_s
        self._second = -1
        self._count = 0

    def rejected(self, now: float) -> bool:
        second = int(now)
        if second != self._second:
            self._second, self._count = second, 0
        self._count += 1
        return self._count > self.per_s
