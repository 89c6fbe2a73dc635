"""What changed since a workstation last looked: moved units (positions feed) and
coarse change rows written by the operation runner.

Every workstation polls revisions, so SQLite and PostgreSQL behave the same; on
PostgreSQL a LISTEN connection wakes the poller as soon as a writer commits."""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select

from core.units import LastFix, UnitInfo
from db.engine import session_factory
from db.models import ChangeLog
from db.notify import CHANGES_CHANNEL, POSITIONS_CHANNEL
from db.positions_repo import last_positions_since, positions_revision
from db.units_repo import last_fix_from_row, load_units

log = logging.getLogger(__name__)



@dataclass
class FeedBatch:
    fixes: dict[int, LastFix] = field(default_factory=dict)  # unit_id -> newest fix
    kinds: set[str] = field(default_factory=set)  # change kinds, e.g. "units", "grids"
    units: list[UnitInfo] | None = None  # the whole roster, reloaded when "units" changed
    # What a consumer prepared from the fixes on the polling thread (e.g. serialised rows).
    prepared: dict[int, Any] = field(default_factory=dict)
    # time.monotonic() when the poll returned it: where the live-map benchmark's end-to-end
    # figure starts (before the rows are serialised).
    received_at: float = 0.0

    def __bool__(self) -> bool:
        return bool(self.fixes or self.kinds)


class ChangeFeed:
    def __init__(self, engine: Engine):
        self.engine = engine
        self._sessions = session_factory(engine)
        self.position_rev = 0
        self.change_id = 0
        self._listen_conn = None
        # Set by this process's own writes (``wake``), so its views refresh at once
        # instead of at the next poll; PostgreSQL's NOTIFY does the same across machines.
        self._woken = threading.Event()

    def wake(self) -> None:
        self._woken.set()

    def snapshot(self) -> list[UnitInfo]:
        """The roster with last fixes, and the revisions to poll from afterwards."""
        with self._sessions() as session:
            self.position_rev = positions_revision(session)
            self.change_id = session.scalar(select(func.coalesce(func.max(ChangeLog.id), 0)))
            return load_units(session)

    def poll(self) -> FeedBatch:
        """What changed since the last poll. The stored positions advance only once the
        whole batch was read, so a connection lost half-way loses nothing."""
        batch = FeedBatch()
        with self._sessions() as session:
            position_rev, rows = last_positions_since(session, self.position_rev)
            for row in rows:
                batch.fixes[row.unit_id] = last_fix_from_row(row)
            changes = session.execute(select(ChangeLog.id, ChangeLog.kind).where(ChangeLog.id > self.change_id)
                                      .order_by(ChangeLog.id)).all()
            change_id = changes[-1].id if changes else self.change_id
            batch.kinds = {c.kind for c in changes}
            if "units" in batch.kinds:
                batch.units = load_units(session)
        self.position_rev, self.change_id = position_rev, change_id
        return batch

    # --- PostgreSQL wake-ups ------------------------------------------------------
    def _listen(self):
        if self.engine.dialect.name != "postgresql":
            return None
        if self._listen_conn is None or self._listen_conn.closed:
            import psycopg

            url = self.engine.url.set(drivername="postgresql")
            try:
                conn = psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)
                conn.execute(f"LISTEN {POSITIONS_CHANNEL}")
                conn.execute(f"LISTEN {CHANGES_CHANNEL}")
            except psycopg.Error as exc:
                log.warning("LISTEN unavailable, polling only: %s", exc)
                return None
            self._listen_conn = conn
        return self._listen_conn

    def wait(self, timeout_s: float) -> bool:
        """Sleep up to ``timeout_s``; True if a writer's NOTIFY cut the wait short."""
        if self._woken.is_set():
            self._woken.clear()
            return True
        conn = self._listen()
        if conn is None:
            woke = self._woken.wait(timeout_s)
            self._woken.clear()
            return woke
        try:
            woke = False
            for _ in conn.notifies(timeout=timeout_s, stop_after=1):
                woke = True
            return woke
        except Exception as exc:  # a dropped connection: fall back to polling, reconnect next time
            log.warning("LISTEN connection lost: %s", exc)
            self.close()
            return False

    def close(self) -> None:
        if self._listen_conn is not None:
            try:
                self._listen_conn.close()
            except Exception:
                pass
            self._listen_conn = None

