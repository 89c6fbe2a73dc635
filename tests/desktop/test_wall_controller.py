"""The wall's behaviour on the demo city: figures read, a new serious incident flashes
in the ticker and holds the map, the cycle pauses and then returns; burn-in shifts keep
sizes; nothing on the wall can be edited."""
from datetime import datetime, timezone

import pytest
from PySide6.QtWidgets import QAbstractButton, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit

pytestmark = pytest.mark.webengine


@pytest.fixture
def wall(qtbot, qapp, demo_engine, settings):
    from desktop.app import GuiOptions
    from desktop.wall.app import WallApp

    settings.wall.flash_s = 2
    app = WallApp(settings, GuiOptions(wall=True, save_settings=False), engine=demo_engine)
    qtbot.addWidget(app.window)
    app.window.resize(1920, 1080)
    app.window.show()
    with qtbot.waitSignal(app.sig_startup_completed, timeout=90000):
        app.complete_startup()
    yield app
    app.stop_live()
    app.window.close()
    app.map_view.dispose()


def test_a_new_serious_incident_flashes_holds_the_map_then_the_cycle_returns(qtbot, wall, demo_engine):
    from db.incident_ops import create_incident
    from db.operations import Actor, OperationRunner

    ctl, win = wall.controller, wall.window
    assert [v.kind for v in ctl.views][:2] == ["city", "grid"]
    ctl.next_view()
    city = ctl.current_view
    assert city.kind == "city" and ctl.cycle_timer.isActive()
    before = win.kpi.values["incidents"].text()

    ops = OperationRunner(demo_engine, Actor("dispatcher1", "ws-1"))
    inc, _ = create_incident(ops, lon=112.0800, lat=32.6795, category="criminal", level="serious",
                             received_at=datetime.now(timezone.utc))
    with qtbot.waitSignal(ctl.sig_view_changed, timeout=30000,
                          check_params_cb=lambda v: v.kind == "incident" and v.key == str(inc.id)):
        wall.ws.wake_feed()  # as a write on this machine would; another machine's comes with the next poll
    assert inc.id in win.ticker.flashing
    assert ctl.held.id == inc.id and not ctl.cycle_timer.isActive()  # paused while the incident is new
    assert win.ticker.rows[0].incident_id == inc.id  # newest first
    assert win.kpi.values["incidents"].text() != before
    qtbot.waitUntil(lambda: ctl.focus_id == inc.id, timeout=10000)

    with qtbot.waitSignal(ctl.sig_view_changed, timeout=10000) as back:
        pass
    assert back.args[0] == city  # the map returns to the view it left
    assert ctl.held is None and ctl.cycle_timer.isActive()


def test_burn_in_moves_the_layout_but_keeps_its_sizes(qtbot, wall):
    win, ctl = wall.window, wall.controller
    qtbot.waitUntil(lambda: win.map_frame.width() > 0)
    size, pos = win.map_frame.size(), win.map_frame.pos()
    ctl.burn_in()
    qtbot.wait(50)
    assert win.offset != (0, 0)
    assert win.map_frame.size() == size and win.map_frame.pos() != pos


def test_nothing_on_the_wall_takes_input(wall):
    editors = wall.window.findChildren(QLineEdit) + wall.window.findChildren(QComboBox) + \
        wall.window.findChildren(QTextEdit) + wall.window.findChildren(QPlainTextEdit) + \
        wall.window.findChildren(QAbstractButton)
    assert editors == []


def test_text_is_at_least_twice_the_workstations_and_grows_with_the_wall(qapp, settings):
    from desktop.wall.window import WallScale

    base = 12
    hd, uhd = WallScale.for_height(1080, settings.wall, base), WallScale.for_height(2160, settings.wall, base)
    assert hd.body_px >= 2 * base and uhd.body_px >= 2 * hd.body_px - 1
    assert uhd.page_zoom == 2 * hd.page_zoom
    settings.wall.font_px = 10  # a setting below twice the workstation's is raised
    assert WallScale.for_height(1080, settings.wall, base).body_px == 2 * base
