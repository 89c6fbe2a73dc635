"""The history source for training replay: a window of position fixes into a
``core.playback.PositionIndex``, and the incidents of that window as rows for
``core.replay_state``. Read-only.

Fixes are read through the driver's own cursor, time chunk by time chunk over the
``ix_positions_fix_time`` index, with the millisecond conversion done by the
database: no ORM object and no ``datetime`` is built per fix (8.64 million fixes
for 1,000 units over a day).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.incidents import DispatchSnapshot, IncidentSnapshot, TimelineEvent
from core.units import LastFix, UnitInfo
from core.playback import DeviceState, PositionIndex, from_ms, ms, unit_fixes, units_at
from core.replay_state import EscalationRecord, History
from db.incidents_repo import dispatches_of, incidents_by_id, timeline_event
from db.models import Device, Escalation, Incident, IncidentEvent, Unit

if TYPE_CHECKING:
    from core.replay_frame import ReplaySource

__all__ = ["LATEST_COLUMNS", "Progress", "SnapshotRow", "load_fixes", "load_history", "load_source",
           "newest_fixes_at", "snapshot_at", "unit_fixes_at"]

# progress(fixes loaded so far, fraction of the window done 0..1)
Progress = Callable[[int, float], None]
DEFAULT_CHUNK = timedelta(hours=1)
_ROW = np.dtype([("device", np.int32), ("time_ms", np.int64), ("lon", np.float64), ("lat", np.float64),
                 ("accuracy_m", np.float32), ("unit_id", np.int32)])
LATEST_COLUMNS = ("device_id", "unit_id", "time_ms", "lon", "lat", "accuracy_m")

_MS_SQL = {
    "sqlite": "CAST(ROUND((julianday({col}) - 2440587.5) * 86400000.0) AS INTEGER)",
    "postgresql": "CAST(ROUND(EXTRACT(EPOCH FROM {col}) * 1000) AS BIGINT)",
}
# Distinct devices by hopping along the (device_id, fix_time) index: one seek per
# device instead of a scan of every fix (a "loose index scan").
_DEVICES_CTE = """
WITH RECURSIVE devs(device_id) AS (
  SELECT MIN(device_id) FROM positions
  UNION ALL
  SELECT (SELECT MIN(p.device_id) FROM positions p WHERE p.device_id > devs.device_id)
  FROM devs WHERE devs.device_id IS NOT NULL
)"""


def _dialect(session: Session) -> str:
    name = session.get_bind().dialect.name
    if name not in _MS_SQL:
        raise NotImplementedError(f"replay needs PostgreSQL or SQLite, not {name}")
    return name


def _param(dialect: str, name: str) -> str:
    return f":{name}" if dialect == "sqlite" else f"%({name})s"


def _bind_time(dialect: str, moment: datetime):
    """A time as the driver must see it to compare with stored values (SQLAlchemy keeps
    SQLite times as naive UTC text, 'YYYY-MM-DD HH:MM:SS.ffffff')."""
    if moment.tzinfo is None:
        raise ValueError("history times must be timezone-aware")
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else moment


def _cursor(session: Session, sql: str, params: dict):
    cursor = session.connection().connection.cursor()
    cursor.execute(sql, params)
    return cursor


def newest_fixes_at(session: Session, at: datetime) -> list[tuple]:
    """Each device's newest fix at or before ``at``, in one statement (an index seek per
    device): rows of LATEST_COLUMNS, accuracy None when unknown. Devices with no fix
    by then are absent. ``replay snapshot`` uses it; the replay benchmark's baseline is it."""
    dialect = _dialect(session)
    t = _param(dialect, "t")
    stamp = _MS_SQL[dialect].format(col="p.fix_time")
    sql = (_DEVICES_CTE + f"""
SELECT p.device_id, p.unit_id, {stamp}, p.lon, p.lat, p.accuracy_m
FROM devs JOIN positions p ON p.device_id = devs.device_id
WHERE devs.device_id IS NOT NULL
  AND p.fix_time = (SELECT MAX(q.fix_time) FROM positions q WHERE q.device_id = devs.device_id AND q.fix_time <= {t})
ORDER BY p.device_id""")
    return [tuple(row) for row in _cursor(session, sql, {"t": _bind_time(dialect, at)}).fetchall()]


