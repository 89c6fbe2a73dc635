"""What the wall reads: today's incidents and the still-open ones, with their dispatches."""
from datetime import datetime, timezone

from core.daily_figures import daily_figures, local_day_start
from db.engine import session_factory
from db.wall_repo import read_wall_data
from tests.wall_samples import add_sample_incidents

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)  # 11:00 in Dengzhou


def test_reads_today_and_open_incidents_with_their_dispatches(seeded, engine):
    ids = add_sample_incidents(engine, NOW)
    with session_factory(engine)() as session:
        data = read_wall_data(session, local_day_start(NOW, "Asia/Shanghai"))
    got = {i.id for i in data.incidents}
    assert got == {ids["yesterday_open"], ids["today_fast"], ids["today_slow"], ids["today_waiting"]}
    assert len(data.dispatches[ids["today_fast"]]) == 1 and data.dispatches[ids["today_fast"]][0].arrived_at
    assert ids["today_waiting"] not in data.dispatches
    f = daily_figures([], data.incidents, data.dispatches, NOW, "Asia/Shanghai", 60)
    assert (f.incidents_open, f.incidents_closed, f.arrivals) == (2, 1, 2)
    assert f.median_response_s == 110
    assert f.within_share == {1: 0.5, 3: 1.0, 5: 1.0}
