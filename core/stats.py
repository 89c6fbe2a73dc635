"""The figures commanders are judged by (docs/domain.md, "The figures"), one definition
each, in one place. The README's "Figures" table documents them; db/stats_repo.py reads
the counts they need with SQL aggregates and hands them here. Pure: no I/O.

Periods are *local* dates, first and last day inclusive, in the configured time zone.
Every incident figure counts incidents *received* in the period, leaving out drills
(试警) and invalid calls (无效警情: not an incident, only a call)."""
from __future__ import annotations

import statistics
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from core.incidents import RINGS_MIN

# Incident states that are not counted as incidents (their calls were not incidents).
NOT_COUNTED_STATES = ("invalid",)
# Grid patrol groups: the forces whose nearest-unit dispatch counts as 就近处警.
GRID_PATROL_FORCE = "grid_patrol"
NEAREST_DISPATCH_SOURCE = "110"

FIGURE_KEYS = ("incidents", "incidents_yoy_pct", "incidents_mom_pct", "dispatches", "accidents_on_scene",
               "problems_found", "problems_handed_over", "rescued", "property_recovered_cny", "mediations",
               "commendations", "joint_patrols", "visibility_pct", "line_coverage_pct", "response", "workorders")


class PeriodError(ValueError):
    """A period that cannot be counted; ``field`` names the input."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def check_period(start: date, end: date) -> None:
    if end < start:
        raise PeriodError("--to", f"{end.isoformat()} is before --from {start.isoformat()}")


def utc_bounds(start: date, end: date, zone: str) -> tuple[datetime, datetime]:
    """[first local midnight, the midnight after the last day) as UTC instants."""
    tz = ZoneInfo(zone)
    a = datetime(start.year, start.month, start.day, tzinfo=tz)
    b = datetime(end.year, end.month, end.day, tzinfo=tz) + timedelta(days=1)
    return a.astimezone(timezone.utc), b.astimezone(timezone.utc)


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February: the 28th a year earlier
        return day.replace(year=day.year - 1, day=28)


def yoy_base(start: date, end: date) -> tuple[date, date]:
    """同比 base: the same calendar days one year earlier."""
    return _year_earlier(start), _year_earlier(end)


def mom_base(start: date, end: date) -> tuple[date, date]:
    """环比 base: the period of equal length just before (August's 31 days: July 1–31)."""
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def round1(value: float | None) -> float | None:
    return None if value is None else round(value + 0.0, 1)


def change_pct(current: int | float, base: int | float) -> float | None:
    """同比/环比: (current − base) / base in percent, to 0.1; None when the base is 0."""
    if not base:
        return None
    return round1(100.0 * (current - base) / base)


def share_pct(part: int | float, whole: int | float) -> float | None:
    """part / whole in percent, to 0.1; None when there is nothing to share."""
    if not whole:
        return None
    return round1(100.0 * part / whole)


def response_summary(arrival_seconds: Iterable[float]) -> dict[str, Any]:
    """Response (dispatch → on scene) of the incidents with a unit on scene: how many,
    the median seconds, and the share arriving within 1, 3 and 5 minutes."""
    values = sorted(s for s in arrival_seconds if s is not None and s >= 0)
    out: dict[str, Any] = {"n": len(values), "median_s": round1(statistics.median(values)) if values else None}
    for ring in RINGS_MIN:
        out[f"within_{ring}min_pct"] = share_pct(sum(1 for s in values if s <= ring * 60), len(values))
    return out


def mean_coverage_pct(coverages: Sequence[float]) -> float | None:
    """巡查率: the mean, over every must-patrol line in force and every local day of the
    period, of the share of the line its passes covered that day."""
    return round1(sum(coverages) / len(coverages)) if coverages else None


def workorder_summary(issued: int, closed: int, closed_on_time: int) -> dict[str, Any]:
    """Work orders issued in the period; of them, closed (by now) and closed on time
    (by the resolve deadline, an approved extension's date if any): 按期办结率 = on time / issued."""
    return {"issued": issued, "closed": closed, "on_time_pct": share_pct(closed_on_time, issued)}


def assemble(*, incidents: int, incidents_yoy_base: int, incidents_mom_base: int, dispatches: int,
             accidents_on_scene: int, problems_found: int, problems_handed_over: int, rescued: int,
             property_recovered_cny: float, mediations: int, commendations: int, joint_patrols: int,
             visibility_met: int, visibility_slots: int, line_coverages: Sequence[float],
             arrival_seconds: Iterable[float], workorders_issued: int, workorders_closed: int,
             workorders_on_time: int) -> dict[str, Any]:
    """The `gridcommand stats --json` object, keys in the documented order."""
    figures = {
        "incidents": incidents,
        "incidents_yoy_pct": change_pct(incidents, incidents_yoy_base),
        "incidents_mom_pct": change_pct(incidents, incidents_mom_base),
        "dispatches": dispatches,
        "accidents_on_scene": accidents_on_scene,
        "problems_found": problems_found,
        "problems_handed_over": problems_handed_over,
        "rescued": rescued,
        "property_recovered_cny": round(float(property_recovered_cny or 0.0), 2),
        "mediations": mediations,
        "commendations": commendations,
        "joint_patrols": joint_patrols,
        "visibility_pct": share_pct(visibility_met, visibility_slots),
        "line_coverage_pct": mean_coverage_pct(line_coverages),
        "response": response_summary(arrival_seconds),
        "workorders": workorder_summary(workorders_issued, workorders_closed, workorders_on_time),
    }
    assert tuple(figures) == FIGURE_KEYS
    return figures


def local_days(start: date, end: date) -> tuple[date, ...]:
    return tuple(start + timedelta(days=i) for i in range((end - start).days + 1))


def per_day(days: Sequence[date], counts: dict[date, int]) -> tuple[int, ...]:
    return tuple(int(counts.get(d, 0)) for d in days)


def is_nearest_dispatch(source: str, incident_grid_id: int | None,
                        dispatches: Iterable[tuple[float | None, bool, str, int | None]]) -> bool:
    """就近处警, for one incident (the export's ``nearest_dispatch``; db/stats_repo.py counts the
    same in SQL): a 110 incident to which a grid patrol group of the incident's own grid was
    sent from the nearest-unit ranking (the dispatch carries the ranking's ETA) and arrived.
    ``dispatches``: (eta_s, arrived, unit force, unit grid id) per dispatch."""
    if source != NEAREST_DISPATCH_SOURCE or incident_grid_id is None:
        return False
    return any(eta is not None and arrived and force == GRID_PATROL_FORCE and grid == incident_grid_id
               for eta, arrived, force, grid in dispatches)
