"""The 办结 outcome dialog collects the outcome and emits it; it decides nothing."""
from __future__ import annotations

from PySide6.QtCore import Qt

from core.outcomes import Outcome
from desktop.docks.outcome_dialog import CloseRequest, OutcomeDialog


def test_the_dialog_emits_the_outcome_entered(qtbot):
    dialog = OutcomeDialog(7, "JQ20220818-0007", 3)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.rescued.setValue(2)
    dialog.property.setValue(350.5)
    dialog.accident.setChecked(True)
    dialog.note.setText("  简易程序处理  ")
    with qtbot.waitSignal(dialog.sig_outcome_submitted) as signal:
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok), Qt.MouseButton.LeftButton)
    assert signal.args[0] == CloseRequest(7, 3, Outcome(2, 350.5, False, True), "简易程序处理")
    assert not dialog.isVisible()


def test_cancel_emits_nothing(qtbot):
    dialog = OutcomeDialog(7, "JQ20220818-0007", 3)
    qtbot.addWidget(dialog)
    dialog.show()
    emitted = []
    dialog.sig_outcome_submitted.connect(emitted.append)
    qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert emitted == [] and not dialog.isVisible()


def test_render(qtbot, tmp_path):
    dialog = OutcomeDialog(7, "JQ20220818-0007", 3)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.rescued.setValue(1)
    dialog.mediated.setChecked(True)
    assert dialog.grab().save(str(tmp_path / "outcome.png"))
