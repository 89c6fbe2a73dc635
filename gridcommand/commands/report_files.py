"""Writing the period report (`gridcommand report --out FILE.xlsx|FILE.pdf`): the XLSX here
(openpyxl, no Qt); the PDF is painted by desktop.report_pdf, with the dock's own charts."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from core.period_report import PeriodReport
from core.report_periods import period_name
from core.report_text import FIGURE_ROWS, figure_value

FIGURES_SHEET = "统计数据"
INCIDENTS_SHEET = "警情明细"
# Headings of the raw-incident columns (`incidents export` keys); a key not named here keeps its own name.
INCIDENT_HEADINGS = {
    "number": "警情编号", "category": "类别", "level": "等级", "source": "来源", "state": "状态", "drill": "演练",
    "grid": "网格", "lon": "经度", "lat": "纬度", "received_utc": "接警时间", "dispatched_utc": "派警时间",
    "signed_utc": "签收时间", "en_route_utc": "出警时间", "arrived_utc": "到场时间", "handling_utc": "处置时间",
    "reported_utc": "反馈时间", "closed_utc": "办结时间", "cancelled_utc": "撤销时间", "units": "出警单位",
    "rescued": "救助群众", "property_recovered_cny": "挽回财产（元）", "mediated": "调解纠纷",
    "accident_on_scene": "事故现场简易处理", "nearest_dispatch": "就近处警",
}
_UNIT_WORDS = {"count": "", "pct": "%", "signed_pct": "%", "cny": "元", "seconds": "秒"}


CODED = ("category", "level", "source")  # raw-incident columns holding a code-table code


def write_xlsx(report: PeriodReport, incidents: list[dict[str, Any]], path: Path,
               code_labels: dict[str, dict[str, str]] | None = None) -> Path:
    """Sheet 统计数据: the figures (numbers, not text, so they sum and chart) and the daily
    series; sheet 警情明细: every incident of the period, times in the report's local zone, codes
    by their names (``code_labels``: code table -> code -> name)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = FIGURES_SHEET
    place = report.grid_name or report.grid_code or "全市"
    sheet.append([f"{place} {period_name(report.start, report.end)}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([f"统计期间 {report.start.isoformat()} 至 {report.end.isoformat()}（{report.days}天，{report.time_zone}）"])
    sheet.append([])
    sheet.append(["指标", "数值", "单位", "键"])
    header_row = sheet.max_row
    for row in FIGURE_ROWS:
        sheet.append([row.label_zh.strip("　"), figure_value(report.figures, row.path), _UNIT_WORDS[row.unit], row.key])
    sheet.append([])
    sheet.append(["日期", "警情", "去年同期", "城警合巡"])
    series_row = sheet.max_row
    s = report.series
    for day, n, last, joint in zip(s.days, s.incidents_per_day, s.incidents_per_day_last_year,
                                   s.joint_patrols_per_day):
        sheet.append([day, n, last, joint])
        sheet.cell(row=sheet.max_row, column=1).number_format = "yyyy-mm-dd"
    for r in (header_row, series_row):
        for cell in sheet[r]:
            cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["D"].width = 28

    raw = book.create_sheet(INCIDENTS_SHEET)
    keys = list(incidents[0]) if incidents else list(INCIDENT_HEADINGS)
    raw.append([INCIDENT_HEADINGS.get(k, k) for k in keys])
    for cell in raw[1]:
        cell.font = Font(bold=True)
    zone = ZoneInfo(report.time_zone)
    labels = code_labels or {}
    for record in incidents:
        raw.append([_cell(k, record.get(k), zone, labels) for k in keys])
    raw.freeze_panes = "B2"
    book.save(path)
    return Path(path)


def _cell(key: str, value: Any, zone: ZoneInfo, code_labels: dict[str, dict[str, str]]) -> Any:
    if value is None:
        return None
    if key.endswith("_utc"):  # a spreadsheet has no time zones: local wall-clock time, as the period is cut
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(zone).replace(tzinfo=None)
    if key in CODED:
        return code_labels.get(key, {}).get(value, value)
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return value
