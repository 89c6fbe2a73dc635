"""The statistics dock (统计研判): a period's figures and its five charts for one grid or the
whole city, with the period presets (day, week, month, custom) and a grid picker. It shows
the core.period_report.PeriodReport it is given and emits typed requests; the figures are
computed elsewhere (db.stats_repo), once, for this dock, `gridcommand stats` and the report.
Each chart exports a PNG (for a slide or a briefing).

The figures and charts are built the first time the dock is shown or given a report:
pyqtgraph costs a second or more to import and set up, and the main window builds its docks
on the GUI thread right after the map's first frame, with this one behind a tab."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDockWidget, QFileDialog, QGridLayout, QGroupBox, QHBoxLayout,
                               QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget)

from core.period_report import PeriodReport
from core.report_periods import PRESETS, period_name, preset_period
from core.report_text import CHARTS, FIGURE_ROWS, figure_value, format_value

if TYPE_CHECKING:
    from desktop.statistics_charts import PeriodCharts


@dataclass(frozen=True, slots=True)
class StatisticsRequested:
    """The user picked another period or grid: load and show that report."""

    start: date  # local date, inclusive
    end: date  # local date, inclusive
    grid_code: str | None  # None: the whole city


class StatisticsDock(QDockWidget):
    """Declared header: name ``statistics``; signal ``sig_period_requested(StatisticsRequested)``."""

    NAME = "statistics"
    sig_period_requested = Signal(object)

    def __init__(self, parent=None, language: str = "zh_CN", today: date | None = None):
        super().__init__(self.tr("Statistics"), parent)
        self.setObjectName("dock_statistics")
        self.language = language
        self.today = today or date.today()
        self.report: PeriodReport | None = None
        self.preset_box = QComboBox()
        for preset, label in zip(PRESETS, (self.tr("Day"), self.tr("Week"), self.tr("Month"), self.tr("Custom"))):
            self.preset_box.addItem(label, preset)
        self.start_edit, self.end_edit = QDateEdit(), QDateEdit()
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
        self.grid_box = QComboBox()
        self.grid_box.addItem(self.tr("Whole city"), None)
        self.title = QLabel(self.tr("No statistics loaded."))
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.charts: "PeriodCharts | None" = None
        self.values: dict[str, QLabel] = {}
        self.export_buttons: dict[str, QPushButton] = {}
        self._build()
        self._set_dates(*preset_period("month", self.today))
        self.preset_box.setCurrentIndex(self.preset_box.findData("month"))
        self.preset_box.currentIndexChanged.connect(self._on_preset_changed)
        self.start_edit.dateChanged.connect(self._on_date_changed)
        self.end_edit.dateChanged.connect(self._on_date_changed)
        self.grid_box.currentIndexChanged.connect(lambda _i: self._request())

    def _build(self) -> None:
        pick = QHBoxLayout()
        pick.addWidget(self.preset_box)
        pick.addWidget(self.start_edit)
        pick.addWidget(QLabel("–"))
        pick.addWidget(self.end_edit)
        pick.addWidget(self.grid_box, 1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(pick)
        outer.addWidget(self.scroll, 1)
        self.setWidget(body)

    def _ensure_content(self) -> None:
        """The figures and the charts, once (see the module's note)."""
        if self.charts is not None:
            return
        from desktop.statistics_charts import PeriodCharts

        self.charts = PeriodCharts(self.language, self.font())
        figures = QGridLayout()
        figures.setHorizontalSpacing(10)
        figures.setVerticalSpacing(2)
        half = (len(FIGURE_ROWS) + 1) // 2
        for n, row in enumerate(FIGURE_ROWS):
            value = QLabel("—")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.values[row.key] = value
            column = 0 if n < half else 2
            figures.addWidget(QLabel(row.label(self.language)), n % half, column)
            figures.addWidget(value, n % half, column + 1)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(figures)
        for chart in CHARTS:
            box = QGroupBox(chart.title(self.language))
            inner = QVBoxLayout(box)
            inner.setContentsMargins(2, 2, 2, 2)
            inner.addWidget(self.charts.plots[chart.name])
            button = QPushButton(self.tr("Export PNG…"))
            button.clicked.connect(lambda _checked=False, name=chart.name: self._on_export_clicked(name))
            self.export_buttons[chart.name] = button
            inner.addWidget(button, 0, Qt.AlignmentFlag.AlignRight)
            layout.addWidget(box)
        layout.addStretch(1)
        self.scroll.setWidget(content)

    def showEvent(self, event) -> None:
        self._ensure_content()
        super().showEvent(event)

    # -- what the controller calls ----------------------------------------------------------

    def set_today(self, today: date) -> None:
        """The local date the presets count from (the workspace's clock, maybe a replay's)."""
        self.today = today
        preset = self.preset_box.currentData()
        if preset != "custom":
            self._set_dates(*preset_period(preset, today))

    def set_grids(self, grids: list[tuple[str, str]]) -> None:
        """(code, name) of the grids; the whole city first. Keeps the choice when it remains."""
        current = self.grid_box.currentData()
        self.grid_box.blockSignals(True)  # model -> widget: no echo back as a request
        self.grid_box.clear()
        self.grid_box.addItem(self.tr("Whole city"), None)
        for code, name in grids:
            self.grid_box.addItem(name, code)
        index = self.grid_box.findData(current)
        self.grid_box.setCurrentIndex(index if index >= 0 else 0)
        self.grid_box.blockSignals(False)

    def current_request(self) -> StatisticsRequested:
        return StatisticsRequested(self.start_edit.date().toPython(), self.end_edit.date().toPython(),
                                   self.grid_box.currentData())

    def show_report(self, report: PeriodReport, category_labels: dict[str, str] | None = None) -> None:
        self._ensure_content()
        self.report = report
        for row in FIGURE_ROWS:
            self.values[row.key].setText(format_value(figure_value(report.figures, row.path), row.unit,
                                                      self.language))
        place = report.grid_name or report.grid_code or self.tr("Whole city")
        self.title.setText(f"{place} {period_name(report.start, report.end, self.language)} · "
                           f"{report.start.isoformat()} – {report.end.isoformat()}")
        self.charts.show(report, category_labels)

    def figure_text(self, key: str) -> str:
        """The value shown for a figure, by its key ("incidents", "response.median_s", …)."""
        return self.values[key].text()

    def export_chart(self, name: str, path: Path) -> Path:
        self._ensure_content()
        return self.charts.export_png(name, Path(path))

    # -- user actions -----------------------------------------------------------------------

    def _set_dates(self, start: date, end: date) -> None:
        for edit, value in ((self.start_edit, start), (self.end_edit, end)):
            edit.blockSignals(True)
            edit.setDate(QDate(value.year, value.month, value.day))
            edit.blockSignals(False)

    def _on_preset_changed(self, _index: int) -> None:
        preset = self.preset_box.currentData()
        if preset != "custom":
            self._set_dates(*preset_period(preset, self.today))
            self._request()

    def _on_date_changed(self, _value) -> None:
        if self.start_edit.date() > self.end_edit.date():
            return  # half-way through typing a new period: nothing to ask for yet
        if self.preset_box.currentData() != "custom":
            self.preset_box.blockSignals(True)
            self.preset_box.setCurrentIndex(self.preset_box.findData("custom"))
            self.preset_box.blockSignals(False)
        self._request()

    def _request(self) -> None:
        self.sig_period_requested.emit(self.current_request())

    def _on_export_clicked(self, name: str) -> None:
        request = self.current_request()
        suggested = f"{name}_{request.start.isoformat()}_{request.end.isoformat()}.png"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export chart"), suggested, "PNG (*.png)")
        if path:
            self.export_chart(name, Path(path if path.lower().endswith(".png") else path + ".png"))


def preview() -> int:  # python -m desktop.docks.statistics (sample data, no database)
    from PySide6.QtWidgets import QMainWindow

    from desktop.docks.statistics_sample import CATEGORY_LABELS, sample_report
    from desktop.runtime import application, install_translations

    app = application()
    install_translations("zh_CN")
    dock = StatisticsDock(today=date(2022, 8, 18))
    dock.set_grids([("G01", "城区一网格"), ("G02", "城区二网格")])
    dock.grid_box.setCurrentIndex(dock.grid_box.findData("G02"))

    def show(request: StatisticsRequested) -> None:
        print("period requested:", request)
        names = {"G01": "城区一网格", "G02": "城区二网格"}
        dock.show_report(sample_report(request.start, request.end, request.grid_code, names.get(request.grid_code)),
                         CATEGORY_LABELS)

    dock.sig_period_requested.connect(show)
    show(dock.current_request())
    window = QMainWindow()
    window.setCentralWidget(dock)
    window.resize(560, 900)
    window.show()
    return app.exec()


if __name__ == "__main__":
    import sys

    sys.exit(preview())
