"""Per-field checks: hostile values raise FieldError naming the field, never anything else."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.field_checks import check_number, check_text, check_time, check_time_window, shown
from core.incidents import FieldError


@pytest.mark.parametrize("value", [10**400, -10**400, float("inf"), float("nan"), "1", None, True, 91])
def test_numbers_out_of_range_or_not_numbers(value):
    with pytest.raises(FieldError) as info:
        check_number("lat", value, -90, 90)
    assert info.value.field == "lat" and len(str(info.value)) < 120


def test_numbers_in_range_come_back_as_float():
    assert check_number("lon", 112, -180, 180) == 112.0 and check_number("lon", -180.0, -180, 180) == -180.0


@pytest.mark.parametrize("value, words", [("a\x00b", "control character U+0000"), ("\ud800", "lone surrogate"),
                                          ("x\x1b[31m", "U+001B"), ("x" * 11, "longer than 10"), (5, "must be text")])
def test_text_that_no_database_can_store_is_refused(value, words):
    with pytest.raises(FieldError) as info:
        check_text("caller", value, 10)
    assert info.value.field == "caller" and words in str(info.value)


def test_ordinary_text_passes():
    assert check_text("description", "两人因摊位争执\r\n\tsecond line", 100) == "两人因摊位争执\r\n\tsecond line"
    assert check_text("description", None, 10) is None


@pytest.mark.parametrize("value", [datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),
                                   datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14)))])
def test_times_beyond_the_calendar_in_utc_are_refused(value):
    with pytest.raises(FieldError, match="outside the supported dates"):
        check_time("received_at", value)


def test_time_window():
    now = datetime(2026, 12, 2, tzinfo=timezone.utc)
    check_time_window("t", now - timedelta(days=29), now, timedelta(days=30), timedelta(minutes=5))
    for bad in (datetime(1970, 1, 1, tzinfo=timezone.utc), now + timedelta(minutes=6)):
        with pytest.raises(FieldError):
            check_time_window("t", bad, now, timedelta(days=30), timedelta(minutes=5))
    with pytest.raises(FieldError, match="time zone"):
        check_time("t", datetime(2026, 1, 1))


def test_shown_clips_huge_values():
    assert len(shown(10**400)) < 20 and len(shown("x" * 1000)) == 40

