from dataclasses import fields
from datetime import datetime, timedelta, timezone

from core.units import LastFix, UnitInfo

NOW = datetime(2026, 11, 30, tzinfo=timezone.utc)


def test_with_fix_keeps_every_other_field():
    unit = UnitInfo(3, "联勤2-1", "二网格一组", "joint", "grid_patrol", 1, "ebike", "dispatched", "G02",
                    members=[{"name": "张"}], kit=[{"item": "对讲机"}], devices=["BC-1"])
    moved = unit.with_fix(LastFix(NOW, 112.08, 32.68))
    for f in fields(UnitInfo):
        if f.name != "last_fix":
            assert getattr(moved, f.name) == getattr(unit, f.name), f.name
    assert moved.last_fix.lon == 112.08


def test_staleness():
    unit = UnitInfo(1, "a", "b", "police", "swat", 1, "car", "available", None)
    assert unit.is_stale(NOW, 60)  # no fix at all
    assert not unit.with_fix(LastFix(NOW - timedelta(seconds=59), 0, 0)).is_stale(NOW, 60)
    assert unit.with_fix(LastFix(NOW - timedelta(seconds=61), 0, 0)).is_stale(NOW, 60)
