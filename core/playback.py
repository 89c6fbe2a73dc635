"""Training replay (issue 11): a replay clock and a time-sorted position index. Pure.

``ReplayClock`` is a ``core.clock.Clock`` whose time runs at a rate (1x ... 600x)
over a window, can be paused, sought and stepped to the previous or next event.

``PositionIndex`` holds a window of fixes as numpy arrays sorted by (device, fix
time) and answers "the newest fix at or before T for every device" with one
vectorised binary search, and "the trail of the last N minutes". Times are integer
milliseconds since the Unix epoch (UTC) everywhere inside; ``ms``/``from_ms``
convert. A fix resent with the same device and time is stored once, the first one
given wins (as the database's ``ON CONFLICT DO NOTHING`` keeps the first), so a
late duplicate never changes history.
"""
from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np

from core.units import LastFix

__all__ = ["SPEEDS", "DeviceState", "PositionIndex", "ReplayClock", "from_ms", "ms", "unit_fixes", "units_at"]

# The speeds the timeline offers (issue 11).
SPEEDS = (1, 2, 5, 10, 30, 60, 300, 600)
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
# (device code, time offset) packed into one int64 key: 2**41 ms is 69 years of
# history, leaving 2**22 (4 million) device codes.
_TIME_BITS = 41
_TIME_SPAN = 1 << _TIME_BITS


