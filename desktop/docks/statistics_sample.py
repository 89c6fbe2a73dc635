"""A sample period report for previewing the statistics dock and the report writer without
a database (`python -m desktop.docks.statistics`): August 2022 on 城区二网格 with figures of
the pilot's size. Synthetic, like the demo city; the series agree with the figures."""
from __future__ import annotations

import random
from datetime import date, timedelta

from core.period_report import PeriodReport, PeriodSeries

CATEGORY_LABELS = {"dispute": "纠纷", "public_order": "治安", "assistance": "群众求助", "traffic_accident": "交通事故",
                   "complaint": "举报投诉", "criminal": "刑事", "street_order": "街面秩序", "other": "其它"}


def sample_report(start: date = date(2022, 8, 1), end: date = date(2022, 8, 31), grid_code: str | None = "G02",
                  grid_name: str | None = "城区二网格") -> PeriodReport:
    rng = random.Random(f"{start}{end}{grid_code}")
    days = tuple(start + timedelta(days=n) for n in range((end - start).days + 1))
    per_day = tuple(rng.randint(1, 6) for _ in days)
    last_year = tuple(max(0, n + rng.randint(0, 4)) for n in per_day)
    before = sum(per_day) + rng.randint(5, 30)  # the period of equal length just before
    response = tuple(sorted(round(rng.lognormvariate(5.0, 0.5), 1) for _ in range(int(sum(per_day) * 0.8))))
    weights = (30, 22, 18, 12, 8, 5, 3, 2)
    categories: dict[str, int] = {}
    for _ in range(sum(per_day)):
        code = rng.choices(list(CATEGORY_LABELS), weights)[0]
        categories[code] = categories.get(code, 0) + 1
    joint = tuple(rng.randint(16, 24) for _ in days)
    lights = (("green", 41), ("yellow", 6), ("red", 3), ("closed", 212), ("cancelled", 0))
    n = len(response)

    def within(limit: float) -> float:
        return round(100.0 * sum(1 for s in response if s <= limit) / n, 1) if n else None

    total, base_year = sum(per_day), sum(last_year)
    figures = {
        "incidents": total,
        "incidents_yoy_pct": round(100.0 * (total - base_year) / base_year, 1) if base_year else None,
        "incidents_mom_pct": round(100.0 * (total - before) / before, 1),
        "dispatches": 23, "accidents_on_scene": 6, "problems_found": 212, "problems_handed_over": 57,
        "rescued": 12, "property_recovered_cny": 2000, "mediations": 11, "commendations": 1,
        "joint_patrols": sum(joint), "visibility_pct": 87.4, "line_coverage_pct": 91.2,
        "response": {"n": n, "median_s": response[n // 2] if n else None, "within_1min_pct": within(60),
                     "within_3min_pct": within(180), "within_5min_pct": within(300)},
        "workorders": {"issued": 262, "closed": 212, "on_time_pct": 94.3},
    }
    return PeriodReport(start, end, grid_code, grid_name, "Asia/Shanghai", figures, PeriodSeries(
        days=days, incidents_per_day=per_day, incidents_per_day_last_year=last_year, response_seconds=response,
        categories=tuple(sorted(categories.items(), key=lambda kv: -kv[1])), joint_patrols_per_day=joint,
        workorders_by_light=lights))
