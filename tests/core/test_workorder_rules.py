"""13710 deadlines, lights and the actions each state allows (pure, no database)."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from core.incidents import FieldError
from core.settings import Settings, WorkOrderSettings, settings_from_dict
from core.workorders import (
    ACTIONS, LIGHT_COLORS, ActionNotAllowed, WorkOrderSnapshot, add_months, allowed_actions,
    compute_deadlines, light_at, milestone_states, next_status, order_json, overdue_at, overdue_mask, parse_rating,
    warning_starts,
)
from core.workorder_map import workorder_map_features

UTC = timezone.utc
SH = ZoneInfo("Asia/Shanghai")
S = WorkOrderSettings()


def local(zone, *args):
    return datetime(*args, tzinfo=zone)


def test_issued_2359_local_deploys_by_midnight_one_minute_later():
    issued = local(SH, 2026, 3, 10, 23, 59)
    d = compute_deadlines(issued, "ordinary", S)
    assert d.deploy == local(SH, 2026, 3, 11, 0, 0)
    assert d.deploy - issued == timedelta(minutes=1)
    assert d.progress == issued + timedelta(hours=72)
    assert d.resolve == issued + timedelta(days=7)
    assert d.deploy.tzinfo is not None and d.deploy.utcoffset() == timedelta(0)


def test_issued_0001_local_is_still_the_previous_utc_day_but_the_local_day_counts():
    issued = local(SH, 2026, 3, 10, 0, 1)  # 2026-03-09 16:01Z
    d = compute_deadlines(issued, "ordinary", S)
    assert d.deploy == datetime(2026, 3, 10, 16, 0, tzinfo=UTC)


@pytest.mark.parametrize("issued, due", [
    ((2026, 1, 31, 10, 0), (2026, 2, 28, 10, 0)),   # clamped to the month's end
    ((2028, 1, 31, 10, 0), (2028, 2, 29, 10, 0)),   # leap year
    ((2026, 1, 31, 23, 59), (2026, 2, 28, 23, 59)),  # late local time stays in the local day
    ((2026, 3, 31, 9, 0), (2026, 4, 30, 9, 0)),
    ((2026, 12, 15, 9, 0), (2027, 1, 15, 9, 0)),    # across the year
])
def test_major_resolves_one_calendar_month_later_in_local_time(issued, due):
    d = compute_deadlines(local(SH, *issued), "major", S)
    assert d.resolve == local(SH, *due)


def test_add_months_keeps_wall_clock():
    assert add_months(local(SH, 2026, 5, 31, 8), 1) == local(SH, 2026, 6, 30, 8)
    assert add_months(local(SH, 2026, 11, 30, 8), 3) == local(SH, 2027, 2, 28, 8)


def test_dst_zone_day_end_and_hours():
    ny = ZoneInfo("America/New_York")
    s = replace(S, timezone="America/New_York")
    # 8 March 2026: clocks go forward at 02:00; the local day has 23 hours.
    issued = local(ny, 2026, 3, 8, 1, 30)
    d = compute_deadlines(issued, "ordinary", s)
    assert d.deploy == local(ny, 2026, 3, 9, 0, 0)
    assert d.deploy - issued == timedelta(hours=21, minutes=30)  # not 22:30: an hour vanished
    assert d.progress - issued == timedelta(hours=72)  # elapsed hours, not wall-clock days
    assert d.progress.astimezone(ny).hour == 2  # so the wall clock moved an hour
    # A major order issued before the change resolves at the same wall-clock time a month on.
    issued = local(ny, 2026, 2, 28, 9, 0)
    d = compute_deadlines(issued, "major", s)
    assert d.resolve.astimezone(ny) == local(ny, 2026, 3, 28, 9, 0)
    assert d.resolve - issued == timedelta(days=28, hours=-1)


def test_berlin_autumn_day_has_25_hours():
    berlin = ZoneInfo("Europe/Berlin")
    s = replace(S, timezone="Europe/Berlin")
    issued = local(berlin, 2026, 10, 25, 0, 30)  # clocks go back at 03:00
    d = compute_deadlines(issued, "ordinary", s)
    assert d.deploy - issued == timedelta(hours=24, minutes=30)


def test_dst_free_zone_shanghai_day_is_24_hours():
    issued = local(SH, 2026, 3, 8, 0, 0)
    assert compute_deadlines(issued, "ordinary", S).deploy - issued == timedelta(hours=24)


def test_settings_change_deadlines():
    s = replace(S, resolve_major_months=0, resolve_major_hours=240, progress_hours=48, deploy_extra_days=1)
    issued = local(SH, 2026, 1, 31, 10)
    d = compute_deadlines(issued, "major", s)
    assert d.resolve == issued + timedelta(days=10)
    assert d.progress == issued + timedelta(hours=48)
    assert d.deploy == local(SH, 2026, 2, 2, 0, 0)


def test_bad_inputs_name_the_field():
    with pytest.raises(FieldError, match="kind"):
        compute_deadlines(local(SH, 2026, 1, 1), "urgent", S)
    with pytest.raises(FieldError, match="issued_at"):
        compute_deadlines(datetime(2026, 1, 1), "major", S)


def test_settings_section_loads_and_bad_zone_falls_back():
    s, problems = settings_from_dict({"workorders": {"timezone": "Mars/Olympus", "progress_hours": 96}})
    assert s.workorders.progress_hours == 96
    assert s.workorders.timezone == "Asia/Shanghai"
    assert any("workorders.timezone" in p for p in problems)
    assert Settings().workorders.resolve_ordinary_hours == 168


def _states(issued, kind="ordinary", **met):
    d = compute_deadlines(issued, kind, S)
    warn = warning_starts(d, kind, S)
    return d, milestone_states(d, warn, met.get("signed"), met.get("progress"), met.get("closed"), met.get("cancelled"))


def test_lights_walk_through_an_ordinary_order():
    issued = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)  # 10:00 Shanghai
    d, ms = _states(issued)
    assert light_at(ms, issued) == "green"
    assert light_at(ms, d.deploy - timedelta(seconds=1)) == "green"  # deploy has no warning window
    assert light_at(ms, d.deploy + timedelta(seconds=1)) == "red"
    assert overdue_at(ms, d.deploy + timedelta(seconds=1)) == ("deploy",)
    signed = issued + timedelta(hours=1)
    d, ms = _states(issued, signed=signed)
    assert light_at(ms, d.deploy + timedelta(hours=1)) == "green"
    assert light_at(ms, d.progress - timedelta(hours=23)) == "yellow"  # within 1 day of progress
    assert light_at(ms, d.progress - timedelta(hours=25)) == "green"
    assert overdue_at(ms, d.progress + timedelta(seconds=1)) == ("progress",)
    d, ms = _states(issued, signed=signed, progress=issued + timedelta(hours=30))
    assert light_at(ms, d.resolve - timedelta(hours=47)) == "yellow"  # within 2 days of resolve
    assert light_at(ms, d.resolve - timedelta(hours=49)) == "green"
    assert overdue_at(ms, d.resolve + timedelta(minutes=1)) == ("resolve",)
    d, ms = _states(issued, signed=signed, progress=issued + timedelta(hours=30), closed=d.resolve)
    assert light_at(ms, d.resolve + timedelta(days=30)) == "green"
    # As of a time before the milestone was met, it still counts as unmet.
    assert light_at(ms, d.resolve - timedelta(hours=1)) == "yellow"


def test_late_signing_clears_red_but_several_milestones_can_be_overdue():
    issued = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    d, ms = _states(issued)
    assert overdue_at(ms, d.resolve + timedelta(hours=1)) == ("deploy", "progress", "resolve")
    d, ms = _states(issued, signed=d.deploy + timedelta(hours=5))
    assert light_at(ms, d.deploy + timedelta(hours=6)) == "green"


def test_major_warning_window_is_five_days():
    issued = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    d, ms = _states(issued, "major", signed=issued, progress=issued)
    assert light_at(ms, d.resolve - timedelta(days=4, hours=23)) == "yellow"
    assert light_at(ms, d.resolve - timedelta(days=5, hours=1)) == "green"


def test_cancelled_orders_stop_the_clock():
    issued = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    cancelled = issued + timedelta(hours=2)
    d, ms = _states(issued, cancelled=cancelled)
    assert light_at(ms, d.resolve + timedelta(days=3)) == "green"
    assert overdue_at(ms, d.resolve + timedelta(days=3)) == ()


def test_allowed_actions_follow_the_state():
    assert allowed_actions("issued") == ("sign", "extend", "cancel", "supervise")
    assert allowed_actions("in_progress") == ("progress", "request-close", "extend", "cancel", "supervise")
    assert allowed_actions("close_requested") == ("close", "send-back", "cancel", "supervise")
    assert allowed_actions("closed") == () and allowed_actions("cancelled") == ()
    pending = allowed_actions("in_progress", extension_pending=True)
    assert "extend" not in pending and {"approve-extension", "refuse-extension"} <= set(pending)
    assert set(allowed_actions("signed", True)) <= set(ACTIONS)
    assert next_status("close_requested", "send-back") == "in_progress"
    assert next_status("signed", "extend") == "signed"
    err = ActionNotAllowed("JB1", "closed", "sign", ())
    assert "final" in str(err)


def test_ratings_accept_code_or_chinese():
    assert parse_rating("优秀") == "excellent" and parse_rating("fail") == "fail"
    with pytest.raises(FieldError, match="rating"):
        parse_rating("great")


def _snapshot(**kw):
    base = dict(id=1, number="JB20260310-0001", title="占道经营", kind="ordinary", source="patrol",
                department="city", department_name="城管", grid_code="G2", lon=112.08, lat=32.68,
                issued_at=datetime(2026, 3, 10, 2, tzinfo=UTC), status="signed",
                deploy_due=datetime(2026, 3, 10, 16, tzinfo=UTC), progress_due=datetime(2026, 3, 13, 2, tzinfo=UTC),
                resolve_due=datetime(2026, 3, 17, 2, tzinfo=UTC), light="red", overdue_bits=overdue_mask(("progress",)),
                version=2)
    base.update(kw)
    return WorkOrderSnapshot(**base)


def test_overdue_bits_round_trip():
    for names in [(), ("deploy",), ("progress", "resolve"), ("deploy", "progress", "resolve")]:
        assert _snapshot(overdue_bits=overdue_mask(names)).overdue == names


def test_order_json_has_exactly_the_issue_keys():
    out = order_json(_snapshot())
    assert list(out) == ["number", "title", "kind", "department", "grid_code", "issued_utc", "status", "light",
                         "deadlines", "overdue"]
    assert out["deadlines"] == {"deploy_utc": "2026-03-10T16:00:00Z", "progress_utc": "2026-03-13T02:00:00Z",
                                "resolve_utc": "2026-03-17T02:00:00Z"}
    assert out["overdue"] == ["progress"]


def test_map_features_only_open_located_orders_coloured_by_light():
    orders = [_snapshot(), _snapshot(id=2, status="closed", light="green"),
              _snapshot(id=3, lon=None, lat=None), _snapshot(id=4, light="yellow", overdue_bits=0)]
    features = workorder_map_features(orders)
    assert [f["properties"]["id"] for f in features] == [1, 4]
    red = features[0]
    assert red["geometry"]["coordinates"] == [112.08, 32.68]
    assert red["properties"]["style"]["color"] == LIGHT_COLORS["red"] == red["properties"]["style"]["fillColor"]
    assert red["properties"]["style"]["radius"] > features[1]["properties"]["style"]["radius"]
    assert "JB20260310-0001" in red["properties"]["tooltip"] and "progress" in red["properties"]["tooltip"]
