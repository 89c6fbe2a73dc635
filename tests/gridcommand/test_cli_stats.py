"""`gridcommand stats`, `incidents close|commend|export` on the command line: the JSON keys
as documented, bad input one line naming the field with nothing written."""
from __future__ import annotations

import csv
import io
import json

from sqlalchemy import func, select

from core.stats import FIGURE_KEYS
from db.engine import make_engine, session_factory
from db.incident_export import EXPORT_KEYS
from db.models import Commendation, Incident


def _count(db_url, model):
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        n = s.scalar(select(func.count()).select_from(model))
    engine.dispose()
    return n


def test_stats_json_has_the_documented_keys(cli, db_url):
    assert cli("db", "seed-demo", "--db", db_url)[0] == 0
    code, out, err = cli("stats", "--from", "2022-08-01", "--to", "2022-08-31", "--grid", "G02", "--json",
                         "--db", db_url)
    assert code == 0, err
    figures = json.loads(out)
    assert tuple(figures) == FIGURE_KEYS
    assert set(figures["response"]) == {"n", "median_s", "within_1min_pct", "within_3min_pct", "within_5min_pct"}
    assert set(figures["workorders"]) == {"issued", "closed", "on_time_pct"}
    code, out, _ = cli("stats", "--from", "2022-08-01", "--to", "2022-08-31", "--db", db_url)
    assert code == 0 and "城警合巡" in out


def test_bad_input_is_one_line_naming_the_field(cli, db_url):
    assert cli("db", "seed-demo", "--db", db_url)[0] == 0
    for argv, field in ((("stats", "--from", "2022-08-31", "--to", "2022-08-01"), "--to"),
                        (("stats", "--from", "2022-08-01", "--to", "2022-08-31", "--grid", "G99"), "--grid"),
                        (("incidents", "export", "--from", "2022-08-01", "--to", "2022-08-31", "--grid", "X"),
                         "--grid"),
                        (("incidents", "commend", "--unit", "无此单位", "--date", "2022-08-18", "--kind", "banner"),
                         "unit"),
                        (("incidents", "close", "JQ20220818-0001", "--rescued", "-2"), "rescued"),
                        (("incidents", "close", "JQ20990101-0001"), "no incident")):
        code, out, err = cli(*argv, "--db", db_url)
        assert code == 2 and out == "", argv
        assert len(err.strip().splitlines()) == 1 and field in err, err
    assert _count(db_url, Commendation) == 0


def test_close_commend_and_export(cli, db_url):
    assert cli("db", "seed-demo", "--db", db_url)[0] == 0
    code, number, _ = cli("incidents", "create", "--lat", "32.6795", "--lon", "112.08", "--category", "dispute",
                          "--db", db_url)
    number = number.strip()
    code, _, err = cli("incidents", "close", number, "--mediated", "--db", db_url)
    assert code == 2 and "received" in err  # not closable yet: nothing written
    engine = make_engine(db_url)
    with session_factory(engine)() as s:
        assert s.scalar(select(Incident.mediated).where(Incident.number == number)) is None
    engine.dispose()
    assert cli("incidents", "commend", "--unit", "联勤2-1", "--date", "2026-12-01", "--kind", "letter",
               "--note", "感谢信", "--db", db_url)[0] == 0
    assert _count(db_url, Commendation) == 1
    day = number[2:10]
    day = f"{day[:4]}-{day[4:6]}-{day[6:]}"
    code, out, err = cli("incidents", "export", "--from", day, "--to", day, "--format", "csv", "--db", db_url)
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0]) == EXPORT_KEYS and rows[1][0] == number
    code, out, _ = cli("incidents", "export", "--from", day, "--to", day, "--db", db_url)
    record = json.loads(out)[0]
    for key in ("rescued", "property_recovered_cny", "mediated", "accident_on_scene", "nearest_dispatch"):
        assert key in record
