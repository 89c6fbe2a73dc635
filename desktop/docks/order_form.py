"""The new-work-order form (新建交办单): title, description, department (editable code
table), kind, where (picked on the map or typed; may be left out), source, an optional
incident, and an optional issue time to back-enter a paper order. Submitting emits an
``OrderDraft``; the controller issues it through ``db.workorder_ops.issue_order`` and
answers with ``show_result`` (a place outside every grid is allowed, and said) or
``show_error`` (nothing written)."""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QDateTime, QTimeZone, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QDateTimeEdit, QHBoxLayout, QLineEdit, QPlainTextEdit

from core.code_tables import CodeTables
from core.findings import OrderDraft
from core.workorders import KINDS, SOURCES
from desktop.docks.finding_form import kind_names
from desktop.docks.record_form import RecordForm


def source_names() -> dict[str, str]:
    from PySide6.QtCore import QCoreApplication as Q

    return {"patrol": Q.translate("workorders", "Patrol"), "incident": Q.translate("workorders", "Incident"),
            "hotline": Q.translate("workorders", "Hotline (12345)"), "manual": Q.translate("workorders", "Manual")}


class OrderForm(RecordForm):
    """Declared header: signal ``sig_submitted(OrderDraft)``; ``location`` is a LocationField."""

    sig_submitted = Signal(object)  # OrderDraft

    def __init__(self, parent=None, zone: str = "Asia/Shanghai", language: str = "zh_CN"):
        super().__init__(self.tr("New work order"), self.tr("Issue work order"), parent)
        self.setObjectName("order_form")
        self.zone = zone
        self.language = language
        self.title = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(90)
        self.department = QComboBox()
        self.kind = QComboBox()
        for code in KINDS:
            self.kind.addItem(kind_names()[code], code)
        self.source = QComboBox()
        for code in SOURCES:
            self.source.addItem(source_names()[code], code)
        self.source.setCurrentIndex(self.source.findData("manual"))
        self.incident = QComboBox()
        self.back_entered = QCheckBox(self.tr("Back-enter a paper order issued at"))
        self.issued_at = QDateTimeEdit()
        self.issued_at.setCalendarPopup(True)
        self.issued_at.setTimeZone(QTimeZone(zone.encode()))
        self.issued_at.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.issued_at.setEnabled(False)
        self.back_entered.toggled.connect(self.issued_at.setEnabled)
        issued = QHBoxLayout()
        issued.addWidget(self.back_entered)
        issued.addWidget(self.issued_at, 1)
        f = self.form
        f.addRow(self.tr("Title"), self.title)
        f.addRow(self.tr("Description"), self.description)
        f.addRow(self.tr("Department"), self.department)
        f.addRow(self.tr("Kind"), self.kind)
        f.addRow(self.location)
        f.addRow(self.tr("Source"), self.source)
        f.addRow(self.tr("Incident"), self.incident)
        f.addRow(issued)
        self.set_incidents([])
        self.resize(460, 480)

    def field_labels(self) -> dict[str, str]:
        return {**super().field_labels(), "title": self.tr("Title"), "description": self.tr("Description"),
                "department": self.tr("Department"), "kind": self.tr("Kind"), "source": self.tr("Source"),
                "incident": self.tr("Incident"), "issued_at": self.tr("Issued at")}

    # --- data from the controller ------------------------------------------------------
    def set_code_tables(self, tables: CodeTables, language: str | None = None) -> None:
        self.language = language or self.language
        keep = self.department.currentData()
        self.department.clear()
        for entry in tables.get("department", []):
            self.department.addItem(entry.label(self.language), entry.code)
        self.department.setCurrentIndex(max(0, self.department.findData(keep)))

    def set_incidents(self, incidents: list[tuple[int, str]]) -> None:
        """Open incidents an order may belong to, as (id, text)."""
        keep = self.incident.currentData()
        self.incident.clear()
        self.incident.addItem(self.tr("None"), None)
        for incident_id, text in incidents:
            self.incident.addItem(text, incident_id)
        self.incident.setCurrentIndex(max(0, self.incident.findData(keep)) if keep is not None else 0)

    def set_now(self, now: datetime) -> None:
        """A back-entered order starts from now, in the configured zone."""
        self.issued_at.setDateTime(QDateTime.fromSecsSinceEpoch(int(now.timestamp()), QTimeZone(self.zone.encode())))

    def clear_form(self) -> None:
        self.title.clear()
        self.description.clear()
        self.location.clear()
        self.back_entered.setChecked(False)
        self.incident.setCurrentIndex(0)
        self.error_label.clear()

    def show_issued(self, number: str, department_name: str, outside_grid: bool) -> None:
        text = self.tr("Work order %1 issued to %2.").replace("%1", number).replace("%2", department_name)
        if outside_grid:
            text += " " + self.tr("Its location is outside every grid.")
        self.show_result(text, warning=outside_grid)

    def _on_submit(self) -> None:
        lon, lat = self.location.location or (None, None)
        issued = None
        if self.back_entered.isChecked():
            issued = datetime.fromtimestamp(self.issued_at.dateTime().toSecsSinceEpoch(), timezone.utc)
        self.sig_submitted.emit(OrderDraft(
            title=self.title.text(), description=self.description.toPlainText(),
            department=self.department.currentData(), kind=self.kind.currentData(),
            source=self.source.currentData(), lon=lon, lat=lat, incident_id=self.incident.currentData(),
            issued_at=issued))
