"""The statistics dock on a real database (both kinds): the controller loads the period in
the background and the numbers the dock shows are those `gridcommand stats --json` prints."""
from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest

from core.report_text import FIGURE_ROWS, figure_value, format_value

INCIDENT = (112.080, 32.670)  # lon, lat: in the demo city


@pytest.fixture
def city(seeded, db_url, cli):
    for category in ("dispute", "dispute", "assistance"):
        code, _out, err = cli("incidents", "create", "--lon", str(INCIDENT[0]), "--lat", str(INCIDENT[1]),
                              "--category", category, "--db", db_url)
        assert code == 0, err
    return db_url


@pytest.fixture
def statistics(qtbot, qapp, city, engine):
    from core.settings import Settings
    from db.code_tables_repo import load_code_tables
    from db.engine import session_factory
    from desktop.controllers.statistics import StatisticsController
    from desktop.docks.statistics import StatisticsDock
    from desktop.workspace import Place, Workspace

    settings = Settings()
    ws = Workspace(settings, Place(db_url=city, language="zh_CN", timezone=settings.ui.timezone))
    ws.attach(engine)
    with session_factory(engine)() as session:
        ws.set_code_tables(load_code_tables(session))
    dock = StatisticsDock()
    qtbot.addWidget(dock)
    controller = StatisticsController(ws, None, dock)
    yield ws, dock, controller
    controller.stop()
    ws.close()


def _stats(cli, db_url, request) -> dict:
    argv = ["stats", "--from", request.start.isoformat(), "--to", request.end.isoformat(), "--json", "--db", db_url]
    if request.grid_code:
        argv += ["--grid", request.grid_code]
    code, out, err = cli(*argv)
    assert code == 0, err
    return json.loads(out)


def test_the_docks_numbers_are_stats_json(statistics, qtbot, cli, city):
    ws, dock, controller = statistics
    controller.start()
    assert controller.report is None  # out of sight: nothing read yet
    dock.show()
    qtbot.waitUntil(lambda: controller.report is not None, timeout=20000)
    request = dock.current_request()
    today = ws.now().astimezone(ZoneInfo(ws.timezone)).date()
    assert request.start <= today <= request.end and request.grid_code is None
    figures = _stats(cli, city, request)
    assert figures["incidents"] >= 3
    assert {row.key: dock.figure_text(row.key) for row in FIGURE_ROWS} == \
        {row.key: format_value(figure_value(figures, row.path), row.unit) for row in FIGURE_ROWS}
    assert dict(controller.report.series.categories)["dispute"] >= 2

    # another grid, by the picker: loaded and shown, again equal to the CLI's
    grid = dock.grid_box.itemData(1)
    dock.grid_box.setCurrentIndex(1)
    qtbot.waitUntil(lambda: controller.report.grid_code == grid, timeout=20000)
    request = dock.current_request()
    assert request.grid_code == grid
    shown = {row.key: dock.figure_text(row.key) for row in FIGURE_ROWS}
    assert shown == {row.key: format_value(figure_value(_stats(cli, city, request), row.path), row.unit)
                     for row in FIGURE_ROWS}


def test_a_counted_change_reloads_it(statistics, qtbot, cli, city):
    ws, dock, controller = statistics
    dock.show()
    controller.start()
    qtbot.waitUntil(lambda: controller.report is not None, timeout=20000)
    before = controller.report.figures["incidents"]
    code, _out, err = cli("incidents", "create", "--lon", str(INCIDENT[0]), "--lat", str(INCIDENT[1]),
                          "--category", "dispute", "--db", city)
    assert code == 0, err
    ws.sig_changed.emit({"incidents"})
    qtbot.waitUntil(lambda: controller.report.figures["incidents"] == before + 1, timeout=20000)
    assert dock.figure_text("incidents") == f"{before + 1:,}"
