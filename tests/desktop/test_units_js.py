"""Map rows serialised on the worker thread are the same rows a full push sends."""
import json
from datetime import datetime, timezone

from hypothesis import given
from hypothesis import strategies as st

from core.basemap_shift import BasemapShift
from core.crs import wgs84_to_gcj02
from core.units import LastFix, UnitInfo
from db.change_feed import FeedBatch
from desktop.map.units_js import RowSerializer, payload, unit_row, units_payload

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def _unit(uid, status="available", fix=None):
    return UnitInfo(uid, f"联勤{uid}", "", "joint", "grid_patrol", 1, "foot", status, "G02", last_fix=fix)


def test_serialised_rows_match_a_full_payload_and_follow_the_roster():
    fix = LastFix(NOW, 112.08, 32.68, 5.0, 1.2)
    serializer = RowSerializer([_unit(1), _unit(2)], BasemapShift("gcj02"))
    rows = serializer(FeedBatch(fixes={1: fix, 99: fix}))  # 99: not on the roster
    assert set(rows) == {1}
    partial = json.loads(payload(rows.values(), NOW, full=False, seq=7, stale_after_s=60, label_min_zoom=15))
    full = json.loads(units_payload([_unit(1, fix=fix), _unit(2)], NOW, full=True, seq=7, stale_after_s=60,
                                    label_min_zoom=15, shift=BasemapShift("gcj02")))
    assert partial["rows"] == full["rows"]
    assert partial["rows"][0][1:3] == [round(c, 7) for c in wgs84_to_gcj02(112.08, 32.68)]
    assert (partial["seq"], partial["full"], partial["staleAfterMs"]) == (7, False, 60000)
    # A roster carried by the batch (a status change) is used for that batch's rows.
    rows = serializer(FeedBatch(fixes={2: fix}, units=[_unit(1), _unit(2, status="dispatched")]))
    assert json.loads(rows[2])[4] == "dispatched"


finite = dict(allow_nan=False, allow_infinity=False)


@given(lon=st.floats(-180, 180, **finite), lat=st.floats(-85, 85, **finite),
       accuracy=st.none() | st.floats(0, 10_000, **finite) | st.integers(0, 10_000),
       speed=st.none() | st.floats(0, 100, **finite), callsign=st.text(max_size=12),
       ms=st.integers(946_684_800_000, 4_102_444_800_000), shifted=st.booleans())
def test_the_fast_row_is_the_json_row_exactly(lon, lat, accuracy, speed, callsign, ms, shifted):
    """RowSerializer builds rows with f-strings for speed; the text equals json.dumps's."""
    shift = BasemapShift("gcj02") if shifted else BasemapShift()
    when = datetime.fromtimestamp(ms / 1000, timezone.utc)
    unit = UnitInfo(3, callsign, "", "city", "grid_patrol", 1, "foot", "on_scene", "G02")
    fix = LastFix(when, lon, lat, accuracy, speed)
    fast = RowSerializer([unit], shift)(FeedBatch(fixes={3: fix}))[3]
    assert fast == unit_row(unit.with_fix(fix), shift)
