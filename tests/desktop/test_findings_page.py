"""Patrol findings in the real embedded page: "record patrol finding here" puts the map in
pick mode for the finding form, a real click on the rendered map fills the form's location
(Leaflet → QWebChannel → scene → findings controller, the intake untouched), and selecting
a recorded finding flies the map to it."""
import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from db.findings_ops import NewFinding, record_finding
from db.operations import Actor, OperationRunner
from tests.desktop.conftest import run_js
from tests.desktop.test_incident_flow import command  # noqa: F401 - the command centre with units on the map

pytestmark = pytest.mark.webengine


def _js(qtbot, gui, expr):
    return json.loads(run_js(qtbot, gui.map_view, f"JSON.stringify({expr})"))


@pytest.fixture
def started(command, qtbot):
    command.start_features()
    return command


def test_a_real_click_on_the_map_fills_the_findings_location(started, qtbot):
    gui = started
    action = next(a for m in gui.window.menuBar().actions() if m.menu() for a in m.menu().actions()
                  if a.text() == gui.window.tr("Record patrol finding here…"))
    action.trigger()
    form = gui.findings.finding_form
    assert form.isVisible() and form.location.pick_button.isChecked()
    qtbot.waitUntil(lambda: run_js(qtbot, gui.map_view, "gridmap.state.map.getContainer().style.cursor") == "crosshair",
                    timeout=5000)
    view = gui.map_view
    target = view.focusProxy() or view
    point = QPoint(view.width() // 2 - 23, view.height() // 2 + 17)
    expected = _js(qtbot, gui, f"gridmap.state.map.containerPointToLatLng([{point.x()}, {point.y()}])")
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    qtbot.waitUntil(lambda: form.location.location is not None, timeout=5000)
    lon, lat = form.location.location
    assert lon == pytest.approx(expected["lng"], abs=1e-6) and lat == pytest.approx(expected["lat"], abs=1e-6)
    assert not gui.scene.pick.picking and not form.location.pick_button.isChecked()
    assert gui.window.intake_dock.location is None  # the click was the finding's, not the intake's
    # The picked marker shows where it is.
    picked = _js(qtbot, gui, "gridmap.incidents.picked ? gridmap.incidents.picked.getLatLng() : null")
    assert picked["lat"] == pytest.approx(lat, abs=1e-6)
    assert gui.map_view.map_page.console_errors == []


def test_selecting_a_finding_flies_the_map_to_it(started, demo_engine, qtbot):
    gui = started
    far = (112.0600, 32.6650)
    done = record_finding(OperationRunner(demo_engine, Actor("patrol", "pda-1")),
                          NewFinding(lon=far[0], lat=far[1], category="illegal_parking", description="车辆乱停",
                                     outcome="on_spot"))
    dock = gui.window.workorders_dock
    qtbot.waitUntil(lambda: done.finding_id in gui.findings.findings, timeout=10000)
    dock.tabs.setCurrentWidget(dock.findings)
    dock.findings.table.selectRow(0)

    def centre_near():
        c = _js(qtbot, gui, "gridmap.state.map.getCenter()")
        return abs(c["lng"] - far[0]) < 0.002 and abs(c["lat"] - far[1]) < 0.002

    qtbot.waitUntil(centre_near, timeout=8000)
