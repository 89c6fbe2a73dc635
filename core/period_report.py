"""What a period's statistics are, as one value: the figures (exactly the object
``gridcommand stats --json`` prints) and the day-by-day series the charts draw.

The database side builds it (``db/stats_repo.load_period_report``); the report writer
(PDF/XLSX) and the statistics dock only show it, so the printed report, the dock and the
CLI can never disagree about a figure. Pure data: no I/O, no Qt, no SQLAlchemy."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class PeriodSeries:
    """Per-day and per-kind series of the period, in the order the charts draw them."""
    days: tuple[date, ...]  # every local day of the period, first to last (inclusive)
    incidents_per_day: tuple[int, ...]  # same length as days
    incidents_per_day_last_year: tuple[int, ...]  # the same calendar days one year earlier (同比 base)
    response_seconds: tuple[float, ...]  # dispatch -> arrival of every counted arrival, ascending
    categories: tuple[tuple[str, int], ...]  # (category code, incidents), most first
    joint_patrols_per_day: tuple[int, ...]  # same length as days
    workorders_by_light: tuple[tuple[str, int], ...]  # (light: green|yellow|red|closed…, work orders)


@dataclass(frozen=True)
class PeriodReport:
    start: date  # local date, inclusive
    end: date  # local date, inclusive
    grid_code: str | None  # None: the whole city
    grid_name: str | None
    time_zone: str  # IANA name the local dates are in, e.g. "Asia/Shanghai"
    figures: dict[str, Any]  # exactly the `gridcommand stats --json` object (keys as the README table)
    series: PeriodSeries

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1