def ms(moment: datetime) -> int:
    """Milliseconds since the epoch of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("replay times must be timezone-aware")
    delta = moment - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(value: int | float) -> datetime:
    return _EPOCH + timedelta(milliseconds=int(value))


# --------------------------------------------------------------------------
# the clock
# --------------------------------------------------------------------------

class ReplayClock:
    """Replay time over ``[start, end]``: ``now()`` = the position at the last
    change + (wall time since) x rate while playing; it stops at ``end``.

    ``wall`` is a monotonic seconds function (tests pass a fake one)."""

    def __init__(self, start: datetime, end: datetime, *, rate: float = 1,
                 wall: Callable[[], float] = time.monotonic):
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("replay window needs aware datetimes")
        if end < start:
            raise ValueError(f"replay window ends ({end.isoformat()}) before it starts ({start.isoformat()})")
        self.start, self.end = start, end
        self._wall = wall
        self._rate = self._check_rate(rate)
        self._anchor_t = start
        self._anchor_wall = wall()
        self._playing = False

    @staticmethod
    def _check_rate(rate: float) -> float:
        if rate not in SPEEDS:
            raise ValueError(f"replay speed must be one of {', '.join(f'{s}x' for s in SPEEDS)}, not {rate!r}")
        return float(rate)

    # -- Clock
    def now(self) -> datetime:
        if not self._playing:
            return self._anchor_t
        moved = self._anchor_t + timedelta(seconds=(self._wall() - self._anchor_wall) * self._rate)
        if moved >= self.end:
            self._set(self.end)
            self._playing = False
            return self.end
        return moved

    # -- controls
    @property
    def playing(self) -> bool:
        self.now()  # reaching the end stops play
        return self._playing

    @property
    def rate(self) -> float:
        return self._rate

    def play(self) -> None:
        if not self._playing:
            self._set(self._anchor_t)
            self._playing = self._anchor_t < self.end

    def pause(self) -> None:
        if self._playing:
            self._set(self.now())
            self._playing = False

    def set_rate(self, rate: float) -> None:
        rate = self._check_rate(rate)
        self._set(self.now())  # the time reached so far stays; only the pace changes
        self._rate = rate

    def seek(self, moment: datetime) -> datetime:
        """Jump to ``moment`` (clamped to the window); playing continues from there."""
        if moment.tzinfo is None:
            raise ValueError("seek needs an aware datetime")
        self._set(min(max(moment, self.start), self.end))
        return self._anchor_t

    def step(self, event_times: Sequence[datetime], direction: int) -> datetime:
        """Seek to the next (``direction`` > 0) or previous (< 0) event strictly after /
        before now; ``event_times`` sorted ascending. No such event: stay put."""
        now = self.now()
        if direction > 0:
            i = bisect.bisect_right(event_times, now)
            target = event_times[i] if i < len(event_times) else None
        else:
            i = bisect.bisect_left(event_times, now)
            target = event_times[i - 1] if i > 0 else None
        return now if target is None else self.seek(target)

    def _set(self, moment: datetime) -> None:
        self._anchor_t = moment
        self._anchor_wall = self._wall()


# --------------------------------------------------------------------------
# the position index
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class DeviceState:
    """Every device's newest fix at or before one time; arrays aligned with
    ``PositionIndex.devices``. ``row`` is -1 for a device with no fix yet."""

    at_ms: int
    row: np.ndarray
    has_fix: np.ndarray
    time_ms: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    accuracy_m: np.ndarray  # NaN: unknown
    unit_id: np.ndarray  # -1: no unit


class PositionIndex:
    """Fixes sorted by (device, time); build with :meth:`from_arrays`."""

    def __init__(self, devices: list[str], device: np.ndarray, time_ms: np.ndarray, lon: np.ndarray, lat: np.ndarray,
                 accuracy_m: np.ndarray, unit_id: np.ndarray):
        # Trusted: from_arrays sorted and de-duplicated these.
        self.devices = devices
        self.device = device
        self.time_ms = time_ms
        self.lon, self.lat, self.accuracy_m, self.unit_id = lon, lat, accuracy_m, unit_id
        n_dev = len(devices)
        self.starts = np.searchsorted(device, np.arange(n_dev), side="left")
        self.ends = np.searchsorted(device, np.arange(n_dev), side="right")
        self._base = int(time_ms.min()) if len(time_ms) else 0
        self._keys = device.astype(np.int64) * _TIME_SPAN + (time_ms - self._base)

    @classmethod
    def from_arrays(cls, devices: Sequence[str], device: np.ndarray, time_ms: np.ndarray, lon: np.ndarray,
                    lat: np.ndarray, accuracy_m: np.ndarray | None = None,
                    unit_id: np.ndarray | None = None) -> "PositionIndex":
        """``device`` holds codes into ``devices``; rows in any order, duplicates allowed."""
        n = len(time_ms)
        device = np.asarray(device, dtype=np.int32)
        time_ms = np.asarray(time_ms, dtype=np.int64)
        if not (len(device) == len(lon) == len(lat) == n):
            raise ValueError("fix arrays differ in length")
        if n and (device.min() < 0 or device.max() >= len(devices)):
            raise ValueError("device code outside the device list")
        if n and int(time_ms.max()) - int(time_ms.min()) >= _TIME_SPAN:
            raise ValueError("a replay window may span at most 69 years")
        accuracy_m = np.full(n, np.nan) if accuracy_m is None else np.asarray(accuracy_m, dtype=np.float32)
        unit_id = np.full(n, -1, np.int32) if unit_id is None else np.asarray(unit_id, dtype=np.int32)
        # Stable, so among equal (device, time) the first given stays first and is kept.
        order = np.lexsort((time_ms, device))
        device, time_ms = device[order], time_ms[order]
        keep = np.ones(n, dtype=bool)
        if n > 1:
            keep[1:] = (device[1:] != device[:-1]) | (time_ms[1:] != time_ms[:-1])
        order = order[keep]
        return cls(list(devices), device[keep], time_ms[keep], np.asarray(lon, dtype=np.float64)[order],
                   np.asarray(lat, dtype=np.float64)[order], accuracy_m[order], unit_id[order])

    def __len__(self) -> int:
        return len(self.time_ms)

    @property
    def span_ms(self) -> tuple[int, int] | None:
        return (int(self.time_ms.min()), int(self.time_ms.max())) if len(self.time_ms) else None

    def at(self, at_ms: int) -> DeviceState:
        """Every device's newest fix with time <= ``at_ms``: one binary search for all."""
        codes = np.arange(len(self.devices), dtype=np.int64)
        offset = min(max(at_ms - self._base, -1), _TIME_SPAN - 1)
        if offset < 0:  # before the first fix of the window
            row = np.full(len(codes), -1, dtype=np.int64)
        else:
            row = np.searchsorted(self._keys, codes * _TIME_SPAN + offset, side="right") - 1
            row = np.where(row >= self.starts, row, -1)
        has = row >= 0
        safe = np.where(has, row, 0)
        if not len(self.time_ms):
            empty_f = np.full(len(codes), np.nan)
            return DeviceState(at_ms, row, has, np.full(len(codes), -1, np.int64), empty_f, empty_f.copy(),
                               empty_f.astype(np.float32), np.full(len(codes), -1, np.int32))
        return DeviceState(at_ms, row, has, np.where(has, self.time_ms[safe], -1), np.where(has, self.lon[safe], np.nan),
                           np.where(has, self.lat[safe], np.nan), np.where(has, self.accuracy_m[safe], np.nan),
                           np.where(has, self.unit_id[safe], -1))

    def trail(self, code: int, at_ms: int, window_ms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(time_ms, lon, lat) of device ``code``'s fixes in ``(at_ms - window_ms, at_ms]``, oldest first."""
        lo, hi = int(self.starts[code]), int(self.ends[code])
        times = self.time_ms[lo:hi]
        a = lo + int(np.searchsorted(times, at_ms - window_ms, side="right"))
        b = lo + int(np.searchsorted(times, at_ms, side="right"))
        return self.time_ms[a:b], self.lon[a:b], self.lat[a:b]



def units_at(state: DeviceState, same_age_ms: int = 5000) -> dict[int, int]:
    """unit id -> device code whose fix places the unit at ``state``'s time.

    The newest fix among the unit's devices, except that one at most
    ``same_age_ms`` older but more accurate wins (the live rule of
    ``db.positions_repo.better_fix``); unknown accuracy is the worst."""
    best: dict[int, int] = {}
    acc = np.where(np.isnan(state.accuracy_m), np.inf, state.accuracy_m)
    for code in np.flatnonzero(state.has_fix & (state.unit_id >= 0)).tolist():
        unit = int(state.unit_id[code])
        other = best.get(unit)
        if other is None or _beats(int(state.time_ms[code]), float(acc[code]), int(state.time_ms[other]),
                                   float(acc[other]), same_age_ms, code, other):
            best[unit] = code
    return best

def unit_fixes(state: DeviceState, devices: Sequence[str], same_age_ms: int = 5000) -> dict[int, LastFix]:
    """unit id -> the fix placing it at ``state``'s time (:func:`units_at`), as the live
    views take it. Built from whole-array ``tolist()``s: a replay frame does this for
    every unit, and numpy scalar indexing per unit would cost more than the search."""
    placed = units_at(state, same_age_ms)
    if not placed:
        return {}
    codes = np.fromiter(placed.values(), np.int64, len(placed))
    acc = state.accuracy_m[codes].astype(float)
    stamps = {t: from_ms(t) for t in set(state.time_ms[codes].tolist())}  # fixes share times
    return {unit: LastFix(time=stamps[t], lon=x, lat=y, accuracy_m=None if a != a else a, device_id=devices[code])
            for unit, code, t, x, y, a in zip(placed, codes.tolist(), state.time_ms[codes].tolist(),
                                              state.lon[codes].tolist(), state.lat[codes].tolist(), acc.tolist())}


def _beats(t_a: int, acc_a: float, t_b: int, acc_b: float, same_age_ms: int, code_a: int, code_b: int) -> bool:
    if abs(t_a - t_b) > same_age_ms:
        return t_a > t_b
    if acc_a != acc_b:
        return acc_a < acc_b
    if t_a != t_b:
        return t_a > t_b
    return code_a < code_b  # a full tie: the same answer whatever the order
