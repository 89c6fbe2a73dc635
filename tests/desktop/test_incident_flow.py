"""The command centre's loop through the docks, in the real embedded page:
intake → recommendation and rings → dispatch → automatic arrival → close."""
import getpass
import json
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from core.fixes import Fix
from db.engine import session_factory
from db.models import Device, Unit
from db.positions_repo import store_fixes
from tests.desktop.conftest import run_js

INCIDENT = (112.0805, 32.6805)


def _place_units(engine, near, count=6):
    """Fresh fixes for the first joint patrol groups, a few hundred metres from ``near``."""
    now = datetime.now(timezone.utc)
    with session_factory(engine)() as s, s.begin():
        units = s.scalars(select(Unit).where(Unit.force == "grid_patrol", Unit.tier == 1).order_by(Unit.callsign)).all()[:count]
        fixes = []
        for i, unit in enumerate(units):
            device = s.scalars(select(Device).where(Device.unit_id == unit.id).order_by(Device.device_id)).first()
            fixes.append(Fix(device_id=device.device_id, lon=near[0] + 0.001 * (i + 1), lat=near[1] + 0.0005 * i,
                             fix_time=now - timedelta(seconds=3), accuracy_m=5.0, speed_mps=1.2))
        store_fixes(s, fixes, now=now)
    return fixes


@pytest.fixture
def command(gui, demo_engine, qtbot):
    _place_units(demo_engine, INCIDENT)
    gui.start_live()
    gui.start_incidents()
    controller = gui.incident_controller
    # Code tables, the place index (gazetteer, streets, grids) and the incidents load in the background.
    qtbot.waitUntil(lambda: controller.index is not None and gui.window.intake_dock.category.count() > 0, timeout=10000)
    qtbot.waitUntil(lambda: sum(1 for u in gui.live.units.values() if u.last_fix) >= 6, timeout=5000)
    yield gui
    gui.stop_live()


def _js(qtbot, gui, expr):
    return json.loads(run_js(qtbot, gui.map_view, f"JSON.stringify({expr})"))


def test_intake_to_close(command, qtbot, demo_engine):
    gui = command
    w = gui.window
    controller = gui.incident_controller
    intake = w.intake_dock

    # 1. Intake: typed coordinates, a category, a description.
    intake.lonlat.setText(f"{INCIDENT[0]}, {INCIDENT[1]}")
    intake.lonlat.editingFinished.emit()
    assert intake.location == pytest.approx(INCIDENT)
    assert "城区二网格" in intake.location_label.text()  # the grid's name, not its code
    intake.category.setCurrentIndex(intake.category.findData("dispute"))
    intake.description.setPlainText("超市门口两人争执")
    with qtbot.waitSignal(controller.sig_recommendations_ready, timeout=10000):
        qtbot.mouseClick(intake.submit_button, Qt.MouseButton.LeftButton)
    incident_id = controller.selected_id
    inc = controller.incidents[incident_id]
    assert inc.state == "received" and inc.grid_code == "G02" and inc.category == "dispute"

    # 2. The page shows the incident and its 1/3/5-minute rings; the dock ranks units by ETA.
    qtbot.waitUntil(lambda: _js(qtbot, gui, f"gridmap.incidentState({incident_id})") is not None, timeout=5000)
    state = _js(qtbot, gui, f"gridmap.incidentState({incident_id})")
    assert state["lat"] == pytest.approx(INCIDENT[1]) and state["selected"] is True
    assert run_js(qtbot, gui.map_view, "gridmap.ringCount()") == 3
    recs = w.dispatch_dock.model.rows
    assert recs and recs[0].mode == "road"
    assert [r.eta_s for r in recs] == sorted(r.eta_s for r in recs)
    assert recs[0].ring in (1, 3, 5)

    # Hovering a row draws its route.
    w.dispatch_dock.sig_route_hovered.emit(recs[0])
    qtbot.waitUntil(lambda: run_js(qtbot, gui.map_view, "gridmap.routeLength()") > 1, timeout=5000)

    # 3. Dispatch the best unit.
    first = recs[0]
    w.dispatch_dock.model.setData(w.dispatch_dock.model.index(0, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    qtbot.mouseClick(w.dispatch_dock.dispatch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.incidents[incident_id].state == "dispatched", timeout=5000)
    qtbot.waitUntil(lambda: gui.live.units[first.unit_id].status == "dispatched", timeout=5000)
    qtbot.waitUntil(lambda: first.unit_id not in [r.unit_id for r in w.dispatch_dock.model.rows],
                    timeout=5000)  # no longer available, so no longer offered

    # 4. The unit's next fix is at the scene: arrival is detected automatically.
    from feeds.arrival import ArrivalDetector

    detector = ArrivalDetector(demo_engine, gui.settings.dispatch)
    detector.poll_once()
    with session_factory(demo_engine)() as s, s.begin():
        device = s.scalars(select(Device).where(Device.unit_id == first.unit_id).order_by(Device.device_id)).first().device_id
        now = datetime.now(timezone.utc)
        assert store_fixes(s, [Fix(device_id=device, lon=INCIDENT[0] + 0.0002, lat=INCIDENT[1], fix_time=now,
                                   accuracy_m=8.0)], now=now) == [None]
    assert detector.poll_once()
    qtbot.waitUntil(lambda: controller.incidents[incident_id].state == "on_scene", timeout=5000)
    qtbot.waitUntil(lambda: gui.live.units[first.unit_id].status == "on_scene", timeout=5000)
    detail = w.incidents_dock.detail.toPlainText()
    assert first.callsign in detail and "auto" in detail

    # 5. Handling → result reported → closed, through the dock's buttons; closing asks for the outcome.
    for target in ("handling", "reported", "closed"):
        button = w.incidents_dock.action_buttons[target]
        qtbot.waitUntil(button.isEnabled, timeout=5000)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.outcome_dialog is not None and controller.outcome_dialog.isVisible(),
                    timeout=5000)
    dialog = controller.outcome_dialog
    dialog.rescued.setValue(2)
    dialog.mediated.setChecked(True)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: incident_id not in controller.incidents, timeout=5000)
    with session_factory(demo_engine)() as s:
        from db.models import Incident

        closed = s.get(Incident, incident_id)
        assert (closed.state, closed.rescued, closed.mediated, closed.accident_on_scene) == ("closed", 2, True, False)
    qtbot.waitUntil(lambda: gui.live.units[first.unit_id].status == "available", timeout=5000)
    qtbot.waitUntil(lambda: _js(qtbot, gui, f"gridmap.incidentState({incident_id})") is None, timeout=5000)
    assert gui.map_view.map_page.console_errors == []


