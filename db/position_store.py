"""The ingest hot path's statements, straight on the DBAPI connection: one statement per
batch for each step, no ORM or Core parameter processing per fix.

SQLAlchemy's per-parameter type processing cost ~60 µs a fix, more than everything
else on the path together; these functions take plain tuples and hand them to
sqlite3 / psycopg 3 as they are. They run inside the caller's session transaction
(``session.connection()``), so the caller still commits, and the rows they write
are exactly what the mapped columns would have written: SQLite keeps times as
SQLAlchemy's ``YYYY-MM-DD HH:MM:SS.ffffff`` naive-UTC text, so uniqueness, ordering
and ORM reads see no difference.

A position row is a tuple in ``POSITION_COLUMNS`` order with ``fix_time``,
``received_at`` and ``stale_at`` as aware UTC datetimes and ``attributes`` as JSON text.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.orm import Session

__all__ = ["LAST_COLUMNS", "POSITION_COLUMNS", "BatchStore", "batch_store"]

POSITION_COLUMNS = ("device_id", "unit_id", "fix_time", "received_at", "lon", "lat", "accuracy_m", "speed_mps",
                    "heading_deg", "altitude_m", "battery_pct", "stale_at", "protocol", "attributes")
# unit_last_position, in this order, then rev.
LAST_COLUMNS = ("unit_id", "device_id", "fix_time", "lon", "lat", "accuracy_m", "speed_mps", "heading_deg",
                "battery_pct")
_FIX_TIME = POSITION_COLUMNS.index("fix_time")
_DEVICE = POSITION_COLUMNS.index("device_id")
_UTC = timezone.utc


class BatchStore:
    """The four statements of a batch; one subclass per database."""

    def __init__(self, session: Session):
        self.session = session
        self.dbapi = session.connection().connection.driver_connection

    def devices(self, device_ids: Sequence[str]) -> dict[str, tuple[int, bool, str]]:
        """device_id -> (unit_id, active, the unit's travel mode) of the known ones."""
        found = {}
        ids = list(device_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            for device_id, unit_id, active, mode in self.dbapi.execute(self._DEVICES.format(
                    ", ".join([self._MARK] * len(chunk))), chunk):
                found[device_id] = (unit_id, bool(active), mode or "foot")
        return found

    _DEVICES = ("SELECT d.device_id, d.unit_id, d.active, u.travel_mode FROM devices d JOIN units u ON u.id = d.unit_id "
                "WHERE d.device_id IN ({})")
    _MARK = "?"

    def insert_and_lock(self, rows: Sequence[tuple], feed: str) -> tuple[list[bool], int]:
        """Insert the history rows, then take the feed's next revision.

        Returns, for each row, True if it was new (not a resent duplicate), and the
        revision, row-locked until commit: writers holding it commit in order, and
        what they read after this sees every earlier writer's commit."""
        raise NotImplementedError

    def undo_bump(self, feed: str) -> None:
        """Nothing moved after all: give the revision back (the lock is still ours)."""
        raise NotImplementedError

    def last_positions(self, unit_ids: Sequence[int]) -> dict[int, tuple]:
        """unit_id -> (device_id, fix_time, lon, lat, accuracy_m) of the units' live positions."""
        raise NotImplementedError

    def upsert_last(self, rows: Sequence[tuple], rev: int, channel: str) -> None:
        """Write ``LAST_COLUMNS`` tuples as the units' live positions at revision ``rev``, and
        (PostgreSQL) NOTIFY ``channel`` with the revision on commit."""
        raise NotImplementedError

    def flag(self, keys: Sequence[tuple[str, datetime]], attributes: Sequence[str]) -> None:
        """Replace the attributes of the history rows (device_id, fix_time)."""
        raise NotImplementedError


# --------------------------------------------------------------------------
# SQLite
# --------------------------------------------------------------------------

def _sqlite_time(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is not _UTC:
        moment = moment.astimezone(_UTC)
    return moment.replace(tzinfo=None).isoformat(" ", "microseconds")


def _from_sqlite_time(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=_UTC)


class _SqliteStore(BatchStore):
    _INSERT = (f"INSERT INTO positions ({', '.join(POSITION_COLUMNS)}) VALUES ({', '.join('?' * len(POSITION_COLUMNS))}) "
               "ON CONFLICT (device_id, fix_time) DO NOTHING")
    _UPSERT = (f"INSERT INTO unit_last_position ({', '.join(LAST_COLUMNS)}, rev) "
               f"VALUES ({', '.join('?' * (len(LAST_COLUMNS) + 1))}) ON CONFLICT (unit_id) DO UPDATE SET "
               + ", ".join(f"{c} = excluded.{c}" for c in (*LAST_COLUMNS[1:], "rev")))

    def insert_and_lock(self, rows: Sequence[tuple], feed: str) -> tuple[list[bool], int]:
        return self._insert(rows), self._bump(feed)

    def _insert(self, rows: Sequence[tuple]) -> list[bool]:
        cur = self.dbapi.cursor()
        before = cur.execute("SELECT coalesce(max(id), 0) FROM positions").fetchone()[0]
        changes = self.dbapi.total_changes
        t = _FIX_TIME
        cur.executemany(self._INSERT, [(*r[:t], _sqlite_time(r[t]), _sqlite_time(r[t + 1]), *r[t + 2:11],
                                        _sqlite_time(r[11]), *r[12:]) for r in rows])
        if self.dbapi.total_changes - changes == len(rows):
            return [True] * len(rows)
        # Some were resent duplicates: the new ones are those with an id above the old maximum.
        new = set(cur.execute("SELECT device_id, fix_time FROM positions WHERE id > ?", (before,)))
        return [(r[_DEVICE], _sqlite_time(r[t])) in new for r in rows]

    def _bump(self, feed: str) -> int:
        cur = self.dbapi.cursor()
        row = cur.execute("UPDATE feed_revisions SET rev = rev + 1 WHERE feed = ? RETURNING rev", (feed,)).fetchone()
        if row is None:
            cur.execute("INSERT INTO feed_revisions (feed, rev) VALUES (?, 1) ON CONFLICT (feed) DO NOTHING", (feed,))
            return self._bump(feed) if cur.rowcount == 0 else 1
        return int(row[0])

    def undo_bump(self, feed: str) -> None:
        self.dbapi.execute("UPDATE feed_revisions SET rev = rev - 1 WHERE feed = ?", (feed,))

    def last_positions(self, unit_ids: Sequence[int]) -> dict[int, tuple]:
        found = {}
        for start in range(0, len(unit_ids), 500):
            chunk = list(unit_ids[start:start + 500])
            for unit_id, device_id, fix_time, lon, lat, accuracy in self.dbapi.execute(
                    "SELECT unit_id, device_id, fix_time, lon, lat, accuracy_m FROM unit_last_position "
                    f"WHERE unit_id IN ({', '.join('?' * len(chunk))})", chunk):
                found[unit_id] = (device_id, _from_sqlite_time(fix_time), lon, lat, accuracy)
        return found

    def upsert_last(self, rows: Sequence[tuple], rev: int, channel: str) -> None:
        self.dbapi.executemany(self._UPSERT, [(r[0], r[1], _sqlite_time(r[2]), *r[3:], rev) for r in rows])

    def flag(self, keys: Sequence[tuple[str, datetime]], attributes: Sequence[str]) -> None:
        self.dbapi.executemany("UPDATE positions SET attributes = ? WHERE device_id = ? AND fix_time = ?",
                               [(a, d, _sqlite_time(t)) for (d, t), a in zip(keys, attributes)])


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------

_PG_TYPES = ("varchar", "integer", "timestamptz", "timestamptz", "float8", "float8", "float8", "float8", "float8",
             "float8", "float8", "timestamptz", "varchar", "text")


class _PgStore(BatchStore):
    _MARK = "%s"
    # One statement text whatever the batch size: psycopg prepares it once per connection.
    _INSERT = (f"INSERT INTO positions ({', '.join(POSITION_COLUMNS)}) SELECT "
               + ", ".join(f"c{i}" + ("::json" if name == "attributes" else "") for i, name in enumerate(POSITION_COLUMNS))
               + " FROM unnest(" + ", ".join(f"%s::{t}[]" for t in _PG_TYPES) + ") AS t("
               + ", ".join(f"c{i}" for i in range(len(POSITION_COLUMNS)))
               + ") ON CONFLICT (device_id, fix_time) DO NOTHING RETURNING device_id, fix_time")
    _UPSERT = (f"INSERT INTO unit_last_position ({', '.join(LAST_COLUMNS)}, rev) SELECT *, %s FROM unnest("
               "%s::integer[], %s::varchar[], %s::timestamptz[], %s::float8[], %s::float8[], %s::float8[], "
               "%s::float8[], %s::float8[], %s::float8[]) ON CONFLICT (unit_id) DO UPDATE SET "
               + ", ".join(f"{c} = excluded.{c}" for c in (*LAST_COLUMNS[1:], "rev")))

    def insert_and_lock(self, rows: Sequence[tuple], feed: str) -> tuple[list[bool], int]:
        cur = self.dbapi.cursor()
        # One round trip for both statements (pipeline mode). INSERT ... SELECT FROM unnest
        # rather than COPY: COPY cannot skip a resent duplicate, and the savepoint it then
        # needs costs two more round trips than it saves at these batch sizes (measured).
        with self.dbapi.pipeline():
            cur.execute(self._INSERT, [list(c) for c in zip(*rows)], prepare=True)
            cur2 = self.dbapi.cursor()
            cur2.execute(self._BUMP, (feed,), prepare=True)
        new = set(cur.fetchall())
        row = cur2.fetchone()
        if row is None:
            cur.execute("INSERT INTO feed_revisions (feed, rev) VALUES (%s, 0) ON CONFLICT (feed) DO NOTHING", (feed,))
            row = cur.execute(self._BUMP, (feed,)).fetchone()
        flags = [True] * len(rows) if len(new) == len(rows) else [(r[_DEVICE], r[_FIX_TIME]) in new for r in rows]
        return flags, int(row[0])

    _BUMP = "UPDATE feed_revisions SET rev = rev + 1 WHERE feed = %s RETURNING rev"

    def undo_bump(self, feed: str) -> None:
        self.dbapi.execute("UPDATE feed_revisions SET rev = rev - 1 WHERE feed = %s", (feed,))

    def last_positions(self, unit_ids: Sequence[int]) -> dict[int, tuple]:
        rows = self.dbapi.execute("SELECT unit_id, device_id, fix_time, lon, lat, accuracy_m FROM unit_last_position "
                                  "WHERE unit_id = ANY(%s::integer[])", (list(unit_ids),), prepare=True)
        return {r[0]: r[1:] for r in rows}

    def upsert_last(self, rows: Sequence[tuple], rev: int, channel: str) -> None:
        with self.dbapi.pipeline():
            self.dbapi.execute(self._UPSERT, [rev, *(list(c) for c in zip(*rows))], prepare=True)
            # Delivered by PostgreSQL only if and when the transaction commits.
            self.dbapi.execute("SELECT pg_notify(%s, %s)", (channel, str(rev)), prepare=True)

    def flag(self, keys: Sequence[tuple[str, datetime]], attributes: Sequence[str]) -> None:
        with self.dbapi.cursor() as cur:
            cur.executemany("UPDATE positions SET attributes = %s::json WHERE device_id = %s AND fix_time = %s",
                            [(a, d, t) for (d, t), a in zip(keys, attributes)])


def batch_store(session: Session) -> BatchStore:
    name = session.get_bind().dialect.name
    if name == "sqlite":
        return _SqliteStore(session)
    if name == "postgresql":
        return _PgStore(session)
    raise NotImplementedError(f"positions need PostgreSQL or SQLite, not {name}")


def json_text(attributes: dict[str, Any] | None) -> str:
    """Attributes as stored: JSON text ("{}" for none, the common case, without encoding)."""
    if not attributes:
        return "{}"
    import json

    return json.dumps(attributes, ensure_ascii=False, default=str)
