"""The period report as a PDF (`gridcommand report --out FILE.pdf`): one A4 page that reads
well printed — the title and period, the figures table, then the five charts, painted from
the same pyqtgraph plots the statistics dock shows (desktop.statistics_charts).

Qt's PDF engine embeds a subset of every font it draws with; the text is drawn in
WenQuanYi Micro Hei (installed by scripts/setup.sh), so the Chinese prints on any
machine, whatever fonts it has. Runs offscreen: a server needs no display."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontDatabase, QPageLayout, QPageSize, QPainter, QPdfWriter, QPen

from core.period_report import PeriodReport
from core.report_periods import period_name
from core.report_text import CHARTS, figure_table
from desktop.theme import palette

CJK_FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
# The PDF's device space is at the screen's 96 dpi: pyqtgraph caches its axes as QPictures,
# which rescale their fonts to the device they are played on. The page stays vector.
RESOLUTION = 96
PAGE_W, PAGE_H, MARGIN = 595.0, 842.0, 36.0  # A4 in points
CHART_SCALE = 1.35  # charts are laid out this much larger, then shrunk: ~8 pt ticks on paper
INK, GREY, RULE = (QColor(palette()["report"][k]) for k in ("ink", "grey", "rule"))


class ReportError(Exception):
    """One line for the user; no file was written."""


def ensure_application():
    """The QApplication pyqtgraph needs; offscreen when there is no display (a server)."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        app = QApplication(["gridcommand-report"])
    return app


def cjk_font(path: str = CJK_FONT_FILE) -> QFont:
    """The report's font, registered from its file so it is the one embedded."""
    if not Path(path).is_file():
        raise ReportError(f"CJK font not found: {path} (install fonts-wqy-microhei, see scripts/setup.sh)")
    font_id = QFontDatabase.addApplicationFont(path)
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        raise ReportError(f"CJK font could not be loaded: {path}")
    return QFont(families[0])


def write_pdf(report: PeriodReport, path: Path, *, language: str = "zh_CN",
              category_labels: dict[str, str] | None = None, generated_at: datetime | None = None) -> Path:
    ensure_application()
    from desktop.statistics_charts import PeriodCharts

    base = cjk_font()
    charts = PeriodCharts(language, base)
    charts.show(report, category_labels)
    path = Path(path)
    writer = QPdfWriter(str(path))
    writer.setResolution(RESOLUTION)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0)))
    title = _title(report, language)
    writer.setTitle(title)
    writer.setCreator("Grid Command 城警联勤网格指挥图")
    painter = QPainter()
    if not painter.begin(writer):
        raise ReportError(f"--out: cannot write {path}")
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.scale(RESOLUTION / 72.0, RESOLUTION / 72.0)  # from here on: points
        y = _header(painter, base, report, title, language, generated_at)
        y = _figures(painter, base, report, language, y + 10)
        _charts(painter, base, charts, language, y + 12)
    finally:
        painter.end()
    return path


def _title(report: PeriodReport, language: str) -> str:
    place = report.grid_name or report.grid_code or ("全市" if language != "en" else "Whole city")
    return f"{place} {period_name(report.start, report.end, language)}"


def _font(base: QFont, size: int, bold: bool = False) -> QFont:
    font = QFont(base)
    font.setPixelSize(size)  # pixels here are points: the painter is scaled to points
    font.setBold(bold)
    return font


def _header(p: QPainter, base: QFont, report: PeriodReport, title: str, language: str,
            generated_at: datetime | None) -> float:
    y = MARGIN
    p.setPen(INK)
    p.setFont(_font(base, 20, bold=True))
    p.drawText(QRectF(MARGIN, y, PAGE_W - 2 * MARGIN, 26), Qt.AlignmentFlag.AlignLeft, title)
    y += 28
    p.setFont(_font(base, 10))
    if language == "en":
        period = f"{report.start:%Y-%m-%d} to {report.end:%Y-%m-%d} ({report.days} days, {report.time_zone})"
    else:
        period = (f"统计期间：{report.start.year}年{report.start.month}月{report.start.day}日 至 "
                  f"{report.end.year}年{report.end.month}月{report.end.day}日（{report.days}天，{report.time_zone}）")
    p.drawText(QRectF(MARGIN, y, PAGE_W - 2 * MARGIN, 14), Qt.AlignmentFlag.AlignLeft, period)
    y += 15
    p.setPen(GREY)
    p.setFont(_font(base, 8))
    stamp = f"{generated_at:%Y-%m-%d %H:%M}" if generated_at else ""
    made = (f"Grid Command · generated {stamp}" if language == "en" else f"城警联勤网格指挥图 · 生成于 {stamp}")
    p.drawText(QRectF(MARGIN, y, PAGE_W - 2 * MARGIN, 12), Qt.AlignmentFlag.AlignLeft, made.rstrip(" ·于"))
    y += 14
    p.setPen(QPen(INK, 1.2))
    p.drawLine(QPointF(MARGIN, y), QPointF(PAGE_W - MARGIN, y))
    return y


def _figures(p: QPainter, base: QFont, report: PeriodReport, language: str, top: float) -> float:
    """The figures in two columns of label · value rows, ruled like a printed table."""
    rows = figure_table(report.figures, language)
    half = (len(rows) + 1) // 2
    gap = 18.0
    col_w = (PAGE_W - 2 * MARGIN - gap) / 2
    row_h = 15.0
    for column, chunk in enumerate((rows[:half], rows[half:])):
        x = MARGIN + column * (col_w + gap)
        for i, (_key, label, value) in enumerate(chunk):
            y = top + i * row_h
            p.setPen(INK)
            p.setFont(_font(base, 10))
            p.drawText(QRectF(x + 2, y, col_w * 0.66, row_h), Qt.AlignmentFlag.AlignVCenter, label)
            p.setFont(_font(base, 10, bold=True))
            p.drawText(QRectF(x, y, col_w - 2, row_h), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                       value)
            p.setPen(QPen(RULE, 0.5))
            p.drawLine(QPointF(x, y + row_h), QPointF(x + col_w, y + row_h))
    return top + half * row_h


def _charts(p: QPainter, base: QFont, charts, language: str, top: float) -> None:
    """The incidents chart across the page, then the other four two by two."""
    width = PAGE_W - 2 * MARGIN
    gap, title_h = 16.0, 14.0
    chart_h = (PAGE_H - MARGIN - top - 3 * title_h - 2 * gap) / 3
    half = (width - gap) / 2
    boxes = [QRectF(MARGIN, top, width, chart_h)]
    for row in (1, 2):
        y = top + row * (title_h + chart_h + gap)
        boxes += [QRectF(MARGIN, y, half, chart_h), QRectF(MARGIN + half + gap, y, half, chart_h)]
    for chart, box in zip(CHARTS, boxes):
        p.setPen(INK)
        p.setFont(_font(base, 10, bold=True))
        p.drawText(QRectF(box.x(), box.y(), box.width(), title_h), Qt.AlignmentFlag.AlignLeft, chart.title(language))
        target = QRectF(box.x(), box.y() + title_h, box.width(), chart_h)
        charts.render(chart.name, p, target, CHART_SCALE)
