from datetime import date, datetime, timedelta, timezone

import pytest

from core.patrol_rules import RuleError, ShiftRule, TimeWindow, check_line, check_shift, parse_window, shift_instance
from core.patrol_status import (COLORS, DUE, MISSED, VISITED, LineStatus, PatrolStatus, PointDuty, Visit,
                                coverage_pct, missed_slots, patrol_map_features, point_slots, point_status)

UTC = timezone.utc
SHIFT = ShiftRule("night", "夜班", 19 * 60, 3 * 60)


def test_windows_parse_and_refuse_ending_before_they_start():
    assert parse_window("19:00-23:00*2") == TimeWindow(1140, 1380, 2)
    assert parse_window({"start": "19:00", "end": "24:00"}) == TimeWindow(1140, 1440, 1)
    with pytest.raises(RuleError, match=r"^w: window 23:00-19:00 ends before it starts$"):
        parse_window("23:00-19:00", "w")
    with pytest.raises(RuleError, match="visits"):
        parse_window("19:00-20:00*0")


def test_shifts_cross_midnight_in_local_time():
    start, end = shift_instance(check_shift("night", "夜班", "19:00", "03:00"), date(2026, 6, 1))
    assert (start, end) == (datetime(2026, 6, 1, 11, tzinfo=UTC), datetime(2026, 6, 1, 19, tzinfo=UTC))
    with pytest.raises(RuleError, match="^end: "):
        check_shift("x", "x", "08:00", "08:00")


def test_lines_need_two_vertices_and_may_cross_but_not_retrace():
    with pytest.raises(RuleError, match="at least 2 distinct vertices"):
        check_line([[112.08, 32.68], [112.08, 32.68]])
    with pytest.raises(RuleError, match="runs over itself"):
        check_line([[112.08, 32.68], [112.09, 32.68], [112.085, 32.68]])
    check_line([[112.08, 32.68], [112.09, 32.69], [112.09, 32.68], [112.08, 32.69]])  # a figure eight crosses


def test_slots_states_and_missed_windows():
    p = PointDuty("P1", "超市", "G02", 112.08, 32.68, 50, (TimeWindow(19 * 60, 20 * 60, 2),))
    start, end = shift_instance(SHIFT, date(2026, 6, 1))
    one = Visit("P1", "u", "d", start + timedelta(minutes=5), start + timedelta(minutes=9))
    two = Visit("P1", "u", "d", start + timedelta(minutes=40), start + timedelta(minutes=45))
    assert [s.visits for s in point_slots(p, [SHIFT], start, end)] == [2]
    assert point_status(p, SHIFT, start, end, [one], start + timedelta(minutes=30)).state == DUE
    assert point_status(p, SHIFT, start, end, [one], start + timedelta(hours=2)).state == MISSED
    assert point_status(p, SHIFT, start, end, [one, two], start + timedelta(hours=2)).state == VISITED
    missed = missed_slots([p], [one], [SHIFT], start, end, start + timedelta(hours=2))
    assert [(code, s.start, s.end) for code, s in missed] == [("P1", start, start + timedelta(hours=1))]
    # A point without windows owes its visits per shift.
    q = PointDuty("P2", "站", "G02", 112.08, 32.68, 50, (), 1)
    assert [(s.start, s.end) for s in point_slots(q, [SHIFT], start, end)] == [(start, end)]


def test_coverage_is_the_union_of_passes():
    assert coverage_pct(1000, [(0, 300), (200, 500), (900, 1000)]) == 60.0
    assert coverage_pct(1000, []) == 0.0


def test_map_features_colour_points_by_state_and_lines_by_coverage():
    start, end = shift_instance(SHIFT, date(2026, 6, 1))
    p = PointDuty("P1", "超市", "G02", 112.08, 32.68, 50, (TimeWindow(19 * 60, 20 * 60, 1),))
    status = PatrolStatus("G02", "night", "夜班", start, end, end,
                          (point_status(p, SHIFT, start, end, [], end),),
                          (LineStatus("L1", "新华路", [[112.08, 32.67], [112.08, 32.68]], 95.0, 1, 1),
                           LineStatus("L2", "邓禹路", [[112.07, 32.67], [112.07, 32.68]], 20.0, 0, 1)))
    point, good, bad = patrol_map_features(status)
    assert point["geometry"] == {"type": "Point", "coordinates": [112.08, 32.68]}
    assert point["properties"]["state"] == MISSED and point["properties"]["style"]["color"] == COLORS[MISSED]
    assert set(point["properties"]) == {"id", "tooltip", "state", "style"}
    assert set(point["properties"]["style"]) == {"color", "fillColor", "weight", "radius"}
    assert good["properties"]["style"]["color"] == COLORS[VISITED] and bad["properties"]["style"]["color"] == COLORS[MISSED]
    assert good["geometry"]["type"] == "LineString" and "95%" in good["properties"]["tooltip"]
