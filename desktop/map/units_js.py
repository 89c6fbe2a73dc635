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


def _json_number(value: float | int | None) -> str:
    # What json.dumps writes for a finite number or None (fixes are range-checked at ingest).
    return "null" if value is None else repr(value)


class RowSerializer:
    """Serialises the rows of a feed batch on the feed worker's thread. It keeps its own
    copy of who each unit is, refreshed from the batches that carry the roster.

    The live path runs this for every moved unit (5,000 per batch in a big city), so a
    row is one f-string around the roster's pre-serialised text, not a json.dumps of a
    list: the same text (``_row``) at a fraction of the cost."""

    def __init__(self, units: Iterable[UnitInfo], shift: BasemapShift = NO_SHIFT):
        self.shift = shift
        self._who: dict[int, tuple[str, str]] = {}
        self.set_roster(units)

    def set_roster(self, units: Iterable[UnitInfo]) -> None:
        def text(value: str) -> str:
            return json.dumps(value, ensure_ascii=False)

        # unit id -> (row head, agency and status, callsign): the parts of a row around its fix.
        self._who = {u.unit_id: (f"{u.unit_id},", f",{text(u.agency)},{text(u.status)},", f",{text(u.callsign)},")
                     for u in units}  # one atomic swap

    def __call__(self, batch) -> dict[int, str]:
        if batch.units is not None:
            self.set_roster(batch.units)
        who, shift, num = self._who, self.shift, _json_number
        identity = shift.is_identity
        out = {}
        for uid, fix in batch.fixes.items():
            text = who.get(uid)
            if text is None:
                continue
            head, middle, callsign = text
            lon, lat = (fix.lon, fix.lat) if identity else shift.point(fix.lon, fix.lat)
            out[uid] = (f"[{head}{round(lon, 7)!r},{round(lat, 7)!r}{middle}{int(fix.time.timestamp() * 1000)}"
                        f"{callsign}{num(fix.accuracy_m)},{num(fix.speed_mps)}]")
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
