"""`gridcommand report` on the seeded demo city (both databases): the PDF and the XLSX carry
the figures `gridcommand stats --json` prints; bad input is one line and writes nothing."""
from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from core.report_text import FIGURE_ROWS, figure_table, figure_value
from gridcommand.commands.report_files import FIGURES_SHEET, INCIDENTS_SHEET

INCIDENT = (112.080, 32.670)


@pytest.fixture
def city(seeded, db_url, cli):
    for category in ("dispute", "assistance"):
        code, _out, err = cli("incidents", "create", "--lon", str(INCIDENT[0]), "--lat", str(INCIDENT[1]),
                              "--category", category, "--db", db_url)
        assert code == 0, err
    return db_url


def _today() -> str:
    return datetime.now(timezone.utc).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()


def _stats(cli, db_url, day) -> dict:
    code, out, err = cli("stats", "--from", day, "--to", day, "--json", "--db", db_url)
    assert code == 0, err
    return json.loads(out)


def test_pdf_and_xlsx_carry_the_stats_figures(city, cli, tmp_path, qapp):
    from openpyxl import load_workbook

    day = _today()
    figures = _stats(cli, city, day)
    pdf = tmp_path / "day.pdf"
    code, out, err = cli("report", "--from", day, "--to", day, "--out", str(pdf), "--db", city)
    assert code == 0, err
    assert "日报" in out and str(pdf) in out
    fonts = subprocess.run(["pdffonts", str(pdf)], check=True, capture_output=True, text=True).stdout
    assert "WenQuanYi" in fonts
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout.replace(" ", "")
    assert "全市日报" in text
    for _key, label, value in figure_table(figures):
        assert label.strip("　") in text and value.replace(" ", "") in text

    xlsx = tmp_path / "day.xlsx"
    code, _out, err = cli("report", "--from", day, "--to", day, "--out", str(xlsx), "--db", city)
    assert code == 0, err
    book = load_workbook(xlsx)
    assert book.sheetnames == [FIGURES_SHEET, INCIDENTS_SHEET]
    by_key = {row[3]: row[1] for row in book[FIGURES_SHEET].iter_rows(min_row=5, max_row=4 + len(FIGURE_ROWS),
                                                                       values_only=True)}
    assert by_key == {row.key: figure_value(figures, row.path) for row in FIGURE_ROWS}
    raw = list(book[INCIDENTS_SHEET].iter_rows(values_only=True))
    assert raw[0][0] == "警情编号" and len(raw) - 1 >= 2
    code, out, _err = cli("incidents", "export", "--from", day, "--to", day, "--db", city)
    assert [r[0] for r in raw[1:]] == [r["number"] for r in json.loads(out)]


@pytest.mark.parametrize("argv, field", [
    (["--out", "{tmp}/r.docx"], "--out"),
    (["--out", "{tmp}/missing/r.pdf"], "--out"),
    (["--grid", "NOPE", "--out", "{tmp}/r.pdf"], "--grid"),
])
def test_bad_input_is_one_line_and_writes_nothing(city, cli, tmp_path, argv, field):
    day = _today()
    folder = tmp_path / "out"
    folder.mkdir()
    argv = [a.replace("{tmp}", str(folder)) for a in argv]
    code, out, err = cli("report", "--from", day, "--to", day, *argv, "--db", city)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and field in err
    assert list(folder.rglob("*")) == []
