"""The period report's files, from a PeriodReport: the PDF (A4, CJK font embedded, the
figures' text searchable) and the XLSX (a sheet of figures, a sheet of raw incidents)."""
from __future__ import annotations

import re
import subprocess
from datetime import date, datetime

import pytest

from core.report_periods import period_name
from core.report_text import FIGURE_ROWS, figure_table, figure_value
from desktop.docks.statistics_sample import CATEGORY_LABELS, sample_report
from gridcommand.commands.report_files import FIGURES_SHEET, INCIDENTS_SHEET, write_xlsx

RECORD = {"number": "JQ20220803-0001", "category": "dispute", "level": "general", "source": "110",
          "state": "closed", "drill": False, "grid": "G02", "lon": 112.08, "lat": 32.68,
          "received_utc": "2022-08-03T01:02:03Z", "dispatched_utc": "2022-08-03T01:03:00Z", "signed_utc": None,
          "en_route_utc": None, "arrived_utc": "2022-08-03T01:06:00Z", "handling_utc": None, "reported_utc": None,
          "closed_utc": "2022-08-03T02:00:00Z", "cancelled_utc": None, "units": ["联勤2-1", "联勤2-2"],
          "rescued": 0, "property_recovered_cny": 0.0, "mediated": True, "accident_on_scene": False,
          "nearest_dispatch": True}


def _run(*cmd) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def pdf(tmp_path_factory, qapp):
    from desktop.report_pdf import write_pdf

    path = tmp_path_factory.mktemp("report") / "report.pdf"
    write_pdf(sample_report(), path, category_labels=CATEGORY_LABELS, generated_at=datetime(2022, 9, 1, 9, 0))
    return path


def test_pdf_is_one_a4_page_with_the_cjk_font_embedded(pdf):
    fonts = _run("pdffonts", str(pdf)).splitlines()[2:]
    assert fonts, "no font in the PDF"
    assert all(line.split()[-5] == "yes" for line in fonts), fonts  # the "emb" column: every font embedded
    assert any("WenQuanYi" in line for line in fonts)
    info = _run("pdfinfo", str(pdf))
    assert re.search(r"^Pages:\s+1$", info, re.M) and "(A4)" in info


def test_pdf_text_has_the_title_every_figure_and_the_charts(pdf):
    text = _run("pdftotext", "-layout", str(pdf), "-")
    report = sample_report()
    assert f"城区二网格 {period_name(report.start, report.end)}" in text and "月报" in text
    assert "2022年8月1日 至 2022年8月31日" in text
    squeezed = text.replace(" ", "")
    for _key, label, value in figure_table(report.figures):
        assert label.strip("　") in squeezed and value.replace(" ", "") in squeezed, (label, value)
    for words in ("每日警情", "去年同期", "1分钟", "5分钟", "警情类别", "纠纷", "城警合巡", "交办单灯色", "已办结"):
        assert words in text


def test_pdf_refuses_without_the_font(tmp_path, qapp):
    from desktop.report_pdf import ReportError, cjk_font

    with pytest.raises(ReportError, match="CJK font not found"):
        cjk_font(str(tmp_path / "missing.ttc"))


def test_xlsx_has_the_figures_and_the_raw_incidents(tmp_path):
    from openpyxl import load_workbook

    report = sample_report()
    path = write_xlsx(report, [RECORD], tmp_path / "report.xlsx",
                      {"category": CATEGORY_LABELS, "level": {"general": "一般"}})
    book = load_workbook(path)
    assert book.sheetnames == [FIGURES_SHEET, INCIDENTS_SHEET]
    figures = book[FIGURES_SHEET]
    assert figures["A1"].value == "城区二网格 月报"
    by_key = {row[3]: row[1] for row in figures.iter_rows(min_row=5, max_row=4 + len(FIGURE_ROWS), values_only=True)}
    assert by_key == {row.key: figure_value(report.figures, row.path) for row in FIGURE_ROWS}
    days = [row for row in figures.iter_rows(min_row=6 + len(FIGURE_ROWS) + 1, values_only=True) if row[0]]
    assert len(days) == 31 and days[0][0].date() == date(2022, 8, 1)
    assert sum(row[1] for row in days) == report.figures["incidents"]
    raw = list(book[INCIDENTS_SHEET].iter_rows(values_only=True))
    assert raw[0][:3] == ("警情编号", "类别", "等级") and len(raw) == 2
    row = dict(zip(RECORD, raw[1]))
    assert row["category"] == "纠纷" and row["level"] == "一般" and row["source"] == "110" and row["units"] == "联勤2-1、联勤2-2" and row["mediated"] == "是"
    assert row["received_utc"] == datetime(2022, 8, 3, 9, 2, 3)  # local (Asia/Shanghai) wall-clock time
    assert row["signed_utc"] is None
