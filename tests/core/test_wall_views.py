"""The wall's pure rules: the cycle, the focus incident, flashing, burn-in, back-off, spanning."""
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from core.wall_views import (
    around, backoff_s, burn_in_offset, cycle_views, focus_incident, newest_first, span_rect, to_flash, union_bbox,
)

T = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)


def inc(iid, level="general", state="received", minutes=0):
    return SimpleNamespace(id=iid, level=level, state=state, received_at=T + timedelta(minutes=minutes),
                           lon=112.08, lat=32.68)


def test_cycle_is_city_then_each_grid_then_the_incident():
    grids = [("G01", (112.0, 32.6, 112.1, 32.7)), ("G02", (112.1, 32.6, 112.2, 32.8))]
    views = cycle_views(grids, inc(7))
    assert [(v.kind, v.key) for v in views] == [("city", ""), ("grid", "G01"), ("grid", "G02"), ("incident", "7")]
    assert views[0].bbox == (112.0, 32.6, 112.2, 32.8)
    x0, y0, x1, y1 = views[-1].bbox
    assert x0 < 112.08 < x1 and y0 < 32.68 < y1
    assert cycle_views([], None) == []
    assert union_bbox([]) is None


def test_around_is_about_the_asked_size():
    x0, y0, x1, y1 = around(112.08, 32.68, 1000)
    assert (y1 - y0) * 111_320 == pytest.approx(2000, rel=1e-6)
    assert (x1 - x0) * 111_320 * 0.8417 == pytest.approx(2000, rel=1e-2)  # cos(32.68°)


def test_focus_is_the_most_severe_open_incident_newest_among_equals():
    incidents = [inc(1, "serious", "closed", 5), inc(2, "major", minutes=1), inc(3, "major", minutes=3),
                 inc(4, "general", minutes=9)]
    assert focus_incident(incidents).id == 3
    assert focus_incident([inc(1, state="closed")]) is None


def test_newest_first_and_only_new_flashing_levels_flash():
    incidents = [inc(1, minutes=1), inc(2, "serious", minutes=2), inc(3, "major", minutes=3),
                 inc(4, "serious", "cancelled", minutes=4)]
    assert [i.id for i in newest_first(incidents, 3)] == [4, 3, 2]
    assert to_flash(None, incidents, ["serious", "major"]) == []  # a wall switched on flashes no history
    assert [i.id for i in to_flash({1}, incidents, ["serious", "major"])] == [3, 2]
    assert to_flash({1, 2, 3, 4}, incidents, ["serious", "major"]) == []


def test_burn_in_visits_every_offset_once_per_round_and_stays_in_bounds():
    a = 3
    side = 2 * a + 1
    offsets = [burn_in_offset(step, a) for step in range(side * side)]
    assert len(set(offsets)) == side * side
    assert all(abs(dx) <= a and abs(dy) <= a for dx, dy in offsets)
    # Consecutive steps move; the layout never sits still for two periods.
    assert all(offsets[i] != offsets[i + 1] for i in range(len(offsets) - 1))
    assert burn_in_offset(5, 0) == (0, 0)


def test_backoff_doubles_up_to_the_cap():
    assert [backoff_s(n, 1, 30) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_span_covers_every_screen():
    assert span_rect([(0, 0, 1920, 1080), (1920, 0, 1920, 1080), (0, 1080, 1920, 1080)]) == (0, 0, 3840, 2160)
    with pytest.raises(ValueError):
        span_rect([])


def test_wall_settings_section_is_typed_and_checked():
    from core.settings import settings_from_dict

    settings, problems = settings_from_dict({"wall": {"cycle_s": 45, "flash_levels": ["serious"], "burn_in_px": 6}})
    assert (settings.wall.cycle_s, settings.wall.flash_levels, settings.wall.burn_in_px) == (45, ["serious"], 6)
    assert problems == []
    _, problems = settings_from_dict({"wall": {"cycle_s": 2, "burn_in_px": 50, "flash_s": "long"}})
    assert "wall.cycle_s must be at least 5" in problems
    assert "wall.burn_in_px must be between 0 and 20" in problems
    assert "wall.flash_s: expected int, ignored" in problems
