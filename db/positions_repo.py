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
from typing import Any, NamedTuple

from sqlalchemy import Row, delete, func, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from core.fixes import Fix
from db.feed_revisions import feed_revision, lock_feed
from db.models import Device, FeedRevision, Position, RejectedReport, UnitLastPosition
from db.notify import POSITIONS_CHANNEL, notify

__all__ = [
    "POSITIONS_FEED",
    "SAME_AGE_S",
    "DeviceCache",
    "Reject",
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
_FEED = FeedRevision.__table__
_ULP_COLUMNS = ("device_id", "fix_time", "lon", "lat", "accuracy_m", "speed_mps", "heading_deg", "battery_pct")


class Reject(NamedTuple):
    """One rejected report for :func:`record_rejects`."""

    at: datetime
    protocol: str
    source: str  # address:port of the sender
    reason: str
    payload: str  # the first bytes of the report


def _dialect_insert(session: Session, table):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"positions need PostgreSQL or SQLite, not {name}")


def _chunks(items: Sequence, size: int = _IN_CHUNK) -> Iterable[Sequence]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --------------------------------------------------------------------------
# devices
# --------------------------------------------------------------------------

class DeviceCache:
    """device_id -> (unit_id, active), remembered for ``ttl_s``.

    Only known devices are cached: a device added a moment ago is found on its
    first report; a removed or deactivated one keeps reporting for at most
    ``ttl_s``. ``clear()`` after a failed batch."""

    def __init__(self, ttl_s: float = 10.0, max_entries: int = 100_000):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[int, bool, float]] = {}

    def clear(self) -> None:
        self._entries.clear()

    def resolve(self, session: Session, device_ids: Iterable[str]) -> dict[str, tuple[int, bool]]:
        now = time.monotonic()
        found: dict[str, tuple[int, bool]] = {}
        missing = []
        for device_id in set(device_ids):
            entry = self._entries.get(device_id)
            if entry is not None and entry[2] > now:
                found[device_id] = (entry[0], entry[1])
            else:
                missing.append(device_id)
        if missing:
            fresh = lookup_devices(session, missing)
            if len(self._entries) + len(fresh) > self.max_entries:
                self._entries.clear()
            expires = now + self.ttl_s
            for device_id, value in fresh.items():
                self._entries[device_id] = (value[0], value[1], expires)
            found.update(fresh)
        return found


def lookup_devices(session: Session, device_ids: Sequence[str]) -> dict[str, tuple[int, bool]]:
    """device_id -> (unit_id, active) for the known ones among ``device_ids``."""
    result: dict[str, tuple[int, bool]] = {}
    for chunk in _chunks(list(device_ids)):
        rows = session.execute(
            select(Device.device_id, Device.unit_id, Device.active).where(Device.device_id.in_(chunk))
        )
        for device_id, unit_id, active in rows:
            result[device_id] = (unit_id, bool(active))
    return result


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


def store_fixes(
    session: Session,
    fixes: Sequence[Fix],
    now: datetime,
    future_tolerance_s: float = 300,
    devices: DeviceCache | None = None,
) -> list[str | None]:
    """Store a batch of fixes; one entry per fix: None (accepted) or a one-line reason.

    A fix without a time gets ``now``. A duplicate (device, fix time) is
    accepted and stores nothing new. Unknown or inactive devices and fixes more
    than ``future_tolerance_s`` ahead of ``now`` are rejected. Units whose
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

    rows: list[dict[str, Any]] = []
    for index, fix in enumerate(fixes):
        device = known.get(fix.device_id)
        if device is None:
            results[index] = f"unknown device: {fix.device_id!r}"
            continue
        if not device[1]:
            results[index] = f"inactive device: {fix.device_id!r}"
            continue
        fix_time = fix.fix_time or now
        if fix_time.tzinfo is None:  # parsers give UTC-aware times; be lenient with other callers
            fix_time = fix_time.replace(tzinfo=timezone.utc)
        if fix_time > latest_allowed:
            results[index] = _future_reason(fix_time, now, future_tolerance_s)
            continue
        # float(): PostgreSQL arrays refuse a mix of int and float.
        rows.append({
            "device_id": fix.device_id, "unit_id": device[0], "fix_time": fix_time, "received_at": now,
            "lon": float(fix.lon), "lat": float(fix.lat), "accuracy_m": _float(fix.accuracy_m),
            "speed_mps": _float(fix.speed_mps), "heading_deg": _float(fix.heading_deg),
            "altitude_m": _float(fix.altitude_m), "battery_pct": _float(fix.battery_pct),
            "stale_at": fix.stale_at, "protocol": fix.protocol[:16], "attributes": fix.attributes or {},
        })
    if not rows:
        return results

    # RETURNING tells which rows were new: a resent fix must not move its unit.
    if _is_postgresql(session):
        inserted = _insert_positions_pg(session, rows, now)
    else:
        stmt = (sqlite.insert(_POS).on_conflict_do_nothing(index_elements=["device_id", "fix_time"])
                .returning(_POS.c.device_id, _POS.c.fix_time))
        inserted = {(r[0], r[1]) for r in session.execute(stmt, rows)}
    if inserted:
        _move_units(session, [r for r in rows if (r["device_id"], r["fix_time"]) in inserted])
    return results


# One statement text whatever the batch size, so psycopg and the server prepare
# it once; a multi-row VALUES list would be parsed and planned on every batch.
_PG_INSERT_POSITIONS = text("""
INSERT INTO positions (device_id, unit_id, fix_time, received_at, lon, lat, accuracy_m, speed_mps,
                       heading_deg, altitude_m, battery_pct, stale_at, protocol, attributes)
