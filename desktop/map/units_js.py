"""Units as the page's JS wants them: compact rows, shifted onto the basemap's CRS.

Row layout (kept in step with resources/web/gridmap_units.js):
[unit_id, lon, lat, agency, status, fix_time_ms | None, callsign, accuracy_m, speed_mps].

Rows are serialised one by one so the feed worker can do it off the GUI thread
(``RowSerializer``); a payload is then only a join of ready strings."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Iterable

from core.basemap_shift import BasemapShift
from core.units import LastFix, UnitInfo

NO_SHIFT = BasemapShift()


def _row(unit_id: int, agency: str, status: str, callsign: str, fix: LastFix, shift: BasemapShift) -> str:
    lon, lat = shift.point(fix.lon, fix.lat)
    return json.dumps([unit_id, round(lon, 7), round(lat, 7), agency, status, int(fix.time.timestamp() * 1000),
                       callsign, fix.accuracy_m, fix.speed_mps], ensure_ascii=False, separators=(",", ":"))


def unit_row(unit: UnitInfo, shift: BasemapShift = NO_SHIFT) -> str | None:
    """One unit's row as JSON text; None until its first fix (nothing to draw)."""
    if unit.last_fix is None:
        return None
    return _row(unit.unit_id, unit.agency, unit.status, unit.callsign, unit.last_fix, shift)


class RowSerializer:
    """Serialises the rows of a feed batch on the feed worker's thread. It keeps its own
    copy of who each unit is, refreshed from the batches that carry the roster."""

    def __init__(self, units: Iterable[UnitInfo], shift: BasemapShift = NO_SHIFT):
        self.shift = shift
        self._who: dict[int, tuple[str, str, str]] = {}
        self.set_roster(units)

    def set_roster(self, units: Iterable[UnitInfo]) -> None:
        self._who = {u.unit_id: (u.agency, u.status, u.callsign) for u in units}  # one atomic swap

    def __call__(self, batch) -> dict[int, str]:
        if batch.units is not None:
            self.set_roster(batch.units)
        who = self._who
        return {uid: _row(uid, *who[uid], fix, self.shift) for uid, fix in batch.fixes.items() if uid in who}


def _number(value) -> str:
    return "null" if value is None else repr(value)


class RowCache:
    """Rows for many units at once (a replay frame moves every unit): the parts that
    rarely change (agency, status, callsign) are JSON-encoded once per unit, the rest
    formatted directly — the same text ``unit_row`` makes, several times faster."""

    def __init__(self, shift: BasemapShift = NO_SHIFT):
        self.shift = shift
        self._who: dict[int, tuple[tuple[str, str, str], str, str]] = {}

    def rows(self, units: Iterable[UnitInfo]) -> dict[int, str]:
        out = {}
        point = self.shift.point
        for unit in units:
            fix = unit.last_fix
            if fix is None:
                continue
            key = (unit.agency, unit.status, unit.callsign)
            who = self._who.get(unit.unit_id)
            if who is None or who[0] != key:
                agency, status, callsign = (json.dumps(v, ensure_ascii=False) for v in key)
                who = self._who[unit.unit_id] = (key, f"{agency},{status}", callsign)
            lon, lat = point(fix.lon, fix.lat)
            out[unit.unit_id] = (f"[{unit.unit_id},{round(lon, 7)!r},{round(lat, 7)!r},{who[1]},"
                                 f"{int(fix.time.timestamp() * 1000)},{who[2]},{_number(fix.accuracy_m)},"
                                 f"{_number(fix.speed_mps)}]")
        return out


def payload(rows: Iterable[str], now: datetime, *, full: bool, seq: int, stale_after_s: float,
            label_min_zoom: int) -> str:
    head = json.dumps({"now": int(now.timestamp() * 1000), "full": full, "seq": seq,
                       "staleAfterMs": int(stale_after_s * 1000), "labelMinZoom": label_min_zoom},
                      separators=(",", ":"))
    return f'{head[:-1]},"rows":[{",".join(rows)}]}}'


def units_payload(units: Iterable[UnitInfo], now: datetime, *, full: bool, seq: int, stale_after_s: float,
                  label_min_zoom: int, shift: BasemapShift = NO_SHIFT) -> str:
    rows = (row for row in (unit_row(u, shift) for u in units) if row is not None)
    return payload(rows, now, full=full, seq=seq, stale_after_s=stale_after_s, label_min_zoom=label_min_zoom)