def test_a_nearby_second_call_is_flagged_as_a_possible_duplicate(command, qtbot):
    w = command.window
    intake = w.intake_dock
    for description in ("第一次报警", "同一地点又一次报警"):
        intake.lonlat.setText(f"{INCIDENT[0]}, {INCIDENT[1]}")
        intake.lonlat.editingFinished.emit()
        intake.description.setPlainText(description)
        with qtbot.waitSignal(command.incident_controller.sig_recommendations_ready, timeout=10000):
            qtbot.mouseClick(intake.submit_button, Qt.MouseButton.LeftButton)
    assert not intake.duplicate_label.isHidden()
    assert "JQ" in intake.duplicate_label.text()


def test_picking_on_the_map_sets_the_location(command, qtbot):
    w = command.window
    qtbot.mouseClick(w.intake_dock.pick_button, Qt.MouseButton.LeftButton)
    assert command.incident_controller.picking
    command.map_view.bridge.mapClicked(112.083, 32.684)
    assert w.intake_dock.location == pytest.approx((112.083, 32.684))
    assert not w.intake_dock.pick_button.isChecked()


def test_a_real_click_in_the_page_reaches_the_intake_through_the_channel(command, qtbot):
    """A mouse click on the rendered map travels Leaflet → QWebChannel → scene → controller."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    w = command.window
    qtbot.mouseClick(w.intake_dock.pick_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: run_js(qtbot, command.map_view, "gridmap.state.map.getContainer().style.cursor") == "crosshair",
                    timeout=5000)
    view = command.map_view
    target = view.focusProxy() or view
    point = QPoint(view.width() // 2 + 37, view.height() // 2 - 21)
    expected = _js(qtbot, command, f"gridmap.state.map.containerPointToLatLng([{point.x()}, {point.y()}])")
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)
    qtbot.waitUntil(lambda: w.intake_dock.location is not None, timeout=5000)
    lon, lat = w.intake_dock.location
    assert lon == pytest.approx(expected["lng"], abs=1e-6) and lat == pytest.approx(expected["lat"], abs=1e-6)
    assert not command.incident_controller.picking


def _create(command, qtbot, level="general"):
    intake = command.window.intake_dock
    intake.lonlat.setText(f"{INCIDENT[0]}, {INCIDENT[1]}")
    intake.lonlat.editingFinished.emit()
    intake.level.setCurrentIndex(intake.level.findData(level))
    with qtbot.waitSignal(command.incident_controller.sig_recommendations_ready, timeout=10000):
        qtbot.mouseClick(intake.submit_button, Qt.MouseButton.LeftButton)
    return command.incident_controller.selected_id


def test_dispatch_from_the_map_via_the_unit_card(command, qtbot):
    incident_id = _create(command, qtbot)
    unit_id = next(u.unit_id for u in command.live.units.values() if u.last_fix and u.status == "available")
    command.map_view.bridge.unitClicked(unit_id)
    card = command.window.unit_card
    assert card.unit_id == unit_id
    qtbot.mouseClick(card.dispatch_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: command.live.units[unit_id].status == "dispatched", timeout=5000)
    qtbot.waitUntil(lambda: command.incident_controller.incidents[incident_id].state == "dispatched", timeout=5000)


def test_support_request_suggests_escalation_and_the_order_is_recorded(command, qtbot, monkeypatch, demo_engine):
    from PySide6.QtWidgets import QInputDialog

    from db.models import Escalation

    incident_id = _create(command, qtbot)
    dock = command.window.incidents_dock
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("需要增派警力隔离人群", True)))
    qtbot.mouseClick(dock.support_button, Qt.MouseButton.LeftButton)
    escalation = command.window.escalation_dock
    qtbot.waitUntil(lambda: any(s.rule == "support_requested" for s in escalation.suggestions), timeout=10000)
    assert escalation.escalate_button.isEnabled()
    qtbot.mouseClick(escalation.escalate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: command.incident_controller.incidents[incident_id].tier == 2, timeout=10000)
    with session_factory(demo_engine)() as s:
        order = s.scalars(select(Escalation).where(Escalation.incident_id == incident_id)).one()
    assert (order.tier_from, order.tier_to, order.direction) == (1, 2, "up")
    assert order.reason == "需要增派警力隔离人群"
    assert order.ordered_by == getpass.getuser() and order.workstation
    # Tier-2 forces are now offered for dispatch, ranked the same way.
    with session_factory(demo_engine)() as s, s.begin():
        tier2 = s.scalars(select(Unit).where(Unit.tier == 2).order_by(Unit.callsign)).first()
        device = s.scalars(select(Device).where(Device.unit_id == tier2.id)).first()
        now = datetime.now(timezone.utc)
        store_fixes(s, [Fix(device_id=device.device_id, lon=INCIDENT[0] + 0.003, lat=INCIDENT[1], fix_time=now)], now=now)
    qtbot.waitUntil(lambda: command.live.units[tier2.id].last_fix is not None, timeout=5000)
    # The ranking follows moved units by itself (at most once a second).
    qtbot.waitUntil(lambda: tier2.id in [r.unit_id for r in command.window.dispatch_dock.model.rows], timeout=10000)


def test_a_stale_edit_from_this_workstation_gets_a_conflict_message(command, qtbot, monkeypatch, demo_engine):
    from PySide6.QtWidgets import QMessageBox

    from db.incident_ops import transition
    from db.operations import Actor, OperationRunner

    incident_id = _create(command, qtbot)
    seen_version = command.incident_controller.incidents[incident_id].version
    other = OperationRunner(demo_engine, Actor("colleague", "ws-2"))
    transition(other, incident_id, "cancelled", expected_version=seen_version)  # the other workstation wins
    warnings = []
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text: warnings.append((title, text))))
    from core.incident_actions import TransitionRequest

    command.window.incidents_dock.sig_transition_requested.emit(TransitionRequest(incident_id, "invalid", seen_version))
    qtbot.waitUntil(lambda: len(warnings) == 1, timeout=5000)
    # The fresh state is shown: the incident, cancelled elsewhere, leaves the open list.
    qtbot.waitUntil(lambda: incident_id not in command.incident_controller.incidents, timeout=5000)
    assert warnings[0][0] in ("Changed by another workstation", "已被其他席位修改")
    with session_factory(demo_engine)() as s:
        from db.models import Incident

        assert s.get(Incident, incident_id).state == "cancelled"  # the loser's edit did not overwrite
