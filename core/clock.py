"""Injectable time, so replay and tests control "now"."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class FixedClock:
    """A clock tests and replay move by hand."""

    def __init__(self, start: datetime):
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


class ScaledClock:
    """Time running ``factor`` times as fast as the system's, from ``start`` (default: now):
    an accelerated demo or test. Every party (simulator, arrival detection, the
    workstation's operation runner) must share the one clock, or their times disagree."""

    def __init__(self, factor: float, start: datetime | None = None):
        import time

        if not factor > 0:
            raise ValueError("ScaledClock needs a positive factor")
        if start is not None and start.tzinfo is None:
            raise ValueError("ScaledClock needs an aware datetime")
        self.factor = factor
        self._monotonic = time.monotonic
        self._t0 = time.monotonic()
        self._start = start or datetime.now(timezone.utc)

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(self._monotonic() - self._t0) * self.factor)
