"""The SQL figures equal a plain Python recount of the same incidents, for any incidents
(both databases): local-day bucketing, the 同比/环比 bases, drills and invalid calls left
out, outcomes summed."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import delete, insert, select

from core import stats
from db.engine import session_factory
from db.models import Grid, Incident
from db.stats_repo import load_period_report

ZONE = "Asia/Shanghai"
START, END = date(2022, 8, 1), date(2022, 8, 7)
ORIGIN = datetime(2021, 7, 20, tzinfo=timezone.utc)
# Around the week, its 同比 base and its 环比 base (local midnights fall at 16:00 UTC).
ANCHORS = [int((datetime(*d, 16, tzinfo=timezone.utc) - ORIGIN).total_seconds())
           for d in ((2021, 7, 30), (2022, 7, 23), (2022, 7, 30))]

incident = st.tuples(
    st.builds(lambda a, s: a + s, st.sampled_from(ANCHORS), st.integers(0, 10 * 86400)),  # seconds after ORIGIN
    st.sampled_from(["G01", "G02"]),
    st.sampled_from(["closed", "closed", "invalid", "cancelled"]),
    st.booleans(),  # drill
    st.integers(0, 3), st.booleans())


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(st.lists(incident, max_size=25))
def test_sql_figures_equal_a_python_recount(seeded, engine, rows):
    sessions = session_factory(engine)
    with sessions() as s, s.begin():
        s.execute(delete(Incident))
        grids = dict(s.execute(select(Grid.code, Grid.id)).all())
        if rows:
            s.execute(insert(Incident), [
                {"number": f"P{i:05d}", "category": "dispute", "lon": 112.08, "lat": 32.68, "grid_id": grids[g],
                 "state": state, "received_at": ORIGIN + timedelta(seconds=sec), "drill": drill, "rescued": rescued,
                 "mediated": mediated, "created_at": ORIGIN, "results": {}, "version": 1}
                for i, (sec, g, state, drill, rescued, mediated) in enumerate(rows)])
    with sessions() as s:
        report = load_period_report(s, start=START, end=END, grid_code="G02", time_zone=ZONE,
                                    now=datetime(2026, 1, 1, tzinfo=timezone.utc))
    tz = ZoneInfo(ZONE)
    counted = [((ORIGIN + timedelta(seconds=sec)).astimezone(tz).date(), rescued, mediated)
               for sec, g, state, drill, rescued, mediated in rows
               if g == "G02" and state != "invalid" and not drill]

    def n(first, last):
        return sum(1 for day, _, _ in counted if first <= day <= last)

    now_n = n(START, END)
    f = report.figures
    assert f["incidents"] == now_n
    assert f["incidents_yoy_pct"] == stats.change_pct(now_n, n(date(2021, 8, 1), date(2021, 8, 7)))
    assert f["incidents_mom_pct"] == stats.change_pct(now_n, n(date(2022, 7, 25), date(2022, 7, 31)))
    assert f["rescued"] == sum(r for day, r, _ in counted if START <= day <= END)
    assert f["mediations"] == sum(m for day, _, m in counted if START <= day <= END)
    assert report.series.incidents_per_day == tuple(n(d, d) for d in report.series.days)
    assert report.series.incidents_per_day_last_year == tuple(
        n(d.replace(year=2021), d.replace(year=2021)) for d in report.series.days)
