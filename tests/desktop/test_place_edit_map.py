"""Editing patrol places on the real map page: real mouse input on the browser draws a
must-visit point, drags it and deletes it (after a confirmation the test answers); each
goes through the channel and the runner into a new version in the database, and the page
is updated in place — never reloaded, so zoom and centre stay."""
from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from db.engine import session_factory
from db.models import AuditLog, MustVisitPoint
from tests.desktop.conftest import run_js

pytestmark = pytest.mark.webengine


def _edit_state(qtbot, view) -> dict:
    return json.loads(run_js(qtbot, view, "JSON.stringify(gridmap.editState())"))


def _pixel(qtbot, view, lon: float, lat: float) -> QPoint:
    p = json.loads(run_js(qtbot, view, f"JSON.stringify(gridmap.pixelOf({lon}, {lat}))"))
    return QPoint(round(p["x"]), round(p["y"]))


def _mouse(view, kind: QEvent.Type, pos: QPoint, buttons) -> None:
    """A mouse event as the window system would deliver it, to the widget Chromium reads input from."""
    target = view.focusProxy()
    button = Qt.MouseButton.LeftButton if kind != QEvent.Type.MouseMove else Qt.MouseButton.NoButton
    event = QMouseEvent(kind, QPointF(pos), QPointF(target.mapToGlobal(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, event)


def _click(qtbot, view, pos: QPoint) -> None:
    _mouse(view, QEvent.Type.MouseMove, pos, Qt.MouseButton.NoButton)
    _mouse(view, QEvent.Type.MouseButtonPress, pos, Qt.MouseButton.LeftButton)
    _mouse(view, QEvent.Type.MouseButtonRelease, pos, Qt.MouseButton.NoButton)
    qtbot.wait(50)


def _drag(qtbot, view, start: QPoint, end: QPoint, steps: int = 8) -> None:
    _mouse(view, QEvent.Type.MouseMove, start, Qt.MouseButton.NoButton)
    _mouse(view, QEvent.Type.MouseButtonPress, start, Qt.MouseButton.LeftButton)
    qtbot.wait(30)
    for i in range(1, steps + 1):
        p = start + (end - start) * i / steps
        _mouse(view, QEvent.Type.MouseMove, p, Qt.MouseButton.LeftButton)
        qtbot.wait(20)
    _mouse(view, QEvent.Type.MouseButtonRelease, end, Qt.MouseButton.NoButton)
    qtbot.wait(50)


def _versions(engine, code: str) -> list[MustVisitPoint]:
    with session_factory(engine)() as s:
        return list(s.scalars(select(MustVisitPoint).where(MustVisitPoint.code == code)
                              .order_by(MustVisitPoint.revision)))


def _answer_next_dialog(qtbot, button: QMessageBox.StandardButton, seen: list) -> None:
    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(50, answer)
            return
        seen.append(box.text())
        box.button(button).click()
    QTimer.singleShot(50, answer)


def test_draw_move_and_delete_a_point_with_real_mouse_input(gui, qtbot):
    app, view, scene = gui, gui.map_view, gui.scene
    dock = app.window.place_rules_dock
    app.start_live()  # the change feed tells the map what the edits changed
    for controller in app.features:
        controller.start()
    reloads = []
    scene.sig_page_ready.connect(reloads.append)
    before = _edit_state(qtbot, view)

    # Draw: the dock's tool, then a real click on the map.
    qtbot.mouseClick(dock.tools["point"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _edit_state(qtbot, view)["mode"] == "point", timeout=5000)
    centre = before["center"]
    target = (centre["lng"] + 0.0007, centre["lat"] - 0.0004)
    _click(qtbot, view, _pixel(qtbot, view, *target))
    qtbot.waitUntil(lambda: len(_versions(app.engine, "P-E001")) == 1, timeout=10000)
    (first,) = _versions(app.engine, "P-E001")
    assert first.geometry["coordinates"] == pytest.approx(list(target), abs=1e-4)  # a pixel or two
    assert first.radius_m == 50.0 and first.dwell_s == 120.0 and first.valid_to is None
    # The page shows the stored point without a reload; the dock has chosen it.
    qtbot.waitUntil(lambda: "P-E001" in _edit_state(qtbot, view)["shapes"]["points"], timeout=10000)
    qtbot.waitUntil(lambda: dock.current == ("points", "P-E001"), timeout=5000)
    # From the user's first click on, the view is theirs: edits never move it.
    kept = _edit_state(qtbot, view)

    # Move: drag it with the mouse.
    qtbot.mouseClick(dock.tools["move"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _edit_state(qtbot, view)["mode"] == "move", timeout=5000)
    qtbot.wait(100)
    start = _pixel(qtbot, view, *first.geometry["coordinates"])
    _drag(qtbot, view, start, start + QPoint(60, 40))
    qtbot.waitUntil(lambda: len(_versions(app.engine, "P-E001")) == 2, timeout=10000)
    old, new = _versions(app.engine, "P-E001")
    assert old.valid_to is not None and new.valid_to is None and new.revision == 2
    assert new.geometry["coordinates"][0] > old.geometry["coordinates"][0]  # moved east
    assert new.geometry["coordinates"][1] < old.geometry["coordinates"][1]  # and south
    qtbot.waitUntil(lambda: _edit_state(qtbot, view)["shapes"]["points"]["P-E001"]
                    == pytest.approx(new.geometry["coordinates"], abs=1e-9), timeout=10000)

    # Delete: a click asks first; "No" keeps it, "Yes" takes it out of force.
    qtbot.mouseClick(dock.tools["delete"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _edit_state(qtbot, view)["mode"] == "delete", timeout=5000)
    asked: list[str] = []
    _answer_next_dialog(qtbot, QMessageBox.StandardButton.No, asked)
    _click(qtbot, view, _pixel(qtbot, view, *new.geometry["coordinates"]))
    qtbot.waitUntil(lambda: len(asked) == 1, timeout=5000)
    qtbot.wait(300)
    assert _versions(app.engine, "P-E001")[-1].valid_to is None
    _answer_next_dialog(qtbot, QMessageBox.StandardButton.Yes, asked)
    _click(qtbot, view, _pixel(qtbot, view, *new.geometry["coordinates"]))
    qtbot.waitUntil(lambda: _versions(app.engine, "P-E001")[-1].valid_to is not None, timeout=10000)
    assert "P-E001" in asked[1]
    qtbot.waitUntil(lambda: "P-E001" not in _edit_state(qtbot, view)["shapes"]["points"], timeout=10000)

    # Audited, every one; the page never reloaded and kept its zoom and centre.
    with session_factory(app.engine)() as s:
        ops = [a.operation for a in s.scalars(select(AuditLog).where(AuditLog.entity_id == "P-E001")
                                              .order_by(AuditLog.id))]
    assert ops == ["set point rule", "set point rule", "retire point"]
    after = _edit_state(qtbot, view)
    assert reloads == []
    assert after["zoom"] == kept["zoom"] and after["center"] == pytest.approx(kept["center"])
    assert view.map_page.console_errors == [] and view.blocked_requests == []


def test_a_line_drawn_with_clicks_and_the_rules_form(gui, qtbot):
    app, view = gui, gui.map_view
    dock = app.window.place_rules_dock
    app.start_live()
    for controller in app.features:
        controller.start()
    qtbot.mouseClick(dock.tools["line"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _edit_state(qtbot, view)["mode"] == "line", timeout=5000)
    c = _edit_state(qtbot, view)["center"]
    a = _pixel(qtbot, view, c["lng"] - 0.001, c["lat"])
    b = a + QPoint(120, 0)
    d = b + QPoint(0, 80)
    for p in (a, b, d):
        _click(qtbot, view, p)
        qtbot.wait(150)
    _click(qtbot, view, d)  # the last vertex again finishes the line
    qtbot.waitUntil(lambda: len(_lines(app.engine, "L-E001")) == 1, timeout=10000)
    (line,) = _lines(app.engine, "L-E001")
    assert len(line.geometry["coordinates"]) == 3 and line.corridor_m == 30.0
    qtbot.waitUntil(lambda: dock.current == ("lines", "L-E001"), timeout=10000)

    # Vertices: a click picks the line, a drag moves its middle vertex.
    qtbot.mouseClick(dock.tools["vertices"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _edit_state(qtbot, view)["mode"] == "vertices", timeout=5000)
    coords = line.geometry["coordinates"]
    pa, pb = _pixel(qtbot, view, *coords[0]), _pixel(qtbot, view, *coords[1])
    _click(qtbot, view, (pa + pb) / 2)
    qtbot.waitUntil(lambda: _edit_state(qtbot, view)["vertexLine"] == "L-E001", timeout=5000)
    qtbot.wait(100)
    _drag(qtbot, view, pb, pb + QPoint(30, -40))
    qtbot.waitUntil(lambda: len(_lines(app.engine, "L-E001")) == 2, timeout=10000)
    reshaped = _lines(app.engine, "L-E001")[-1].geometry["coordinates"]
    assert reshaped[0] == pytest.approx(coords[0]) and reshaped[2] == pytest.approx(coords[2])
    assert reshaped[1][0] > coords[1][0] and reshaped[1][1] > coords[1][1]  # east and north
    # The stored line replaces the drawn one and stays in vertex editing.
    flat = [v for c in reshaped for v in c]
    qtbot.waitUntil(lambda: [v for c in _edit_state(qtbot, view)["shapes"]["lines"]["L-E001"] for v in c]
                    == pytest.approx(flat), timeout=10000)
    assert _edit_state(qtbot, view)["vertexLine"] == "L-E001"

    # Move: the whole line dragged by its last segment.
    qtbot.mouseClick(dock.tools["move"], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _edit_state(qtbot, view)["mode"] == "move", timeout=5000)
    qtbot.wait(100)
    p1, p2 = _pixel(qtbot, view, *reshaped[1]), _pixel(qtbot, view, *reshaped[2])
    _drag(qtbot, view, (p1 + p2) / 2, (p1 + p2) / 2 + QPoint(-50, 0))
    qtbot.waitUntil(lambda: len(_lines(app.engine, "L-E001")) == 3, timeout=10000)
    shifted = _lines(app.engine, "L-E001")[-1].geometry["coordinates"]
    dx = [new[0] - old[0] for new, old in zip(shifted, reshaped)]
    assert all(d < 0 for d in dx) and max(dx) - min(dx) == pytest.approx(0, abs=1e-6)  # all west, together

    # Bad input from the form: one line naming the field, nothing written.
    qtbot.mouseClick(dock.tools["move"], Qt.MouseButton.LeftButton)  # the tool off again
    assert _edit_state(qtbot, view)["mode"] is None
    dock.name_edit.setText("新华路巡线")
    dock.buffer.setValue(0)
    qtbot.mouseClick(dock.save_button, Qt.MouseButton.LeftButton)
    assert dock.message.text().startswith("buffer_m: ") and "\n" not in dock.message.text()
    dock.buffer.setValue(40)
    dock.windows.setText("23:00-19:00")
    qtbot.mouseClick(dock.save_button, Qt.MouseButton.LeftButton)
    assert dock.message.text().startswith("time_windows[0]: ")
    qtbot.wait(300)
    assert len(_lines(app.engine, "L-E001")) == 3

    # Good input: a new version, its history listed.
    dock.windows.setText("19:00-23:00*2")
    dock.passes.setValue(3)
    qtbot.mouseClick(dock.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(_lines(app.engine, "L-E001")) == 4, timeout=10000)
    latest = _lines(app.engine, "L-E001")[-1]
    assert (latest.name, latest.corridor_m, latest.passes_per_shift) == ("新华路巡线", 40.0, 3)
    assert latest.time_windows == [{"start": "19:00", "end": "23:00", "visits": 2}]
    qtbot.waitUntil(lambda: dock.history.count() == 4, timeout=10000)
    assert "L-E001" in dock.message.text()
    assert view.map_page.console_errors == []


def _lines(engine, code: str):
    from db.models import PatrolLine

    with session_factory(engine)() as s:
        return list(s.scalars(select(PatrolLine).where(PatrolLine.code == code).order_by(PatrolLine.revision)))


def test_without_edit_duty_the_tools_are_off_and_nothing_is_written(gui, qtbot):
    from db.operations import Actor

    app, view = gui, gui.map_view
    dock = app.window.place_rules_dock
    viewer = Actor("viewer", "ws-view", frozenset({"view"}))
    app.ws._actor = app.ws.runner.actor = viewer
    controller = next(c for c in app.features if type(c).__name__ == "PlaceEditController")
    controller.start()
    assert not any(b.isEnabled() for b in dock.tools.values()) and not dock.save_button.isEnabled()
    dock.sig_mode_requested.emit(type("R", (), {"mode": "point"})())  # even if asked: no edit mode
    qtbot.wait(200)
    assert _edit_state(qtbot, view)["mode"] is None
    before = len(_versions(app.engine, "P01"))
    app.scene.sig_place_moved.emit("points", "P01", {"type": "Point", "coordinates": [112.09, 32.68]})
    # Another path to a write (a page still in an edit mode) is refused by the runner itself.
    qtbot.waitUntil(lambda: "edit_duty" in dock.message.text(), timeout=10000)
    assert len(_versions(app.engine, "P01")) == before
