"""Units as the page's JS wants them: compact rows, shifted onto the basemap's CRS.

Row layout (kept in step with resources/web/gridmap_units.js):
[unit_id, lon, lat, agency, status, fix_time_ms | None, callsign, accuracy_m, speed_mps]."""
from __future__ import annotations

import json
from datetime import datetime
from typing import Iterable

from core.crs import shift_for_basemap
from core.units import UnitInfo


def unit_row(unit: UnitInfo, basemap_crs: str = "wgs84") -> list | None:
    fix = unit.last_fix
    if fix is None:
        return None  # nothing to draw until the first fix
    lon, lat = (fix.lon, fix.lat) if basemap_crs == "wgs84" else shift_for_basemap(fix.lon, fix.lat, basemap_crs)
    return [unit.unit_id, round(lon, 7), round(lat, 7), unit.agency, unit.status, int(fix.time.timestamp() * 1000),
            unit.callsign, fix.accuracy_m, fix.speed_mps]


def units_payload(units: Iterable[UnitInfo], now: datetime, *, full: bool, seq: int, stale_after_s: float,
                  label_min_zoom: int, basemap_crs: str = "wgs84") -> str:
    rows = [row for row in (unit_row(u, basemap_crs) for u in units) if row is not None]
    return json.dumps({"now": int(now.timestamp() * 1000), "full": full, "seq": seq, "rows": rows,
                       "staleAfterMs": int(stale_after_s * 1000), "labelMinZoom": label_min_zoom},
                      ensure_ascii=False, separators=(",", ":"))
