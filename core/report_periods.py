"""The periods a statistics view or a printed report covers: the presets (day, week, month)
and the report's name, which follows the period's length (日报 / 周报 / 月报).

Periods are calendar periods in local dates, inclusive at both ends, as `--from/--to` are;
a week starts on Monday, as Chinese duty weeks do. Pure: no I/O."""
from __future__ import annotations

import calendar
from datetime import date, timedelta

PRESETS = ("day", "week", "month", "custom")


def preset_period(preset: str, today: date) -> tuple[date, date]:
    """(start, end) of the day, the Monday-to-Sunday week or the calendar month holding ``today``."""
    if preset == "day":
        return today, today
    if preset == "week":
        monday = today - timedelta(days=today.weekday())
        return monday, monday + timedelta(days=6)
    if preset == "month":
        last = calendar.monthrange(today.year, today.month)[1]
        return today.replace(day=1), today.replace(day=last)
    raise ValueError(f"preset: must be one of day, week, month (got {preset!r})")


def period_kind(start: date, end: date) -> str:
    """day | week | month | period, by the number of days covered: a report of one day is a
    daily report, of up to a week a weekly one, of up to a month a monthly one."""
    days = (end - start).days + 1
    if days <= 1:
        return "day"
    if days <= 7:
        return "week"
    if days <= 31:
        return "month"
    return "period"


_NAMES = {"day": ("日报", "Daily report"), "week": ("周报", "Weekly report"), "month": ("月报", "Monthly report"),
          "period": ("统计报告", "Period report")}


def period_name(start: date, end: date, language: str = "zh_CN") -> str:
    zh, en = _NAMES[period_kind(start, end)]
    return en if language == "en" else zh
