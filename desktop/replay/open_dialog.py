"""File → 回放: choose what to replay — a time window, or the window around one incident."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QDateTimeEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QRadioButton, QVBoxLayout,
)

from core.replay_frame import ReplayRequest, check_request


class ReplayDialog(QDialog):
    def __init__(self, zone: str = "Asia/Shanghai", now: datetime | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Replay"))
        self.request: ReplayRequest | None = None
        self.problem_field: str | None = None  # the field the last refusal named
        self.zone = QTimeZone(zone.encode())
        now = now or datetime.now(timezone.utc)
        self.by_window = QRadioButton(self.tr("A time window"))
        self.by_incident = QRadioButton(self.tr("The window around one incident"))
        self.by_window.setChecked(True)
        self.start_edit = self._edit(now - timedelta(hours=12))
        self.end_edit = self._edit(now - timedelta(hours=11))
        self.incident_edit = QLineEdit()
        self.incident_edit.setPlaceholderText(self.tr("incident number, e.g. JQ20261130-0001"))
        self.error = QLabel()
        self.error.setProperty("status", "alert")
        form = QFormLayout()
        form.addRow(self.by_window)
        form.addRow(self.tr("From"), self.start_edit)
        form.addRow(self.tr("To"), self.end_edit)
        form.addRow(self.by_incident)
        form.addRow(self.tr("Incident"), self.incident_edit)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("A replay is read-only and runs beside the live map.")))
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.incident_edit.textEdited.connect(lambda _t: self.by_incident.setChecked(True))

    def _edit(self, moment: datetime) -> QDateTimeEdit:
        edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(moment.timestamp()), self.zone))
        edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        edit.setCalendarPopup(True)
        return edit

    @staticmethod
    def _utc(edit: QDateTimeEdit) -> datetime:
        return datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), timezone.utc)

    def _on_accept(self) -> None:
        if self.by_incident.isChecked():
            request = ReplayRequest(incident=self.incident_edit.text().strip())
        else:
            request = ReplayRequest(start=self._utc(self.start_edit), end=self._utc(self.end_edit))
        problem = check_request(request)
        if problem:
            self.problem_field = problem.split(":", 1)[0]
            texts = {"to": self.tr("To: must be after From."), "from": self.tr("From: give a start and an end."),
                     "incident": self.tr("Incident: give an incident number.")}
            self.error.setText(texts.get(self.problem_field, problem))
            return
        self.request = request
        self.accept()
