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


def test_counts_joint_patrols_begun_today_and_red_work_orders(seeded, engine):
    """The two tiles fed by the patrol and work-order features: a joint patrol counts on
    the local day it began; an order counts as overdue once its light is red."""
    from datetime import timedelta

    from core.clock import FixedClock
    from db.models import PatrolEvent
    from db.operations import Actor, OperationRunner
    from db.workorder_ops import NewOrder, issue_order

    day_start = local_day_start(NOW, "Asia/Shanghai")  # 2026-12-01 16:00 UTC
    with session_factory(engine)() as session:
        for start in (day_start - timedelta(minutes=5), day_start + timedelta(hours=1), NOW - timedelta(minutes=20)):
            session.add(PatrolEvent(kind="joint", device_id="p-1", other_device_id="c-1", start_at=start,
                                    end_at=start + timedelta(minutes=15), detected_at=NOW))
        session.add(PatrolEvent(kind="checkin", place_code="P1", device_id="p-1", start_at=NOW - timedelta(hours=1),
                                end_at=NOW - timedelta(minutes=50), detected_at=NOW))
        session.commit()
    issued = NOW - timedelta(days=2)  # never signed: the same-day deploy milestone passed unmet
    runner = OperationRunner(engine, Actor(user="commander", workstation="ws-1"), FixedClock(issued))
    issue_order(runner, NewOrder(title="占道经营", description="东大街早市占道", department="city_management",
                                 lon=112.0835, lat=32.6845))
    runner_now = OperationRunner(engine, Actor(user="commander", workstation="ws-1"), FixedClock(NOW))
    issue_order(runner_now, NewOrder(title="车辆乱停", description="新华路", department="city_management",
                                     lon=112.0835, lat=32.6845))
    with session_factory(engine)() as session:
        data = read_wall_data(session, day_start, NOW)
    assert (data.joint_patrols, data.overdue_work_orders) == (2, 1)
    f = daily_figures([], data.incidents, data.dispatches, NOW, "Asia/Shanghai", 60,
                      joint_patrols=data.joint_patrols, overdue_work_orders=data.overdue_work_orders)
    assert (f.joint_patrols, f.overdue_work_orders) == (2, 1)
