"""The units board model and filters, driven through a LiveModel without the map."""
from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt

from core.clock import FixedClock
from core.units import LastFix, UnitInfo
from db.change_feed import FeedBatch
from desktop.docks.units_board import UnitsBoardDock
from desktop.live.live_model import LiveModel
from desktop.runtime import install_translations

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def _unit(uid, callsign, tier, agency, grid, status="available", age_s=None, speed=None):
    fix = None if age_s is None else LastFix(NOW - timedelta(seconds=age_s), 112.08, 32.68, 5.0, speed)
    return UnitInfo(uid, callsign, callsign, agency, "grid_patrol", tier, "foot", status, grid, last_fix=fix)


def _board(qtbot):
    install_translations("en")
    live = LiveModel(stale_after_s=60, clock=FixedClock(NOW))
    live.load([_unit(1, "联勤2-1", 1, "joint", "G02", age_s=5, speed=1.5),
               _unit(2, "特警快反1", 1, "police", "G02", age_s=300, speed=8.0),
               _unit(3, "交警1", 2, "police", "G05", status="dispatched", age_s=10, speed=0.0),
               _unit(4, "城管应急队", 3, "city", "G05")])
    dock = UnitsBoardDock(live)
    qtbot.addWidget(dock)
    return live, dock


def _callsigns(dock):
    return [dock.proxy.index(r, 0).data() for r in range(dock.proxy.rowCount())]


def test_filters_by_grid_tier_and_status(qtbot):
    live, dock = _board(qtbot)
    assert len(_callsigns(dock)) == 4
    dock.grid_box.setCurrentIndex(dock.grid_box.findData("G02"))
    assert sorted(_callsigns(dock)) == sorted(["联勤2-1", "特警快反1"])
    dock.grid_box.setCurrentIndex(0)
    dock.tier_box.setCurrentIndex(dock.tier_box.findData(2))
    assert _callsigns(dock) == ["交警1"]
    dock.tier_box.setCurrentIndex(0)
    dock.status_box.setCurrentIndex(dock.status_box.findData("dispatched"))
    assert _callsigns(dock) == ["交警1"]
    assert "1 of 4" in dock.count_label.text()


def test_sorting_uses_values_not_text(qtbot):
    live, dock = _board(qtbot)
    age_col = dock.model.COLUMNS.index("age")
    dock.table.sortByColumn(age_col, Qt.SortOrder.AscendingOrder)
    assert _callsigns(dock) == ["联勤2-1", "交警1", "特警快反1", "城管应急队"]  # no fix sorts last
    speed_col = dock.model.COLUMNS.index("speed")
    dock.table.sortByColumn(speed_col, Qt.SortOrder.DescendingOrder)
    assert _callsigns(dock)[0] == "特警快反1"


def test_stale_ages_are_marked_and_counted(qtbot):
    live, dock = _board(qtbot)
    row = dock.model.row_of(2)
    age = dock.model.index(row, dock.model.COLUMNS.index("age"))
    assert age.data() == "5 min"
    assert age.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert "2 without a fresh fix" in dock.count_label.text()


def test_a_feed_batch_updates_the_row_and_selection_emits(qtbot):
    live, dock = _board(qtbot)
    with qtbot.waitSignal(live.sig_units_changed, timeout=2000) as blocker:
        live.apply(FeedBatch(fixes={2: LastFix(NOW, 112.09, 32.69, 3.0, 2.0)}))
    assert blocker.args == [[2]]
    row = dock.model.row_of(2)
    assert dock.model.index(row, dock.model.COLUMNS.index("age")).data() == "0 s"
    with qtbot.waitSignal(dock.sig_unit_selected) as selected:
        dock.table.selectRow(dock.proxy.mapFromSource(dock.model.index(row, 0)).row())
    assert selected.args == [2]


def test_an_older_fix_never_moves_a_unit_back(qtbot):
    live, dock = _board(qtbot)
    live.apply(FeedBatch(fixes={1: LastFix(NOW - timedelta(seconds=50), 112.0, 32.0)}))
    assert live.units[1].last_fix.lon == 112.08
