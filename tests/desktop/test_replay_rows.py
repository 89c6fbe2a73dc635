"""The replay's batch row maker writes exactly what the live path's ``unit_row`` writes."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timezone

from core.basemap_shift import BasemapShift
from core.settings import BasemapSettings
from core.units import LastFix, UnitInfo
from desktop.map.units_js import RowCache, unit_row


def test_row_cache_matches_unit_row_for_odd_units_and_shifts():
    t = datetime(2026, 11, 29, 13, 0, 0, 123456, tzinfo=timezone.utc)
    units = [
        UnitInfo(1, "巡1", "", "joint", "grid_patrol", 1, "foot", "available", None,
                 last_fix=LastFix(time=t, lon=112.0812345678, lat=32.68, accuracy_m=8.0, speed_mps=1.25)),
        UnitInfo(2, 'a,"b"\\c', "", "police", "special", 2, "car", "on_scene", None,
                 last_fix=LastFix(time=t, lon=-0.1, lat=51.5, accuracy_m=None, speed_mps=None)),
        UnitInfo(3, "no fix", "", "city", "grid_patrol", 1, "foot", "available", None),
    ]
    gcj = BasemapShift.for_basemap(BasemapSettings(kind="url", url="http://tiles.lan/{z}/{x}/{y}.png", crs="gcj02"))
    for shift in (BasemapShift(), gcj):
        cache = RowCache(shift)
        rows = cache.rows(units)
        assert rows == {u.unit_id: unit_row(u, shift) for u in units if u.last_fix is not None}
        # A changed status is re-encoded, not served from the cache.
        moved = dataclasses.replace(units[0], status="dispatched")
        assert cache.rows([moved])[1] == unit_row(moved, shift)
