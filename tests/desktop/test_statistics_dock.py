"""The 统计研判 dock alone: it shows the PeriodReport it is given, asks for periods by preset,
dates and grid, and exports each chart as a PNG."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtGui import QImage

from core.report_periods import preset_period
from core.report_text import CHARTS, FIGURE_ROWS, NO_VALUE, figure_value, format_value
from desktop.docks.statistics import StatisticsDock, StatisticsRequested
from desktop.docks.statistics_sample import CATEGORY_LABELS, sample_report

TODAY = date(2022, 8, 18)  # a Thursday


@pytest.fixture
def dock(qtbot):
    dock = StatisticsDock(today=TODAY)
    qtbot.addWidget(dock)
    dock.set_grids([("G01", "城区一网格"), ("G02", "城区二网格")])
    return dock


def test_every_figure_shown_is_the_reports(dock):
    report = sample_report()
    dock.show_report(report, CATEGORY_LABELS)
    shown = {row.key: dock.figure_text(row.key) for row in FIGURE_ROWS}
    assert shown == {row.key: format_value(figure_value(report.figures, row.path), row.unit) for row in FIGURE_ROWS}
    assert shown["incidents"] == str(report.figures["incidents"])
    assert shown["dispatches"] == "23" and shown["property_recovered_cny"] == "2,000 元"
    assert shown["response.within_3min_pct"] == f"{report.figures['response']['within_3min_pct']:.1f}%"
    assert shown["incidents_yoy_pct"].startswith("-")
    assert "城区二网格 月报" in dock.title.text()


def test_a_figure_without_a_value_says_so(dock):
    report = sample_report()
    response = {**report.figures["response"], "median_s": None}
    figures = {**report.figures, "incidents_yoy_pct": None, "response": response}
    dock.show_report(report.__class__(**{**report.__dict__, "figures": figures}))
    assert dock.figure_text("incidents_yoy_pct") == NO_VALUE and dock.figure_text("response.median_s") == NO_VALUE


def test_charts_draw_the_series(dock):
    import pyqtgraph as pg

    report = sample_report()
    dock.show_report(report, CATEGORY_LABELS)
    bars = [i for i in dock.charts.plots["incidents"].getPlotItem().items if isinstance(i, pg.BarGraphItem)]
    assert list(bars[0].opts["height"]) == list(report.series.incidents_per_day)
    lines = [i for i in dock.charts.plots["incidents"].getPlotItem().items if isinstance(i, pg.PlotDataItem)]
    assert list(lines[0].yData) == list(report.series.incidents_per_day_last_year)
    rings = [i.value() for i in dock.charts.plots["response"].getPlotItem().items if isinstance(i, pg.InfiniteLine)]
    assert rings == [1, 3, 5]  # minutes
    ticks = dock.charts.plots["categories"].getPlotItem().getAxis("left")._tickLevels[0]
    assert [label for _, label in sorted(ticks, reverse=True)] == [CATEGORY_LABELS[c] for c, _ in
                                                                  report.series.categories]


def test_presets_and_grid_ask_for_a_period(dock, qtbot):
    assert dock.current_request() == StatisticsRequested(date(2022, 8, 1), date(2022, 8, 31), None)
    with qtbot.waitSignal(dock.sig_period_requested) as week:
        dock.preset_box.setCurrentIndex(dock.preset_box.findData("week"))
    assert week.args[0] == StatisticsRequested(date(2022, 8, 15), date(2022, 8, 21), None)
    with qtbot.waitSignal(dock.sig_period_requested) as grid:
        dock.grid_box.setCurrentIndex(dock.grid_box.findData("G02"))
    assert grid.args[0].grid_code == "G02"
    with qtbot.waitSignal(dock.sig_period_requested) as custom:
        dock.start_edit.setDate(date(2022, 8, 10))
    assert custom.args[0] == StatisticsRequested(date(2022, 8, 10), date(2022, 8, 21), "G02")
    assert dock.preset_box.currentData() == "custom"
    with qtbot.waitSignal(dock.sig_period_requested) as day:
        dock.preset_box.setCurrentIndex(dock.preset_box.findData("day"))
    assert day.args[0] == StatisticsRequested(TODAY, TODAY, "G02")


def test_new_grid_list_keeps_the_choice_without_asking(dock, qtbot):
    dock.grid_box.setCurrentIndex(dock.grid_box.findData("G02"))
    with qtbot.assertNotEmitted(dock.sig_period_requested):
        dock.set_grids([("G02", "城区二网格"), ("G03", "城区三网格")])
    assert dock.grid_box.currentData() == "G02" and dock.grid_box.itemData(0) is None


def test_preset_periods():
    assert preset_period("day", TODAY) == (TODAY, TODAY)
    assert preset_period("week", date(2022, 8, 21)) == (date(2022, 8, 15), date(2022, 8, 21))  # Sunday ends it
    assert preset_period("month", date(2024, 2, 10)) == (date(2024, 2, 1), date(2024, 2, 29))
    with pytest.raises(ValueError, match="preset"):
        preset_period("year", TODAY)


@pytest.mark.parametrize("chart", [c.name for c in CHARTS])
def test_each_chart_exports_a_png(dock, tmp_path, chart):
    dock.show_report(sample_report(), CATEGORY_LABELS)
    dock.resize(520, 900)
    path = dock.export_chart(chart, tmp_path / f"{chart}.png")
    image = QImage(str(path))
    assert not image.isNull() and image.width() == 1200 and image.height() > 100


def test_export_button_asks_where_and_writes(dock, tmp_path, monkeypatch, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog

    dock.show_report(sample_report(), CATEGORY_LABELS)
    target = tmp_path / "joint"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), "PNG (*.png)"))
    qtbot.mouseClick(dock.export_buttons["joint_patrols"], Qt.MouseButton.LeftButton)
    assert (tmp_path / "joint.png").stat().st_size > 1000
