"""The live picture of every unit, shared by the map, the units board and the unit card.

Fixes arrive in batches from the feed worker; views hear about them at most ten
times a second (``sig_units_changed``), however fast devices report. The throttle is
leading-edge: a batch after a quiet spell reaches the views at once, later ones in the
same 100 ms wait for its end (a fixed 100 ms tick added 50 ms to every batch on average)."""
from __future__ import annotations

import time
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from core.clock import Clock, SystemClock
from core.units import UnitInfo

if TYPE_CHECKING:  # the feed (SQLAlchemy) is imported once the database opens, not at start-up
    from db.change_feed import FeedBatch

FLUSH_INTERVAL_MS = 100  # ≤ 10 Hz towards the views


class LiveModel(QObject):
    sig_units_changed = Signal(list)  # unit ids whose fix or status changed
    sig_roster_reloaded = Signal()  # units were added, removed or edited
    sig_kinds_changed = Signal(set)  # coarse change kinds from other workstations

    def __init__(self, stale_after_s: float = 60, clock: Clock | None = None, parent=None):
        super().__init__(parent)
        self.stale_after_s = stale_after_s
        self.clock = clock or SystemClock()
        self.units: dict[int, UnitInfo] = {}
        self._pending: set[int] = set()
        self._prepared: dict[int, object] = {}  # unit id -> what the worker prepared for its newest fix
        self._last_flush = 0.0  # time.monotonic() of the last signal to the views
        self._stopped = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)

    def take_prepared(self, ids: list[int]) -> dict[int, object]:
        """The prepared forms of these units' newest fixes (those there are), handed over once."""
        return {i: self._prepared.pop(i) for i in ids if i in self._prepared}

    def stop(self) -> None:
        self._stopped = True
        self._timer.stop()
        self._pending.clear()
        self._prepared.clear()

    def now(self) -> datetime:
        return self.clock.now()

    def load(self, units: list[UnitInfo]) -> None:
        self.units = {u.unit_id: u for u in units}
        self._pending.clear()
        self._prepared.clear()
        self.sig_roster_reloaded.emit()

    def apply(self, batch: "FeedBatch") -> None:
        if batch.units is not None:
            fixes = {uid: u.last_fix for uid, u in self.units.items() if u.last_fix is not None}
            self.units = {u.unit_id: (u.with_fix(fixes[u.unit_id]) if u.last_fix is None and u.unit_id in fixes else u)
                          for u in batch.units}
            self.sig_roster_reloaded.emit()
        for unit_id, fix in batch.fixes.items():
            unit = self.units.get(unit_id)
            if unit is None:
                continue
            if unit.last_fix is None or fix.time >= unit.last_fix.time:
                self.units[unit_id] = unit.with_fix(fix)
                self._pending.add(unit_id)
                if unit_id in batch.prepared:
                    self._prepared[unit_id] = batch.prepared[unit_id]
        if batch.kinds:
            self.sig_kinds_changed.emit(set(batch.kinds))
        if self._pending and not self._stopped and not self._timer.isActive():
            wait_ms = int((self._last_flush + FLUSH_INTERVAL_MS / 1000 - time.monotonic()) * 1000)
            if wait_ms <= 0:
                self._flush()
            else:
                self._timer.start(wait_ms)

    def show_as_of(self, units: dict[int, UnitInfo], changed: list[int], prepared: dict | None = None) -> None:
        """A replay frame: the units as they stood at the replay time. The views hear of
        ``changed`` at once (a frame is already paced); a different set of units is a reload.
        ``prepared``: the changed units' map rows, made already (``units_js.RowSerializer``)."""
        same = units.keys() == self.units.keys()
        self.units = units
        self._pending.clear()
        self._prepared = dict(prepared) if prepared and same else {}
        if not same:
            self.sig_roster_reloaded.emit()
        elif changed:
            self.sig_units_changed.emit(changed)

    def _flush(self) -> None:
        if self._pending:
            self._last_flush = time.monotonic()
            ids, self._pending = sorted(self._pending), set()
            self.sig_units_changed.emit(ids)

    def is_stale(self, unit: UnitInfo) -> bool:
        return unit.is_stale(self.now(), self.stale_after_s)