SELECT d, u, f, :received_at, x, y, a, s, h, al, b, st, p, CAST(j AS json)
FROM unnest(CAST(:device_id AS varchar[]), CAST(:unit_id AS integer[]), CAST(:fix_time AS timestamptz[]),
            CAST(:lon AS float8[]), CAST(:lat AS float8[]), CAST(:accuracy_m AS float8[]),
            CAST(:speed_mps AS float8[]), CAST(:heading_deg AS float8[]), CAST(:altitude_m AS float8[]),
            CAST(:battery_pct AS float8[]), CAST(:stale_at AS timestamptz[]), CAST(:protocol AS varchar[]),
            CAST(:attributes AS text[]))
     AS t(d, u, f, x, y, a, s, h, al, b, st, p, j)
ON CONFLICT (device_id, fix_time) DO NOTHING
RETURNING device_id, fix_time
""")
_PG_ARRAYS = ("device_id", "unit_id", "fix_time", "lon", "lat", "accuracy_m", "speed_mps", "heading_deg",
              "altitude_m", "battery_pct", "stale_at", "protocol")


def _is_postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _insert_positions_pg(session: Session, rows: list[dict[str, Any]], now: datetime) -> set[tuple[str, datetime]]:
    params: dict[str, Any] = {name: [row[name] for row in rows] for name in _PG_ARRAYS}
    params["attributes"] = [json.dumps(row["attributes"], ensure_ascii=False, default=str) for row in rows]
    params["received_at"] = now
    return {(r[0], r[1]) for r in session.execute(_PG_INSERT_POSITIONS, params)}


def _move_units(session: Session, rows: list[dict[str, Any]]) -> None:
    """Advance ``unit_last_position`` for the units these new fixes beat."""
    best: dict[int, dict[str, Any]] = {}
    for row in rows:
        current = best.get(row["unit_id"])
        if current is None or better_fix(row["fix_time"], row["accuracy_m"], current["fix_time"], current["accuracy_m"],
                                         row["device_id"] == current["device_id"]):
            best[row["unit_id"]] = row

    # The feed row lock serializes writers from here to commit, so revisions
    # commit in order and the comparison below sees every earlier winner.
    rev = lock_feed(session, POSITIONS_FEED)
    unit_ids = sorted(best)
    for chunk in _chunks(unit_ids):
        for unit_id, fix_time, accuracy, device_id in session.execute(
            select(_ULP.c.unit_id, _ULP.c.fix_time, _ULP.c.accuracy_m, _ULP.c.device_id).where(_ULP.c.unit_id.in_(chunk))
        ):
            candidate = best[unit_id]
            if not better_fix(candidate["fix_time"], candidate["accuracy_m"], fix_time, accuracy,
                              candidate["device_id"] == device_id):
                del best[unit_id]
    if not best:
        return
    rev += 1
    session.execute(update(_FEED).where(_FEED.c.feed == POSITIONS_FEED).values(rev=rev))
    # Wakes the workstations' change feeds on commit (PostgreSQL; SQLite feeds just poll).
    notify(session, POSITIONS_CHANNEL, str(rev))
    insert = _dialect_insert(session, _ULP)
    upsert = insert.on_conflict_do_update(
        index_elements=["unit_id"],
        set_={name: insert.excluded[name] for name in (*_ULP_COLUMNS, "rev")},
    )
    session.execute(upsert, [
        {"unit_id": unit_id, "rev": rev, **{name: row[name] for name in _ULP_COLUMNS}}
        for unit_id, row in best.items()
    ])


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

