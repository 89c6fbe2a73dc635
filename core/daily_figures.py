"""The command-hall wall's figures for today, defined here once (docs/domain.md: "the product
defines each in one place, documents it, and shows it").

- **Units on duty, by agency**: units whose status is not ``off_duty``, counted by their
  agency (police / city / joint).
- **Available now**: units on duty whose status is ``available`` and whose newest fix
  is no older than the live-data threshold (a unit nobody can see is not available).
- **Incidents today**: incidents *received* since local midnight in the configured time
  zone; **open** = not closed, cancelled or invalid; **closed** = state 办结 (closed).
- **Median response today**: the median, over today's incidents that have a unit on
  scene, of the seconds from the incident's dispatch order to 到场 (on scene) — the
  incident's ``arrival_s`` in ``core.incidents.response_figures``.
- **Share within 1 / 3 / 5 min**: of those same arrivals, the share with an arrival time
  of at most 60 / 180 / 300 s.
- **Joint patrols today**: joint patrols (城警合巡) that *began* since local midnight, as
  detection stored them (one per police/city device pair per continuous period together;
  docs/domain.md); a patrol running over midnight counts on the day it began.
- **Overdue work orders**: open work orders whose 13710 light is red now (a milestone
  passed unmet, ``core.workorders.light_at``).

Pure: callers pass snapshots read from the database and the live model."""
from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.incidents import RINGS_MIN, TERMINAL, response_figures
from core.units import AGENCIES, UnitInfo


@dataclass(frozen=True)
class DailyFigures:
    on_duty_by_agency: dict[str, int]
    available_now: int
    incidents_open: int
    incidents_closed: int
    arrivals: int  # today's incidents with a unit on scene: the base of the two figures below
    median_response_s: float | None
    within_share: dict[int, float | None] = field(default_factory=dict)  # ring minutes -> share 0..1
    joint_patrols: int | None = None
    overdue_work_orders: int | None = None

    @property
    def on_duty(self) -> int:
        return sum(self.on_duty_by_agency.values())


def local_day_start(now: datetime, zone: str) -> datetime:
    """Local midnight of ``now``'s day in ``zone``, as an aware datetime (compare with UTC values)."""
    local = now.astimezone(ZoneInfo(zone))
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def is_today(when: datetime | None, now: datetime, zone: str) -> bool:
    start = local_day_start(now, zone)
    return when is not None and start <= when < start + timedelta(days=1)


def unit_figures(units: Iterable[UnitInfo], now: datetime, stale_after_s: float) -> tuple[dict[str, int], int]:
    """(units on duty by agency, units available now); every agency is present, even at 0."""
    by_agency = {a: 0 for a in AGENCIES}
    available = 0
    for u in units:
        if u.status == "off_duty":
            continue
        by_agency[u.agency] = by_agency.get(u.agency, 0) + 1
        if u.status == "available" and not u.is_stale(now, stale_after_s):
            available += 1
    return by_agency, available


def arrival_seconds(incidents: Iterable[Any], dispatches: Mapping[int, Sequence[Any]]) -> list[float]:
    """Dispatch-to-on-scene seconds of the incidents that have a unit on scene."""
    out = []
    for inc in incidents:
        arrival = response_figures(inc, dispatches.get(inc.id, ()))["incident"]["arrival_s"]
        if arrival is not None and arrival >= 0:
            out.append(arrival)
    return out


def daily_figures(units: Iterable[UnitInfo], incidents: Iterable[Any], dispatches: Mapping[int, Sequence[Any]],
                  now: datetime, zone: str, stale_after_s: float, joint_patrols: int | None = None,
                  overdue_work_orders: int | None = None) -> DailyFigures:
    """Today's figures. ``incidents`` may hold older ones too (open incidents from
    yesterday): only those received today count. ``dispatches``: incident id -> its dispatches."""
    by_agency, available = unit_figures(units, now, stale_after_s)
    today = [i for i in incidents if is_today(i.received_at, now, zone)]
    arrivals = arrival_seconds(today, dispatches)
    share = {ring: (sum(1 for s in arrivals if s <= ring * 60) / len(arrivals) if arrivals else None)
             for ring in RINGS_MIN}
    return DailyFigures(
        on_duty_by_agency=by_agency, available_now=available,
        incidents_open=sum(1 for i in today if i.state not in TERMINAL),
        incidents_closed=sum(1 for i in today if i.state == "closed"),
        arrivals=len(arrivals), median_response_s=statistics.median(arrivals) if arrivals else None,
        within_share=share, joint_patrols=joint_patrols, overdue_work_orders=overdue_work_orders,
    )
