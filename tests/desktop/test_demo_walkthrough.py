"""The README's demo walk-through, in the real window and page: take a call in 接警登记,
dispatch the top-ranked unit from 就近派警, and watch the simulated unit drive to the scene
until arrival detection sets 已到场 — on an accelerated clock shared by the workspace,
the simulator and arrival detection."""
import json

import pytest
from PySide6.QtCore import Qt

from core.clock import ScaledClock
from db.engine import session_factory
from db.incidents_repo import dispatches_for
from tests.desktop.conftest import run_js

pytestmark = pytest.mark.webengine
CALL = (112.0830, 32.6840)  # the README's example: grid G02 (城区二网格)


@pytest.fixture
def demo(qtbot, qapp, demo_engine, settings):
    from desktop.app import GridCommandApp, GuiOptions

    settings.demo.incidents_per_hour = 0.0  # only our call
    app = GridCommandApp(settings, GuiOptions(save_settings=False, embedded_feeds=True, sim_rate=26.0),
                         engine=demo_engine, clock=ScaledClock(20.0))
    qtbot.addWidget(app.window)
    with qtbot.waitSignal(app.map_view.bridge.sig_page_ready, timeout=30000):
        app.refresh_layers()
        app.window.show()
    app.messages = []
    app.ws.sig_message.disconnect(app.window.show_message)  # no modal dialog in a test: keep what it would say
    app.ws.sig_message.connect(app.messages.append)
    app.start_live()
    app.start_incidents()
    qtbot.waitUntil(lambda: app.incident_controller.index is not None
                    and app.window.intake_dock.category.count() > 0, timeout=15000)
    qtbot.waitUntil(lambda: sum(1 for u in app.live.units.values() if u.last_fix) >= 10, timeout=20000)
    yield app
    app.stop_live()
    app.window.close()
    app.map_view.dispose()


def _unit(qtbot, app, unit_id):
    return json.loads(run_js(qtbot, app.map_view, f"JSON.stringify(gridmap.unitState({unit_id}))"))


def test_a_call_is_dispatched_and_the_unit_drives_there_until_arrival_is_detected(demo, qtbot, demo_engine):
    app, w = demo, demo.window
    controller = app.incident_controller
    intake = w.intake_dock
    intake.lonlat.setText(f"{CALL[0]}, {CALL[1]}")
    intake.lonlat.editingFinished.emit()
    assert "城区二网格" in intake.location_label.text()
    intake.category.setCurrentIndex(intake.category.findData("dispute"))
    qtbot.mouseClick(intake.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.selected_id is not None and bool(w.dispatch_dock.model.rows), timeout=15000)
    incident_id = controller.selected_id
    top = w.dispatch_dock.model.rows[0]
    assert top.mode == "road" and top.route
    start = _unit(qtbot, app, top.unit_id)
    w.dispatch_dock.model.setData(w.dispatch_dock.model.index(0, 0), Qt.CheckState.Checked.value,
                                  Qt.ItemDataRole.CheckStateRole)
    qtbot.mouseClick(w.dispatch_dock.dispatch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: app.messages or (controller.incidents.get(incident_id) is not None
                                             and controller.incidents[incident_id].state != "received"), timeout=10000)
    assert app.messages == []
    # The unit leaves its patrol and closes in on the scene, on the page itself.
    from core.geodesy import distance_m

    far = distance_m(start["lng"], start["lat"], *CALL)
    qtbot.waitUntil(lambda: distance_m(_unit(qtbot, app, top.unit_id)["lng"], _unit(qtbot, app, top.unit_id)["lat"],
                                       *CALL) < 0.6 * far or far < 120, timeout=60000)
    # Arrival detection (the real one, in the demo's feeds) sets 已到场.
    qtbot.waitUntil(lambda: incident_id not in controller.incidents
                    or controller.incidents[incident_id].on_scene_at is not None, timeout=90000)
    with session_factory(demo_engine)() as s:
        (d,) = [d for d in dispatches_for(s, incident_id) if d.unit_id == top.unit_id]
    assert d.arrival_source == "auto" and d.arrived_at is not None
    response_s = (d.arrived_at - d.dispatched_at).total_seconds()
    assert 0 < response_s < 3 * top.eta_s  # recorded, and about what the ranking predicted
    assert app.map_view.map_page.console_errors == []
