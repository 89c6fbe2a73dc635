"""Closing an incident (办结) asks for its outcome: people rescued, property recovered (¥),
a dispute mediated, a traffic accident settled on the spot (core.outcomes). Whether the
grid's own patrol group handled it after a nearest-unit dispatch is derived from the
dispatches, so it is shown as a note, never asked.

The dialog only collects: it emits ``sig_outcome_submitted(CloseRequest)`` and the
incident controller writes (db.incident_ops.close_incident)."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox, QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QSpinBox,
)

from core.outcomes import MAX_PROPERTY_CNY, MAX_RESCUED, Outcome, check_outcome


@dataclass(frozen=True)
class CloseRequest:
    incident_id: int
    version: int  # the version the dispatcher saw (optimistic locking)
    outcome: Outcome
    note: str | None = None


class OutcomeDialog(QDialog):
    sig_outcome_submitted = Signal(object)  # CloseRequest

    def __init__(self, incident_id: int, number: str, version: int, parent=None):
        super().__init__(parent)
        self.setObjectName("outcome_dialog")
        self.incident_id, self.version = incident_id, version
        self.setWindowTitle(self.tr("Close incident %1").replace("%1", number))
        self.rescued = QSpinBox()
        self.rescued.setRange(0, MAX_RESCUED)
        self.rescued.setSuffix(self.tr(" people"))
        self.property = QDoubleSpinBox()
        self.property.setRange(0.0, MAX_PROPERTY_CNY)
        self.property.setDecimals(2)
        self.property.setPrefix("¥ ")
        self.property.setGroupSeparatorShown(True)
        self.mediated = QCheckBox(self.tr("Dispute mediated"))
        self.accident = QCheckBox(self.tr("Traffic accident handled on scene (simple procedure)"))
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("What was done"))
        derived = QLabel(self.tr("Nearest-unit dispatch to the grid's own patrol group is derived from the "
                                 "dispatches; it is not entered here."))
        derived.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("People rescued"), self.rescued)
        form.addRow(self.tr("Property recovered"), self.property)
        form.addRow("", self.mediated)
        form.addRow("", self.accident)
        form.addRow(self.tr("Note"), self.note)
        form.addRow(derived)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Close incident"))
        self.buttons.accepted.connect(self._on_accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.setMinimumWidth(380)

    def request(self) -> CloseRequest:
        outcome = check_outcome({"rescued": self.rescued.value(), "property_recovered_cny": self.property.value(),
                                 "mediated": self.mediated.isChecked(),
                                 "accident_on_scene": self.accident.isChecked()})
        return CloseRequest(self.incident_id, self.version, outcome, self.note.text().strip() or None)

    def _on_accept(self) -> None:
        self.sig_outcome_submitted.emit(self.request())
        self.accept()


if __name__ == "__main__":  # preview: python -m desktop.docks.outcome_dialog
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    dialog = OutcomeDialog(1, "JQ20220818-0007", 1)
    dialog.sig_outcome_submitted.connect(print)
    dialog.show()
    sys.exit(app.exec())
