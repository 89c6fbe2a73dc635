"""Storing position fixes, each unit's last position, and rejected reports.

This is the ingest hot path: everything is batched (one device lookup, one
multi-row INSERT for the history, one upsert for the moved units) and no ORM
objects are built per fix. Callers commit; acknowledging a report before the
commit would break the "an acknowledged fix is never lost" promise.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta, timezone
from operator import itemgetter
from typing import Any, NamedTuple

from sqlalchemy import Row, delete, func, select
from sqlalchemy.orm import Session

from core.fix_rules import EARLIEST_FIX_TIME, FLAG_IMPLAUSIBLE_SPEED, implausible_jump
from core.fixes import Fix
from db.feed_revisions import feed_revision
from db.models import Position, RejectedReport, UnitLastPosition
from db.notify import POSITIONS_CHANNEL
from db.position_store import POSITION_COLUMNS, BatchStore, batch_store, json_text

__all__ = [
    "POSITIONS_FEED",
    "SAME_AGE_S",
    "DeviceCache",
    "Reject",
    "SpeedGuard",
    "better_fix",
    "count_positions",
    "last_positions_since",
    "list_rejects",
    "lookup_devices",
    "positions_revision",
    "record_rejects",
    "store_fixes",
    "track",
]

POSITIONS_FEED = "positions"
# Fixes closer in time than this are "about the same age": the more accurate wins.
SAME_AGE_S = 5.0
_SAME_AGE = timedelta(seconds=SAME_AGE_S)
# Stay well below SQLite's bound-parameter limit in IN (...) lists.
_IN_CHUNK = 500
_REASON_MAX = 500
_SOURCE_MAX = 128
_PAYLOAD_MAX = 1000

_POS = Position.__table__
_ULP = UnitLastPosition.__table__
_REJ = RejectedReport.__table__


class Reject(NamedTuple):
    """One rejected report for :func:`record_rejects`."""

    at: datetime
    protocol: str
    source: str  # address:port of the sender
    reason: str
    payload: str  # the first bytes of the report


def _chunks(items: Sequence, size: int = _IN_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --------------------------------------------------------------------------
# devices
# --------------------------------------------------------------------------

class DeviceCache:
    """device_id -> (unit_id, active, travel_mode), remembered for ``ttl_s``.

    Only known devices are cached: a device added a moment ago is found on its
    first report; a removed or deactivated one keeps reporting for at most
    ``ttl_s``. ``clear()`` after a failed batch."""

    def __init__(self, ttl_s: float = 10.0, max_entries: int = 100_000):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[tuple[int, bool, str], float]] = {}

    def clear(self) -> None:
        self._entries.clear()

    def resolve(self, session: Session, device_ids: Iterable[str]) -> dict[str, tuple[int, bool, str]]:
        now = time.monotonic()
        found: dict[str, tuple[int, bool, str]] = {}
        missing = []
        entries = self._entries
        for device_id in set(device_ids):
            entry = entries.get(device_id)
            if entry is not None and entry[1] > now:
                found[device_id] = entry[0]
            else:
                missing.append(device_id)
        if missing:
            fresh = lookup_devices(session, missing)
            if len(entries) + len(fresh) > self.max_entries:
                entries.clear()
            expires = now + self.ttl_s
            for device_id, value in fresh.items():
                entries[device_id] = (value, expires)
            found.update(fresh)
        return found


def lookup_devices(session: Session, device_ids: Sequence[str]) -> dict[str, tuple[int, bool, str]]:
    """device_id -> (unit_id, active, the unit's travel mode) for the known ones among ``device_ids``."""
    return batch_store(session).devices(device_ids)


# --------------------------------------------------------------------------
# storing fixes
# --------------------------------------------------------------------------

def better_fix(time_a: datetime, accuracy_a: float | None, time_b: datetime, accuracy_b: float | None,
               same_device: bool = False) -> bool:
    """Should fix A replace fix B as its unit's position?

    The newer fix wins, except that among fixes of about the same age (within
    ``SAME_AGE_S``) from different devices the more accurate one wins; an unknown
    accuracy is the worst. A device's own newer fix always wins: the unit moved."""
    if same_device:
        return time_a > time_b
    if time_a > time_b + _SAME_AGE:
        return True
    if time_a < time_b - _SAME_AGE:
        return False
    acc_a = float("inf") if accuracy_a is None else accuracy_a
    acc_b = float("inf") if accuracy_b is None else accuracy_b
    if acc_a != acc_b:
        return acc_a < acc_b
    return time_a > time_b


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _future_reason(fix_time: datetime, now: datetime, tolerance_s: float) -> str:
    ahead = (fix_time - now).total_seconds()
    return (f"fix time {fix_time.isoformat()} is {ahead:.0f} s in the future "
            f"(more than {tolerance_s:g} s ahead of the server clock)")


class SpeedGuard:
    """The impossible-speed rule (``core.fix_rules.implausible_jump``) with a memory.

    ``max_speed_kmh`` maps a unit's travel mode to the speed it cannot exceed. A unit's
    last flagged fix is remembered: if the next fix is plausible from *it*, the live
    position was the outlier (a bad fix let through before, a device switched on far
    away), so the unit moves again instead of being pinned for ever."""

    def __init__(self, max_speed_kmh: dict[str, float] | None = None, max_units: int = 100_000):
        self.max_speed_mps = {mode: kmh / 3.6 for mode, kmh in (max_speed_kmh or DEFAULT_MAX_SPEED_KMH).items()}
        self.max_units = max_units
        self._suspects: dict[int, tuple[datetime, float, float, float | None]] = {}

    def allows(self, unit_id: int, travel_mode: str, last: tuple, new: tuple) -> bool:
        """May the unit move from ``last`` to ``new`` (each (time, lon, lat, accuracy_m))?"""
        limit = self.max_speed_mps.get(travel_mode) or max(self.max_speed_mps.values())
        if not implausible_jump(last, new, limit):
            self._suspects.pop(unit_id, None)
            return True
        suspect = self._suspects.get(unit_id)
        if suspect is not None and new[0] > suspect[0] and not implausible_jump(suspect, new, limit):
            del self._suspects[unit_id]
            return True
        if len(self._suspects) >= self.max_units:
            self._suspects.clear()
        self._suspects[unit_id] = new
        return False


# Defaults of LiveSettings.max_speed_*_kmh: "impossible", not "unusual": a foot patrol
# may ride in a car; a teleport across the country is what this catches.
DEFAULT_MAX_SPEED_KMH = {"foot": 150.0, "ebike": 150.0, "car": 300.0}

_TIME = POSITION_COLUMNS.index("fix_time")
_ACCURACY = POSITION_COLUMNS.index("accuracy_m")
_UNIT = POSITION_COLUMNS.index("unit_id")
_ATTRIBUTES = POSITION_COLUMNS.index("attributes")
_LON = POSITION_COLUMNS.index("lon")
_LAT = POSITION_COLUMNS.index("lat")


def store_fixes(
    session: Session,
    fixes: Sequence[Fix],
    now: datetime,
    future_tolerance_s: float = 30,
    devices: DeviceCache | None = None,
    speed_guard: SpeedGuard | None = None,
) -> list[str | None]:
    """Store a batch of fixes; one entry per fix: None (accepted) or a one-line reason.

    A fix without a time gets ``now``. A duplicate (device, fix time) is
    accepted and stores nothing new. Unknown or inactive devices and fixes more
    than ``future_tolerance_s`` ahead of ``now`` are rejected. A fix implying an
    impossible speed from its unit's live position is stored, flagged, and does not
    move the unit (``speed_guard``; a fresh default one when None). Units whose
    position moved get the next revision of the ``positions`` feed. The caller
    commits.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    results: list[str | None] = [None] * len(fixes)
    if not fixes:
        return results
    known = (devices.resolve(session, (f.device_id for f in fixes)) if devices is not None
             else lookup_devices(session, list({f.device_id for f in fixes})))
    latest_allowed = now + timedelta(seconds=future_tolerance_s)
    now_utc = now.astimezone(timezone.utc)

    rows: list[tuple] = []
    modes: dict[int, str] = {}
    for index, fix in enumerate(fixes):
        device = known.get(fix.device_id)
        if device is None:
            results[index] = f"unknown device: {fix.device_id!r}"
            continue
        if not device[1]:
            results[index] = f"inactive device: {fix.device_id!r}"
            continue
        fix_time = fix.fix_time or now_utc
        if fix_time.tzinfo is None:  # parsers give UTC-aware times; be lenient with other callers
            fix_time = fix_time.replace(tzinfo=timezone.utc)
        if fix_time > latest_allowed:
            results[index] = _future_reason(fix_time, now, future_tolerance_s)
            continue
        if fix_time < EARLIEST_FIX_TIME:
            results[index] = f"fix time {fix_time.isoformat()} is before {EARLIEST_FIX_TIME.year}"
            continue
        modes[device[0]] = device[2]
        # float(): PostgreSQL arrays refuse a mix of int and float.
        rows.append((fix.device_id, device[0], fix_time, now_utc, float(fix.lon), float(fix.lat),
                     _float(fix.accuracy_m), _float(fix.speed_mps), _float(fix.heading_deg),
                     _float(fix.altitude_m), _float(fix.battery_pct), fix.stale_at, fix.protocol[:16],
                     json_text(fix.attributes)))
    if not rows:
        return results
    store = batch_store(session)
    # The revision's row lock serializes writers from here to commit, so revisions
    # commit in order and the comparisons below see every earlier winner.
    new, rev = store.insert_and_lock(rows, POSITIONS_FEED)
    # A resent fix is stored once and must not move its unit.
    _move_units(store, [row for row, is_new in zip(rows, new) if is_new], rev, modes, speed_guard or SpeedGuard())
    return results


def _move_units(store: BatchStore, rows: list[tuple], rev: int, modes: dict[int, str], guard: SpeedGuard) -> None:
    """Advance ``unit_last_position`` for the units these new fixes beat (at revision ``rev``)."""
    by_unit: dict[int, list[tuple]] = {}
    for row in rows:
        by_unit.setdefault(row[_UNIT], []).append(row)
    current = store.last_positions(sorted(by_unit)) if by_unit else {}
    winners = []
    flagged = []
    for unit_id, candidates in by_unit.items():
        if len(candidates) > 1:
            candidates.sort(key=itemgetter(_TIME))
        live = current.get(unit_id)  # (device_id, fix_time, lon, lat, accuracy_m)
        best = None
        for row in candidates:
            if live is not None and not better_fix(row[_TIME], row[_ACCURACY], live[1], live[4], row[0] == live[0]):
                continue
            if live is not None and not guard.allows(unit_id, modes[unit_id], (live[1], live[2], live[3], live[4]),
                                                     (row[_TIME], row[_LON], row[_LAT], row[_ACCURACY])):
                flagged.append(row)
                continue
            best = row
            live = (row[0], row[_TIME], row[_LON], row[_LAT], row[_ACCURACY])
        if best is not None:
            winners.append(best)
    if flagged:
        store.flag([(row[0], row[_TIME]) for row in flagged],
                   [json_text({**json.loads(row[_ATTRIBUTES]), "flag": FLAG_IMPLAUSIBLE_SPEED}) for row in flagged])
    if not winners:
        store.undo_bump(POSITIONS_FEED)
        return
    # The NOTIFY wakes the workstations' change feeds on commit (PostgreSQL; SQLite feeds just poll).
    store.upsert_last([(r[_UNIT], r[0], r[_TIME], r[_LON], r[_LAT], r[_ACCURACY], r[7], r[8], r[10])
                       for r in winners], rev, POSITIONS_CHANNEL)


def positions_revision(session: Session) -> int:
    """The last revision handed out by the positions feed (0 before any fix)."""
    return feed_revision(session, POSITIONS_FEED)


# --------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------

def last_positions_since(session: Session, rev: int) -> tuple[int, list[Row]]:
    """Units whose last position changed after revision ``rev``: ``(new_rev, rows)``.

    Poll with the returned ``new_rev``. Rows have the ``unit_last_position``
    columns (unit_id, device_id, fix_time, lon, lat, accuracy_m, speed_mps,
    heading_deg, battery_pct, rev). One statement reads them all, and
    revisions commit in order, so nothing below ``new_rev`` can appear later."""
    rows = list(session.execute(select(_ULP).where(_ULP.c.rev > rev).order_by(_ULP.c.rev, _ULP.c.unit_id)))
    new_rev = max((row.rev for row in rows), default=rev)
    return new_rev, rows


def track(
    session: Session,
    *,
    unit_id: int | None = None,
    device_id: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Row]:
    """The position history of a unit (all its devices) or of one device, oldest first.

    ``start`` and ``end`` are inclusive; either may be None (open)."""
    if (unit_id is None) == (device_id is None):
        raise ValueError("give exactly one of unit_id and device_id")
    query = select(_POS)
    if unit_id is not None:
        query = query.where(_POS.c.unit_id == unit_id)
    else:
        query = query.where(_POS.c.device_id == device_id)
    if start is not None:
        query = query.where(_POS.c.fix_time >= start)
    if end is not None:
        query = query.where(_POS.c.fix_time <= end)
    return list(session.execute(query.order_by(_POS.c.fix_time, _POS.c.device_id)))


# --------------------------------------------------------------------------
# rejected reports
# --------------------------------------------------------------------------

def _clip(text: Any, limit: int) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def record_rejects(session: Session, rejects: Sequence[Reject | tuple], keep: int) -> None:
    """Append rejected reports and delete the oldest beyond ``keep`` rows."""
    if rejects:
        session.execute(_REJ.insert(), [
            {"at": at, "protocol": _clip(protocol, 16), "source": _clip(source, _SOURCE_MAX),
             "reason": _clip(" ".join(str(reason).split()), _REASON_MAX), "payload": _clip(payload, _PAYLOAD_MAX)}
            for at, protocol, source, reason, payload in rejects
        ])
    keep = max(0, int(keep))
    # The newest row that falls off the end; everything at or below it goes.
    cutoff = session.execute(select(_REJ.c.id).order_by(_REJ.c.id.desc()).offset(keep).limit(1)).scalar()
    if cutoff is not None:
        session.execute(delete(_REJ).where(_REJ.c.id <= cutoff))


def list_rejects(session: Session, since: datetime | None = None, limit: int = 100) -> list[Row]:
    """Rejected reports, newest first (id, at, protocol, source, reason, payload)."""
    query = select(_REJ)
    if since is not None:
        query = query.where(_REJ.c.at >= since)
    return list(session.execute(query.order_by(_REJ.c.id.desc()).limit(limit)))


def count_positions(session: Session) -> int:
    """How many fixes the history holds."""
    return int(session.execute(select(func.count()).select_from(_POS)).scalar() or 0)

