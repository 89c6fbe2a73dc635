"""The place rules dock alone: it shows the places it is given, fills the form from the chosen
one, emits typed requests, and keeps what the user is typing when the same place is re-read."""
from __future__ import annotations

from PySide6.QtCore import Qt

from core.layers import LayerFeature
from desktop.docks.place_rules import EditModeRequested, PlaceChosen, PlaceRulesDock, RulesSubmitted


def _point(code="P1", name="东门", radius=50.0, windows=None):
    return LayerFeature("points", code, name, {"type": "Point", "coordinates": [112.08, 32.68]},
                        (112.08, 32.68, 112.08, 32.68), grid_code="G01",
                        properties={"radius_m": radius, "dwell_s": 120.0, "visits_per_shift": 1,
                                    "time_windows": windows or []})


def _line(code="L1"):
    return LayerFeature("lines", code, "新华路", {"type": "LineString", "coordinates": [[112.08, 32.68], [112.09, 32.68]]},
                        (112.08, 32.68, 112.09, 32.68),
                        properties={"corridor_m": 30.0, "passes_per_shift": 2, "time_windows": []})


def test_form_follows_the_chosen_place_and_emits_typed_requests(qtbot):
    dock = PlaceRulesDock()
    qtbot.addWidget(dock)
    windows = [{"start": "19:00", "end": "23:00", "visits": 2}, {"start": "07:00", "end": "09:00", "visits": 1}]
    dock.set_places([_point(windows=windows)], [_line()])
    assert dock.tree.topLevelItem(0).childCount() == 1 and dock.tree.topLevelItem(1).childCount() == 1
    assert not dock.save_button.isEnabled()
    with qtbot.waitSignal(dock.sig_place_chosen) as chosen:
        dock.tree.setCurrentItem(dock.tree.topLevelItem(0).child(0))
    assert chosen.args[0] == PlaceChosen("points", "P1")
    assert dock.windows.text() == "19:00-23:00*2, 07:00-09:00" and dock.radius.value() == 50
    assert dock.radius.isVisibleTo(dock) and not dock.buffer.isVisibleTo(dock)
    dock.radius.setValue(80)
    with qtbot.waitSignal(dock.sig_rules_submitted) as submitted:
        qtbot.mouseClick(dock.save_button, Qt.MouseButton.LeftButton)
    form = submitted.args[0]
    assert isinstance(form, RulesSubmitted) and (form.layer, form.code, form.radius_m) == ("points", "P1", 80)

    # Re-read with the same rules (a move): the typed value stays; changed rules refill the form.
    dock.set_places([_point(windows=windows)], [_line()])
    assert dock.radius.value() == 80
    dock.set_places([_point(radius=60.0, windows=windows)], [_line()])
    assert dock.radius.value() == 60

    assert dock.select("lines", "L1") and dock.buffer.isVisibleTo(dock) and not dock.radius.isVisibleTo(dock)
    assert dock.passes.value() == 2


def test_tools_toggle_modes(qtbot):
    dock = PlaceRulesDock()
    qtbot.addWidget(dock)
    with qtbot.waitSignal(dock.sig_mode_requested) as on:
        qtbot.mouseClick(dock.tools["line"], Qt.MouseButton.LeftButton)
    assert on.args[0] == EditModeRequested("line") and dock.tools["line"].isChecked()
    with qtbot.waitSignal(dock.sig_mode_requested) as other:
        qtbot.mouseClick(dock.tools["delete"], Qt.MouseButton.LeftButton)
    assert other.args[0] == EditModeRequested("delete") and not dock.tools["line"].isChecked()
    with qtbot.waitSignal(dock.sig_mode_requested) as off:
        qtbot.mouseClick(dock.tools["delete"], Qt.MouseButton.LeftButton)
    assert off.args[0] == EditModeRequested(None)
    dock.set_editable(False)
    assert not any(b.isEnabled() for b in dock.tools.values())
