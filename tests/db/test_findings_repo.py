"""The recent patrol findings on both databases: newest first, with the category's name,
the grid, how each ended and the number of the order a handed-over one became."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.clock import FixedClock
from db.engine import session_factory
from db.findings_ops import NewFinding, record_finding
from db.findings_repo import recent_findings
from db.operations import Actor, OperationRunner
from db.seed import seed_demo

START = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
IN_GRID = (112.0835, 32.6845)
OUTSIDE = (112.30, 32.90)


def test_recent_findings_newest_first_with_outcome_and_order(engine):
    runner = OperationRunner(engine, Actor("patrol", "pda-1"), FixedClock(START))
    seed_demo(runner)
    on_spot = record_finding(runner, NewFinding(lon=OUTSIDE[0], lat=OUTSIDE[1], category="illegal_parking",
                                                description="车辆乱停", outcome="on_spot",
                                                found_at=START - timedelta(hours=2)))
    handed = record_finding(runner, NewFinding(lon=IN_GRID[0], lat=IN_GRID[1], category="street_vending",
                                               description="夜市占道", outcome="handed_over",
                                               found_at=START - timedelta(hours=1)))
    with session_factory(engine)() as s:
        listed = recent_findings(s)
        assert [f.id for f in listed] == [handed.finding_id, on_spot.finding_id]
        newest, oldest = listed
        assert (newest.outcome, newest.category_name, newest.order_number) == ("handed_over", "占道经营",
                                                                               handed.order.number)
        assert newest.order_id == handed.order.id and newest.grid_code == handed.grid_code is not None
        assert (oldest.outcome, oldest.order_number, oldest.grid_code) == ("on_spot", None, None)
        assert oldest.found_by == "patrol" and oldest.found_at == START - timedelta(hours=2)
        assert recent_findings(s, limit=1) == [newest]
