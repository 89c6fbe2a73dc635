"""How the period's figures are named and written: report names by length, values as printed,
the response histogram."""
from __future__ import annotations

from datetime import date

import pytest

from core.report_periods import period_kind, period_name
from core.report_text import FIGURE_ROWS, NO_VALUE, format_value, response_histogram

STATS_KEYS = {"incidents", "incidents_yoy_pct", "incidents_mom_pct", "dispatches", "accidents_on_scene",
              "problems_found", "problems_handed_over", "rescued", "property_recovered_cny", "mediations",
              "commendations", "joint_patrols", "visibility_pct", "line_coverage_pct",
              "response.n", "response.median_s", "response.within_1min_pct", "response.within_3min_pct",
              "response.within_5min_pct", "workorders.issued", "workorders.closed", "workorders.on_time_pct"}


def test_every_stats_key_has_one_row():
    keys = [row.key for row in FIGURE_ROWS]
    assert sorted(keys) == sorted(STATS_KEYS)


@pytest.mark.parametrize("start, end, zh, en", [
    (date(2022, 8, 18), date(2022, 8, 18), "日报", "Daily report"),
    (date(2022, 8, 15), date(2022, 8, 21), "周报", "Weekly report"),
    (date(2022, 8, 1), date(2022, 8, 31), "月报", "Monthly report"),
    (date(2022, 2, 1), date(2022, 2, 28), "月报", "Monthly report"),
    (date(2022, 7, 1), date(2022, 9, 30), "统计报告", "Period report"),
])
def test_report_name_follows_the_length(start, end, zh, en):
    assert period_name(start, end) == zh and period_name(start, end, "en") == en
    assert period_kind(start, end) in ("day", "week", "month", "period")


@pytest.mark.parametrize("value, unit, text", [
    (1234, "count", "1,234"), (-34.5, "signed_pct", "-34.5%"), (12.0, "signed_pct", "+12.0%"),
    (93.14, "pct", "93.1%"), (2000.0, "cny", "2,000 元"), (165.3, "seconds", "2:45"), (None, "pct", NO_VALUE),
])
def test_values_as_printed(value, unit, text):
    assert format_value(value, unit) == text


def test_response_histogram_keeps_slow_arrivals_in_the_last_bin():
    edges, counts = response_histogram([0, 29.9, 30, 61, 599, 1200, -3], bin_s=30, limit_s=600)
    assert edges[:3] == [0, 30, 60] and len(edges) == 20
    assert counts[0] == 3 and counts[1] == 1 and counts[2] == 1 and counts[-1] == 2 and sum(counts) == 7
