"""Writing the register of work orders (`gridcommand workorders export`) as CSV or XLSX."""
from __future__ import annotations

import csv
from pathlib import Path

from core.workorder_register import COLUMNS, register_row
from core.workorders import LIGHT_COLORS


def _records(rows) -> list[dict]:
    return [register_row(order, details._mapping) for order, details in rows]


def write_csv(rows, path: Path) -> None:
    """UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese correctly."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=[key for key, _ in COLUMNS])
        writer.writeheader()
        writer.writerows(_records(rows))


def write_xlsx(rows, path: Path) -> None:
    """One sheet: Chinese headings, one order per row, the light cell filled with its colour."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "交办单台账"
    sheet.append([zh for _, zh in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    keys = [key for key, _ in COLUMNS]
    light_col = keys.index("light") + 1
    fills = {name: PatternFill("solid", fgColor=color.lstrip("#").upper()) for name, color in LIGHT_COLORS.items()}
    for record in _records(rows):
        sheet.append([record[k] for k in keys])
        sheet.cell(row=sheet.max_row, column=light_col).fill = fills[record["light"]]
    sheet.freeze_panes = "B2"
    book.save(path)
