"""`gridcommand workorders` end to end on the seeded demo city (both databases)."""
from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import func, select

from db.engine import session_factory
from db.models import PatrolFinding, Photo, WorkOrder
from gridcommand.cli import main

ORDER_KEYS = ["number", "title", "kind", "department", "grid_code", "issued_utc", "status", "light", "deadlines",
              "overdue"]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def city(seeded, db_url):
    return db_url


def _add(capsys, db, *extra, issued="2026-01-31T23:59:00+08:00", kind="major"):
    code, out, err = cli(capsys, "workorders", "add", "--title", "占道经营", "--description", "早市占道",
                         "--department", "city_management", "--kind", kind, "--lat", "32.6845", "--lon", "112.0835",
                         "--issued-at", issued, "--json", "--db", db, *extra)
    assert code == 0, err
    return json.loads(out)


def _count(engine, model):
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_departments_json(city, capsys):
    code, out, _ = cli(capsys, "workorders", "departments", "--json", "--db", city)
    rows = json.loads(out)
    assert code == 0 and all(list(r) == ["code", "name"] for r in rows)
    assert {"code": "traffic_police", "name": "交警"} in rows


def test_add_major_order_at_2359_on_31_january(city, capsys):
    order = _add(capsys, city)
    assert list(order) == ORDER_KEYS
    assert order["issued_utc"] == "2026-01-31T15:59:00Z" and order["grid_code"]
    assert order["deadlines"] == {"deploy_utc": "2026-01-31T16:00:00Z",  # one minute later: local midnight
                                  "progress_utc": "2026-02-03T15:59:00Z",
                                  "resolve_utc": "2026-02-28T15:59:00Z"}  # 28 Feb 23:59 local
    assert order["number"] == "JB20260131-0001"


def test_list_at_and_overdue_and_the_whole_cycle(city, capsys):
    number = _add(capsys, city, issued="2026-03-10T10:00:00+08:00", kind="ordinary")["number"]
    _, out, _ = cli(capsys, "workorders", "list", "--at", "2026-03-10T12:00:00Z", "--json", "--db", city)
    assert [(o["number"], o["light"], o["overdue"]) for o in json.loads(out)] == [(number, "green", [])]
    _, out, _ = cli(capsys, "workorders", "list", "--overdue", "--at", "2026-03-10T17:00:00Z", "--json", "--db", city)
    assert [(o["light"], o["overdue"]) for o in json.loads(out)] == [("red", ["deploy"])]
    _, out, _ = cli(capsys, "workorders", "list", "--at", "2026-03-09T00:00:00Z", "--json", "--db", city)
    assert json.loads(out) == []
    steps = [("sign", "--at", "2026-03-10T03:00:00Z"), ("progress", "--note", "已约谈", "--at", "2026-03-11T03:00:00Z"),
             ("request-close", "--note", "已清理", "--at", "2026-03-12T03:00:00Z"),
             ("close", "--rating", "良好", "--note", "同意", "--at", "2026-03-12T05:00:00Z")]
    for step in steps:
        code, out, err = cli(capsys, "workorders", "act", number, *step, "--json", "--db", city)
        assert code == 0, err
    assert json.loads(out)["status"] == "closed"
    _, out, _ = cli(capsys, "workorders", "list", "--status", "closed", "--at", "2026-04-01T00:00:00Z", "--json",
                    "--db", city)
    assert [(o["light"], o["overdue"]) for o in json.loads(out)] == [("green", [])]


def test_errors_are_one_line_and_write_nothing(city, engine, capsys):
    number = _add(capsys, city)["number"]
    before = _count(engine, WorkOrder)
    code, _, err = cli(capsys, "workorders", "add", "--title", "t", "--description", "d", "--department", "nobody",
                       "--kind", "ordinary", "--lat", "32.68", "--lon", "112.08", "--db", city)
    assert code == 2 and err.count("\n") == 1 and err.startswith("gridcommand workorders: department: unknown code")
    assert _count(engine, WorkOrder) == before
    code, _, err = cli(capsys, "workorders", "act", number, "close", "--rating", "优秀", "--db", city)
    assert code == 2 and "allowed: sign, extend, cancel, supervise" in err and err.count("\n") == 1
    code, _, err = cli(capsys, "workorders", "act", number, "sign", "--rating", "优秀", "--db", city)
    assert code == 2 and "rating:" in err and "not being closed" in err
    code, _, err = cli(capsys, "workorders", "act", number, "extend", "--until", "2026-02-01T00:00:00Z",
                       "--note", "等材料", "--db", city)
    assert code == 2 and "until:" in err and "not later than the current deadline" in err
    code, out, err = cli(capsys, "workorders", "list", "--json", "--db", city)
    assert json.loads(out)[0]["status"] == "issued"


def test_outside_every_grid_is_allowed_but_said(city, capsys):
    code, out, err = cli(capsys, "workorders", "add", "--title", "t", "--description", "d", "--department",
                         "traffic_police", "--kind", "ordinary", "--lat", "33.5", "--lon", "113.5", "--json",
                         "--db", city)
    assert code == 0 and json.loads(out)["grid_code"] is None and "outside every grid" in err


def test_findings_with_photos(city, engine, capsys, tmp_path):
    photo = tmp_path / "scene.jpg"
    photo.write_bytes(PNG)  # the name says JPEG; the content decides
    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"not an image at all")
    code, out, err = cli(capsys, "workorders", "findings", "add", "--lat", "32.6845", "--lon", "112.0835",
                         "--category", "street_vending", "--description", "夜市占道", "--outcome", "handed_over",
                         "--photo", str(photo), "--json", "--db", city)
    assert code == 0, err
    result = json.loads(out)
    assert result["work_order"]["department"] == "city_management" and result["photos"] == 1
    code, _, err = cli(capsys, "workorders", "findings", "add", "--lat", "32.6845", "--lon", "112.0835",
                       "--category", "dispute", "--description", "x", "--outcome", "on_spot", "--photo", str(fake),
                       "--db", city)
    assert code == 2 and "photo 1: is not an image" in err
    assert (_count(engine, PatrolFinding), _count(engine, Photo)) == (1, 1)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export(city, capsys, tmp_path, fmt):
    _add(capsys, city)
    _add(capsys, city, issued="2026-03-10T10:00:00+08:00")
    out_file = tmp_path / f"register.{fmt}"
    code, _, err = cli(capsys, "workorders", "export", "--from", "2026-03-01T00:00:00Z", "--format", fmt,
                       "--out", str(out_file), "--db", city)
    assert code == 0 and "1 orders written" in err
    if fmt == "csv":
        rows = list(csv.DictReader(out_file.open(encoding="utf-8-sig")))
        assert [r["number"] for r in rows] == ["JB20260310-0001"] and rows[0]["department_name"] == "城管"
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(out_file).active
        assert sheet.cell(1, 1).value == "编号" and sheet.cell(2, 1).value == "JB20260310-0001"
        assert sheet.max_row == 2
