"""The five charts of a period (core.report_text.CHARTS) as pyqtgraph plots, built once and
redrawn from a PeriodReport. The statistics dock shows them and the printed report paints
the very same plots onto its PDF pages, so the screen and the paper draw one way.

White background and dark ink: they must read well printed, and the dock is a workstation
dock (the command-hall wall has its own views)."""
from __future__ import annotations

from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFont, QFontMetrics, QPainter
from PySide6.QtWidgets import QApplication

from core.period_report import PeriodReport
from core.report_text import (CHARTS, LAST_YEAR, LIGHT_DRAW_COLORS, MINUTES, RESPONSE_RINGS_S, light_label,
                              response_histogram, words)
from desktop.theme import palette

_COLORS = palette()["report"]  # the charts print on white paper: one set, whatever the theme
INK, BAR, LAST_YEAR_COLOR, JOINT, RING = (_COLORS[k] for k in ("ink", "bar", "last_year", "joint", "ring"))
BIN_S = 30


class PeriodCharts:
    """name -> pg.PlotWidget for every chart in CHARTS; ``show(report)`` redraws them all."""

    def __init__(self, language: str = "zh_CN", font: QFont | None = None):
        self.language = language
        self.font = font or QFont()
        self.plots: dict[str, pg.PlotWidget] = {}
        for chart in CHARTS:
            widget = pg.PlotWidget(background="w")
            widget.setMenuEnabled(False)
            widget.setMouseEnabled(False, False)  # a figure, not an explorer: nothing to pan away from
            widget.hideButtons()
            item = widget.getPlotItem()
            for side in ("left", "bottom"):
                axis = item.getAxis(side)
                axis.setPen(pg.mkPen(INK))
                axis.setTextPen(pg.mkPen(INK))
                axis.setStyle(tickFont=self._font(11))
            item.showGrid(x=False, y=True, alpha=0.25)
            widget.setMinimumHeight(170)
            self.plots[chart.name] = widget
        self.report: PeriodReport | None = None

    def _font(self, pixels: int) -> QFont:
        # Pixels, not points: a point size scales with the device's resolution, and the same
        # plots are painted onto a 300-dpi PDF page as well as the screen.
        font = QFont(self.font)
        font.setPixelSize(pixels)
        return font

    # -- drawing ----------------------------------------------------------------------------

    def show(self, report: PeriodReport, category_labels: dict[str, str] | None = None) -> None:
        self.report = report
        s = report.series
        day_ticks = self._day_ticks(report)
        self._bars("incidents", list(s.incidents_per_day), BAR, day_ticks,
                   overlay=list(s.incidents_per_day_last_year))
        self._response(s.response_seconds)
        labels = category_labels or {}
        self._categories([(labels.get(code, code), n) for code, n in s.categories])
        self._bars("joint_patrols", list(s.joint_patrols_per_day), JOINT, day_ticks)
        lights = list(s.workorders_by_light)
        self._bars("workorders", [n for _, n in lights], [LIGHT_DRAW_COLORS.get(k, BAR) for k, _ in lights],
                   [(i, light_label(k, self.language)) for i, (k, _) in enumerate(lights)])

    def _day_ticks(self, report: PeriodReport) -> list[tuple[int, str]]:
        days = report.series.days
        step = 1 if len(days) <= 10 else (2 if len(days) <= 16 else 5)
        fmt = (lambda d: f"{d.month}/{d.day}") if len(days) <= 10 else (lambda d: str(d.day))
        return [(i, fmt(d)) for i, d in enumerate(days) if i % step == 0 or len(days) <= 10]

    def _reset(self, name: str) -> pg.PlotItem:
        item = self.plots[name].getPlotItem()
        item.clear()
        if item.legend is not None:
            item.legend.scene() and item.legend.scene().removeItem(item.legend)
            item.legend = None
        item.getAxis("left").setTicks(None)
        item.getAxis("bottom").setTicks(None)
        return item

    def _bars(self, name: str, values: list[int], color, ticks: list[tuple[int, str]],
              overlay: list[int] | None = None) -> None:
        item = self._reset(name)
        brushes = [pg.mkBrush(c) for c in color] if isinstance(color, list) else pg.mkBrush(color)
        kwargs = {"brushes": brushes} if isinstance(color, list) else {"brush": brushes}
        item.addItem(pg.BarGraphItem(x=list(range(len(values))), height=values, width=0.7, pen=pg.mkPen(None),
                                     **kwargs))
        if overlay is not None:
            legend = item.addLegend(offset=(-4, 4), labelTextColor=INK, labelTextSize="8pt")
            legend.setBrush(pg.mkBrush(255, 255, 255, 200))
            item.addItem(pg.PlotDataItem(list(range(len(overlay))), overlay, pen=pg.mkPen(LAST_YEAR_COLOR, width=2),
                                         symbol="o", symbolSize=4, symbolBrush=LAST_YEAR_COLOR,
                                         symbolPen=pg.mkPen(None), name=words(LAST_YEAR, self.language)))
            for _sample, label in legend.items:
                label.item.setFont(self._font(11))
        item.getAxis("bottom").setTicks([ticks])
        top = max([*values, *(overlay or []), 1])
        item.setXRange(-0.6, max(len(values), 1) - 0.4, padding=0)
        item.setYRange(0, top * 1.15, padding=0)

    def _response(self, seconds) -> None:
        item = self._reset("response")
        edges, counts = response_histogram(seconds, BIN_S)
        minutes = [(e + BIN_S / 2) / 60 for e in edges]
        item.addItem(pg.BarGraphItem(x=minutes, height=counts, width=BIN_S / 60 * 0.9, brush=pg.mkBrush(BAR),
                                     pen=pg.mkPen(None)))
        unit = words(MINUTES, self.language)
        for ring in RESPONSE_RINGS_S:
            dashed = pg.mkPen(RING, width=1.5, style=Qt.PenStyle.DashLine)
            line = pg.InfiniteLine(ring / 60, angle=90, pen=dashed,
                                   label=f"{ring // 60} {unit}" if self.language == "en" else f"{ring // 60}{unit}",
                                   labelOpts={"position": 0.92, "color": RING, "anchors": [(0, 0.5), (0, 0.5)]})
            line.label.setFont(self._font(11))
            item.addItem(line)
        item.getAxis("bottom").setTicks([[(m, str(m)) for m in range(0, 11)]])
        item.setXRange(0, edges[-1] / 60 + BIN_S / 60, padding=0)
        item.setYRange(0, max([*counts, 1]) * 1.15, padding=0)

    def _categories(self, rows: list[tuple[str, int]]) -> None:
        item = self._reset("categories")
        n = len(rows)
        # most first, at the top: row i is drawn at y = n - 1 - i
        item.addItem(pg.BarGraphItem(x0=0, y=[n - 1 - i for i in range(n)], height=0.7, width=[c for _, c in rows],
                                     brush=pg.mkBrush(BAR), pen=pg.mkPen(None)))
        left = item.getAxis("left")
        left.setStyle(hideOverlappingLabels=False)  # every category is named, however many
        # pyqtgraph drops a label wider than the axis: make room for the longest name
        metrics = QFontMetrics(self._font(11))
        left.setWidth(max([metrics.horizontalAdvance(label) for label, _ in rows] + [20]) + 14)
        left.setTicks([[(n - 1 - i, label) for i, (label, _) in enumerate(rows)]])
        item.setYRange(-0.6, max(n, 1) - 0.4, padding=0)
        item.setXRange(0, max([c for _, c in rows] + [1]) * 1.1, padding=0)

    # -- output -----------------------------------------------------------------------------

    def export_png(self, name: str, path: Path, width: int = 1200) -> Path:
        """The chart as a PNG ``width`` pixels wide (a size fit for a slide or a printed page)."""
        from pyqtgraph.exporters import ImageExporter

        exporter = ImageExporter(self.plots[name].getPlotItem())
        exporter.parameters()["width"] = width
        exporter.export(str(path))
        return Path(path)

    def render(self, name: str, painter: QPainter, target: QRectF, scale: float = 1.0) -> None:
        """Paint the chart into ``target`` (e.g. on a PDF page), laid out at ``scale`` times that
        size and shrunk to fit: vector shapes and real text, so paper stays sharp and searchable."""
        widget = self.plots[name]
        w, h = target.width() * scale, target.height() * scale
        widget.resize(round(w), round(h))
        item = widget.getPlotItem()
        item.setGeometry(QRectF(0, 0, w, h))
        widget.scene().setSceneRect(QRectF(0, 0, w, h))
        # Let the layout settle at this size (axes widen for their labels, the view re-ranges)
        # and redraw the axes' cached pictures, which were drawn at the previous size.
        QApplication.processEvents()
        for axis in ("left", "bottom"):
            item.getAxis(axis).picture = None
        widget.scene().render(painter, target, QRectF(0, 0, w, h))
