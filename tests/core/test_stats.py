"""The figures' definitions (core.stats) and the outcome a closure records (core.outcomes)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from hypothesis import given, strategies as st

from core import stats
from core.incidents import FieldError
from core.outcomes import Outcome, check_commendation, check_outcome


def test_change_is_current_minus_base_over_base_to_a_tenth():
    assert stats.change_pct(144, 220) == -34.5  # the pilot's 同比
    assert stats.change_pct(144, 184) == -21.7  # the pilot's 环比
    assert stats.change_pct(10, 8) == 25.0
    assert stats.change_pct(5, 0) is None  # no base: no ratio, not infinity


def test_share_is_none_without_a_whole():
    assert stats.share_pct(1, 3) == 33.3
    assert stats.share_pct(0, 0) is None


def test_bases_year_earlier_and_equal_length_before():
    assert stats.yoy_base(date(2022, 8, 1), date(2022, 8, 31)) == (date(2021, 8, 1), date(2021, 8, 31))
    assert stats.mom_base(date(2022, 8, 1), date(2022, 8, 31)) == (date(2022, 7, 1), date(2022, 7, 31))
    assert stats.mom_base(date(2022, 8, 8), date(2022, 8, 14)) == (date(2022, 8, 1), date(2022, 8, 7))
    assert stats.yoy_base(date(2024, 2, 29), date(2024, 2, 29)) == (date(2023, 2, 28), date(2023, 2, 28))


def test_local_days_become_utc_bounds():
    a, b = stats.utc_bounds(date(2022, 8, 1), date(2022, 8, 31), "Asia/Shanghai")
    assert a == datetime(2022, 7, 31, 16, tzinfo=timezone.utc)
    assert b == datetime(2022, 8, 31, 16, tzinfo=timezone.utc)


def test_a_period_ending_before_it_starts_names_the_field():
    with pytest.raises(stats.PeriodError, match="^--to: "):
        stats.check_period(date(2022, 8, 2), date(2022, 8, 1))


def test_response_summary_counts_rings_inclusively():
    r = stats.response_summary([30, 60, 61, 180, 300, 301])
    assert r == {"n": 6, "median_s": 120.5, "within_1min_pct": 33.3, "within_3min_pct": 66.7,
                 "within_5min_pct": 83.3}
    assert stats.response_summary([])["median_s"] is None


@given(st.lists(st.floats(min_value=0, max_value=3600, allow_nan=False), max_size=50))
def test_shares_never_fall_as_the_ring_widens(seconds):
    r = stats.response_summary(seconds)
    if seconds:
        assert r["within_1min_pct"] <= r["within_3min_pct"] <= r["within_5min_pct"] <= 100.0


def test_the_figures_object_has_exactly_the_documented_keys():
    figures = stats.assemble(
        incidents=144, incidents_yoy_base=220, incidents_mom_base=184, dispatches=23, accidents_on_scene=6,
        problems_found=215, problems_handed_over=46, rescued=12, property_recovered_cny=2000, mediations=11,
        commendations=1, joint_patrols=620, visibility_met=9, visibility_slots=10, line_coverages=[100.0, 50.0],
        arrival_seconds=[100.0], workorders_issued=4, workorders_closed=3, workorders_on_time=2)
    assert tuple(figures) == stats.FIGURE_KEYS
    assert figures["incidents_yoy_pct"] == -34.5 and figures["incidents_mom_pct"] == -21.7
    assert figures["visibility_pct"] == 90.0 and figures["line_coverage_pct"] == 75.0
    assert figures["workorders"] == {"issued": 4, "closed": 3, "on_time_pct": 50.0}
    assert set(figures["response"]) == {"n", "median_s", "within_1min_pct", "within_3min_pct", "within_5min_pct"}


def test_nearest_dispatch_needs_110_the_grids_own_patrol_group_the_ranking_and_arrival():
    ok = (120.0, True, "grid_patrol", 2)
    assert stats.is_nearest_dispatch("110", 2, [ok])
    assert not stats.is_nearest_dispatch("walk_in", 2, [ok])
    assert not stats.is_nearest_dispatch("110", 3, [ok])  # another grid's group
    assert not stats.is_nearest_dispatch("110", 2, [(None, True, "grid_patrol", 2)])  # not from the ranking
    assert not stats.is_nearest_dispatch("110", 2, [(120.0, False, "grid_patrol", 2)])  # never arrived
    assert not stats.is_nearest_dispatch("110", 2, [(120.0, True, "swat", 2)])


def test_outcome_defaults_to_nothing_and_rounds_money_to_the_fen():
    assert check_outcome(None) == Outcome()
    o = check_outcome({"rescued": 2, "property_recovered_cny": 99.999, "mediated": True})
    assert o == Outcome(rescued=2, property_recovered_cny=100.0, mediated=True, accident_on_scene=False)


@pytest.mark.parametrize("values, field", [
    ({"rescued": -1}, "rescued"), ({"rescued": 1.5}, "rescued"), ({"rescued": "3"}, "rescued"),
    ({"rescued": True}, "rescued"), ({"property_recovered_cny": -5}, "property_recovered_cny"),
    ({"property_recovered_cny": float("nan")}, "property_recovered_cny"), ({"mediated": "yes"}, "mediated"),
    ({"accident_on_scene": 1}, "accident_on_scene"), ({"heroes": 3}, "heroes"),
])
def test_a_bad_outcome_names_its_field(values, field):
    with pytest.raises(FieldError) as err:
        check_outcome(values)
    assert err.value.field == field


def test_commendation_checks():
    c = check_commendation(" 联勤2-1 ", date(2022, 8, 18), "banner", "  ")
    assert (c.callsign, c.kind, c.note) == ("联勤2-1", "banner", None)
    for args, field in ((("", date(2022, 8, 1), "banner"), "unit"), (("X", "2022-08-01", "banner"), "date"),
                        (("X", date(2022, 8, 1), "medal"), "kind")):
        with pytest.raises(FieldError) as err:
            check_commendation(*args)
        assert err.value.field == field
