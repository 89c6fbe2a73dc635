"""The rules a fix must satisfy before it may move a unit (pure, no database)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.fix_rules import check_not_too_old, check_range, distance_approx_m, implausible_jump
from core.fixes import ReportError
from core.geodesy import distance_m

T = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)


def test_approximate_distance_is_close_to_the_geodesic_over_a_city():
    for dlon, dlat in ((0.01, 0), (0, 0.01), (0.05, -0.03), (-0.2, 0.1)):
        exact = distance_m(112.08, 32.68, 112.08 + dlon, 32.68 + dlat)
        assert distance_approx_m(112.08, 32.68, 112.08 + dlon, 32.68 + dlat) == pytest.approx(exact, rel=0.005)


def test_a_jump_is_implausible_only_beyond_speed_time_and_both_accuracies():
    last = (T, 112.08, 32.68, 10.0)
    one_km_east = 112.08 + 1000 / distance_m(112.08, 32.68, 112.09, 32.68) * 0.01
    # 1 km in 60 s is 60 km/h: fine for a car (30 m/s), impossible on foot at 10 m/s.
    assert not implausible_jump(last, (T + timedelta(seconds=60), one_km_east, 32.68, 10.0), 30.0)
    assert implausible_jump(last, (T + timedelta(seconds=60), one_km_east, 32.68, 10.0), 10.0)
    # Poor accuracy on both sides explains the same jump.
    assert not implausible_jump((T, 112.08, 32.68, 200.0), (T + timedelta(seconds=60), one_km_east, 32.68, 200.0), 10.0)
    # Jitter between fixes a millisecond apart never counts (at least one second of travel).
    assert not implausible_jump(last, (T + timedelta(milliseconds=1), 112.0803, 32.68, 5.0), 10.0)
    # The order of the two fixes does not matter (a late fix compared with a newer one).
    assert implausible_jump((T + timedelta(seconds=60), one_km_east, 32.68, 10.0), last, 10.0)
    # The (10, 10) report of the hardening issue, from a unit in Dengzhou a minute earlier.
    assert implausible_jump(last, (T + timedelta(seconds=60), 10.0, 10.0, 5.0), 300 / 3.6)


def test_ranges_name_the_field_and_keep_the_limits():
    assert check_range("battery", 100.0) == 100.0 and check_range("battery", None) is None
    with pytest.raises(ReportError, match=r"^batt out of range: 1e\+308 \(allowed 0 to 100\)$"):
        check_range("battery", 1e308, "batt")
    with pytest.raises(ReportError, match="^speed out of range"):
        check_range("speed", 5e307)
    with pytest.raises(ReportError, match="^altitude out of range"):
        check_range("altitude", -1001.0)


def test_clocks_never_set_are_refused():
    assert check_not_too_old(None) is None
    assert check_not_too_old(datetime(2000, 1, 1, tzinfo=timezone.utc))
    with pytest.raises(ReportError, match="before 2000"):
        check_not_too_old(datetime(1970, 1, 1, tzinfo=timezone.utc))