def load_fixes(session: Session, start: datetime, end: datetime, *, progress: Progress | None = None,
               chunk: timedelta = DEFAULT_CHUNK) -> PositionIndex:
    """Every fix with ``start < fix_time <= end``, plus each device's newest fix at or
    before ``start`` (so the window opens with every unit where it was), as an index.

    Read in ``chunk``-long time slices; ``progress`` is called after each."""
    if end < start:
        raise ValueError(f"the window ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    if chunk <= timedelta(0):
        raise ValueError("chunk must be positive")
    dialect = _dialect(session)
    # Fixes name their device by a small integer (the devices table's id, joined in SQL),
    # so no string is built per fix; a removed device's history comes by name (rare).
    registered = list(session.execute(select(Device.id, Device.device_id).order_by(Device.device_id)))
    devices = [name for _, name in registered]
    code_of = {name: code for code, name in enumerate(devices)}
    lut = np.full(max((i for i, _ in registered), default=0) + 1, -1, dtype=np.int32)
    for code, (row_id, _) in enumerate(registered):
        lut[row_id] = code

    def code(device: str) -> int:
        found = code_of.get(device)
        if found is None:
            found = code_of[device] = len(devices)
            devices.append(device)
        return found

    parts: list[np.ndarray] = []
    stamp = _MS_SQL[dialect].format(col="p.fix_time")
    window = f"p.fix_time > {_param(dialect, 'a')} AND p.fix_time <= {_param(dialect, 'b')}"
    values = f"{stamp}, p.lon, p.lat, COALESCE(p.accuracy_m, -1.0), COALESCE(p.unit_id, -1)"
    by_id = (f"SELECT COALESCE(d.id, -1), {values} FROM positions p "
             f"LEFT JOIN devices d ON d.device_id = p.device_id WHERE {window}")
    by_name = (f"SELECT p.device_id, {values} FROM positions p WHERE {window} "
               "AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.device_id = p.device_id)")

    def add(block: np.ndarray) -> int:
        if len(block):
            parts.append(block)
        return len(block)

    def by_names(rows) -> np.ndarray:
        return np.fromiter(((code(r[0]), *r[1:]) for r in rows), dtype=_ROW, count=-1)

    # Each device's fix at the window's start, so the window opens with every unit where it was.
    loaded = add(by_names((d, t, x, y, -1.0 if a is None else a, -1 if u is None else u)
                          for d, u, t, x, y, a in newest_fixes_at(session, start)))
    total = (end - start).total_seconds() or 1.0
    lo = start
    while lo < end:
        hi = min(lo + chunk, end)
        params = {"a": _bind_time(dialect, lo), "b": _bind_time(dialect, hi)}
        # Straight from the driver's rows into one structured array: no list of tuples.
        block = np.fromiter(_cursor(session, by_id, params), dtype=_ROW, count=-1)
        known = block["device"] >= 0
        block["device"][known] = lut[block["device"][known]]
        if not known.all():
            block = np.concatenate([block[known], by_names(_cursor(session, by_name, params))])
        loaded += add(block)
        lo = hi
        if progress is not None:
            progress(loaded, (hi - start).total_seconds() / total)
    if progress is not None and start == end:
        progress(loaded, 1.0)
    rows = np.concatenate(parts) if parts else np.empty(0, dtype=_ROW)
    parts.clear()  # let the chunk arrays go before the sort copies
    accuracy = rows["accuracy_m"]
    accuracy[accuracy < 0] = np.nan
    return PositionIndex.from_arrays(devices, rows["device"], rows["time_ms"], rows["lon"], rows["lat"], accuracy,
                                     rows["unit_id"])


# --------------------------------------------------------------------------
# incidents
# --------------------------------------------------------------------------

def load_history(session: Session, start: datetime, end: datetime) -> History:
    """The incidents alive at some moment of ``[start, end]`` (received by ``end``, not
    ended before ``start``) with their dispatches, escalations and timeline events,
    as stored now: ``core.replay_state`` turns them into the state at any T."""
    ended = or_(Incident.closed_at.is_(None), Incident.closed_at >= start)
    cancelled = or_(Incident.cancelled_at.is_(None), Incident.cancelled_at >= start)
    ids = list(session.scalars(select(Incident.id).where(Incident.received_at <= end, ended, cancelled)
                               .order_by(Incident.received_at, Incident.id)))
    incidents: list[IncidentSnapshot] = incidents_by_id(session, ids)
    dispatches: list[DispatchSnapshot] = []
    escalations: list[EscalationRecord] = []
    events: list[TimelineEvent] = []
    for chunk_start in range(0, len(ids), 500):
        chunk = ids[chunk_start:chunk_start + 500]
        dispatches.extend(dispatches_of(session, chunk))
        for e in session.scalars(select(Escalation).where(Escalation.incident_id.in_(chunk)).order_by(Escalation.id)):
            escalations.append(EscalationRecord(id=e.id, incident_id=e.incident_id, ordered_at=e.ordered_at,
                                                direction=e.direction, tier_from=e.tier_from, tier_to=e.tier_to,
                                                reason=e.reason, ordered_by=e.ordered_by))
        events.extend(timeline_event(e) for e in session.scalars(
            select(IncidentEvent).where(IncidentEvent.incident_id.in_(chunk)).order_by(IncidentEvent.id)))
    drills = set(session.scalars(select(Incident.id).where(Incident.id.in_(ids), Incident.drill.is_(True))))
    return History(start=start, end=end, incidents=incidents, dispatches=dispatches, escalations=escalations,
                   events=events, drill_ids=frozenset(drills))


@dataclass(frozen=True)
class SnapshotRow:
    callsign: str | None
    device_id: str
    lat: float
    lon: float
    fix_utc: datetime
    age_s: float


def _state_at(session: Session, at: datetime) -> tuple[list[str], DeviceState]:
    """Each device's newest fix at or before ``at`` (from SQL) as a DeviceState."""
    rows = newest_fixes_at(session, at)
    n = len(rows)
    state = DeviceState(
        at_ms=ms(at), row=np.arange(n), has_fix=np.ones(n, bool),
        time_ms=np.fromiter((r[2] for r in rows), np.int64, n), lon=np.fromiter((r[3] for r in rows), float, n),
        lat=np.fromiter((r[4] for r in rows), float, n),
        accuracy_m=np.fromiter((np.nan if r[5] is None else r[5] for r in rows), np.float32, n),
        unit_id=np.fromiter((-1 if r[1] is None else r[1] for r in rows), np.int32, n))
    return [r[0] for r in rows], state


def unit_fixes_at(session: Session, at: datetime) -> dict[int, LastFix]:
    """unit id -> the fix that placed the unit at ``at`` (as the live map places it)."""
    devices, state = _state_at(session, at)
    return unit_fixes(state, devices)


def snapshot_at(session: Session, at: datetime) -> list[SnapshotRow]:
    """Where every unit (by its devices' newest fix at or before ``at``) and every device
    not attached to a unit was at ``at``; no interpolation, nothing for those with no
    fix by then. A unit with several devices is placed as the live map places it."""
    devices, state = _state_at(session, at)
    if not devices:
        return []
    callsigns = dict(session.execute(select(Unit.id, Unit.callsign)).all())
    chosen = sorted(units_at(state).items(), key=lambda item: (callsigns.get(item[0]) or "", item[0]))
    codes = [(callsigns.get(unit_id), code) for unit_id, code in chosen]
    codes += [(None, code) for code in np.flatnonzero(state.unit_id < 0).tolist()]
    out = []
    for callsign, code in codes:
        fix = from_ms(int(state.time_ms[code]))
        out.append(SnapshotRow(callsign=callsign, device_id=devices[code], lat=float(state.lat[code]),
                               lon=float(state.lon[code]), fix_utc=fix, age_s=round((at - fix).total_seconds(), 3)))
    return out


def load_source(session: Session, start: datetime, end: datetime, *,
                progress: Progress | None = None) -> "ReplaySource":
    """Everything a replay window shows of ``[start, end]``: the roster (who each unit is,
    without a fix: fixes come from the replay time), the incidents, the patrol check-ins
    (stored patrol events) and every fix."""
    from core.replay_frame import ReplaySource
    from db.patrol_repo import events_between
    from db.units_repo import load_units

    roster = [UnitInfo(u.unit_id, u.callsign, u.name, u.agency, u.force, u.tier, u.travel_mode, u.status,
                       u.grid_code, u.members, u.kit, u.devices, None) for u in load_units(session)]
    history = load_history(session, start, end)
    checkins = [row.start_at for row in events_between(session, ("checkin",), start, end)]
    index = load_fixes(session, start, end, progress=progress)
    return ReplaySource(roster, index, history, checkins)
