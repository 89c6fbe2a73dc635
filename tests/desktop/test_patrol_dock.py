"""The 巡防 dock alone: it shows the status it is given and emits typed requests."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from core.patrol_rules import ShiftRule, TimeWindow, shift_instance
from core.patrol_status import (JointStatus, LineDuty, Pass, PatrolStatus, PointDuty, UnseenUnit, Visit, line_status,
                                point_status)
from desktop.docks.patrol import PatrolDock, PatrolPlaceSelected, PatrolViewRequested

UTC = timezone.utc
SHIFT = ShiftRule("night", "夜班", 19 * 60, 3 * 60)
START, END = shift_instance(SHIFT, datetime(2026, 6, 1).date(), "Asia/Shanghai")
NOW = START + timedelta(hours=2, minutes=30)  # 21:30 local


def _status() -> PatrolStatus:
    a = PointDuty("P1", "好又多超市", "G02", 112.08, 32.68, 50, (TimeWindow(19 * 60, 20 * 60, 1),))
    b = PointDuty("P2", "夜市口", "G02", 112.09, 32.68, 50, (TimeWindow(20 * 60, 21 * 60, 2),))
    c = PointDuty("P3", "学校", "G02", 112.07, 32.68, 50, (TimeWindow(22 * 60, 23 * 60, 1),))
    visits = [Visit("P1", "联勤2-1", "BC-0201", START + timedelta(minutes=10), START + timedelta(minutes=14)),
              Visit("P2", "联勤2-1", "BC-0201", START + timedelta(minutes=70), START + timedelta(minutes=75))]
    line = LineDuty("L1", "新华路", "G02", [[112.08, 32.67], [112.08, 32.68]], 1000.0, 2)
    passes = [Pass("L1", "联勤2-1", START, START + timedelta(minutes=10), 0, 450),
              Pass("L1", "联勤2-1", START + timedelta(minutes=30), START + timedelta(minutes=40), 150, 1000)]
    return PatrolStatus("G02", "night", "夜班", START, END, NOW,
                        tuple(point_status(p, SHIFT, START, END, visits, NOW) for p in (a, b, c)),
                        (line_status(line, passes, 80.0),),
                        (JointStatus("联勤2-1", "联勤2-1", START, START + timedelta(minutes=45)),),
                        (UnseenUnit("联勤2-2", NOW - timedelta(minutes=50)),))


def _rows(dock, section: int) -> list[list[str]]:
    top = dock.tree.topLevelItem(section)
    return [[top.child(i).text(c) for c in range(4)] for i in range(top.childCount())]


def test_points_lines_joint_and_unseen_are_shown(qtbot):
    dock = PatrolDock()
    qtbot.addWidget(dock)
    dock.set_choices([("G01", "一网格"), ("G02", "二网格")], [("day", "白班"), ("night", "夜班")])
    with qtbot.assertNotEmitted(dock.sig_view_requested):
        dock.show_status(_status())
    assert dock.grid_box.currentData() == "G02" and dock.shift_box.currentData() == "night"
    points = _rows(dock, 0)
    labels = dock.state_labels()
    assert [(r[0], r[1], r[2]) for r in points] == [("好又多超市", labels["visited"], "1/1"),
                                                   ("夜市口", labels["missed"], "1/2"),
                                                   ("学校", labels["due"], "0/1")]
    assert points[0][3] == "19:10–19:14 联勤2-1"
    assert _rows(dock, 1) == [["新华路", "100%", "1/2", ""]]  # 0-450 and 150-1000: all covered; one pass ≥ 80 %
    assert _rows(dock, 2)[0][0] == "联勤2-1 + 联勤2-1" and _rows(dock, 2)[0][3] == "19:00–19:45"
    assert _rows(dock, 3) == [["联勤2-2", "", "", "20:40"]]
    assert "2026-06-01" in dock.summary.text() and "夜班" in dock.summary.text()


def test_user_choices_emit_typed_requests(qtbot):
    dock = PatrolDock()
    qtbot.addWidget(dock)
    dock.set_choices([("G01", "一网格"), ("G02", "二网格")], [("night", "夜班")])
    dock.show_status(_status())
    with qtbot.waitSignal(dock.sig_view_requested) as blocker:
        dock.grid_box.setCurrentIndex(0)
    assert blocker.args == [PatrolViewRequested("G01", "night")]
    item = dock.tree.topLevelItem(1).child(0)
    with qtbot.waitSignal(dock.sig_place_selected) as blocker:
        dock.tree.itemActivated.emit(item, 0)
    assert blocker.args == [PatrolPlaceSelected("line", "L1")]


def test_preview_status_builds_from_the_demo_layers(qtbot, demo_engine):
    from db.engine import session_factory
    from db.places_repo import load_all_layers
    from desktop.docks.patrol import sample_status

    with session_factory(demo_engine)() as s:
        layers = load_all_layers(s)
    status = sample_status(layers)
    assert status.points and status.lines
    dock = PatrolDock()
    qtbot.addWidget(dock)
    dock.show_status(status)
    assert dock.tree.topLevelItem(0).childCount() == len(status.points)
