"""What the finding form and the new-work-order form share: a non-modal dialog (the map
stays usable, to pick the location) with a location field, one error line naming the
field in the form's own words, a result line, and a submit button."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QPushButton, QVBoxLayout

from desktop import theme
from desktop.docks.location_field import LocationField


class RecordForm(QDialog):
    def __init__(self, title: str, submit_text: str, parent=None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.Tool, True)  # stays above the window, never blocks the map
        self.location = LocationField(self)
        self.form = QFormLayout()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        theme.set_role(self.error_label, "error")
        self.result_label = QLabel()
        self.result_label.setWordWrap(True)
        self.submit_button = QPushButton(submit_text)
        theme.set_role(self.submit_button, "primary")
        self.submit_button.clicked.connect(self._on_submit)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.error_label)
        layout.addWidget(self.result_label)
        layout.addWidget(self.submit_button)

    def field_labels(self) -> dict[str, str]:
        """The names the form shows for the operation's field names."""
        where = QCoreApplication.translate("RecordForm", "Location")  # the subclasses' own tr() has their context
        return {"lon": where, "lat": where}

    def show_error(self, field: str | None, message: str) -> None:
        """One line naming the field as the form calls it; nothing was written."""
        name = self.field_labels().get(field, field) if field else None
        self.error_label.setText(f"{name}: {message}" if name else message)
        self.result_label.clear()

    def show_result(self, text: str, warning: bool = False) -> None:
        self.error_label.clear()
        self.result_label.setText(text)
        theme.set_role(self.result_label, "warning" if warning else "")

    def _on_submit(self) -> None:
        raise NotImplementedError
