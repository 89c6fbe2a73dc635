"""The patrol-finding form (巡查发现): where (picked on the map, typed, or the incident's
place), the category from the editable code table, a description, photos (files), and how
it ended: handled on the spot (立查立纠) or handed over (移交) on a new work order whose
department defaults to the category's. Submitting emits a ``FindingDraft``; the
controller records it through ``db.findings_ops.record_finding`` and answers with
``show_result`` or ``show_error`` (nothing written)."""
from __future__ import annotations

import os

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup, QComboBox, QFileDialog, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QListWidget, QPlainTextEdit,
    QPushButton, QRadioButton, QVBoxLayout, QWidget,
)

from core.code_tables import CodeTables
from core.findings import FindingDraft
from core.workorders import KINDS
from desktop.docks.record_form import RecordForm

IMAGE_FILTER = "*.jpg *.jpeg *.png *.gif *.webp"


def kind_names() -> dict[str, str]:
    from PySide6.QtCore import QCoreApplication as Q

    return {"ordinary": Q.translate("workorders", "Ordinary (7 days)"),
            "major": Q.translate("workorders", "Major or complex (1 month)")}


class FindingForm(RecordForm):
    """Declared header: signal ``sig_submitted(FindingDraft)``; ``location`` is a LocationField."""

    sig_submitted = Signal(object)  # FindingDraft

    def __init__(self, parent=None, language: str = "zh_CN"):
        super().__init__(self.tr("Record patrol finding"), self.tr("Record finding"), parent)
        self.setObjectName("finding_form")
        self.language = language
        self.incident_id: int | None = None
        self._default_department: dict[str, str] = {}
        self._department_chosen = False  # the user chose one: a category change keeps it
        self.incident_label = QLabel()
        self.incident_label.hide()
        self.category = QComboBox()
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(90)
        self.photos = QListWidget()
        self.photos.setMaximumHeight(72)
        self.add_photo_button = QPushButton(self.tr("Add photos…"))
        self.remove_photo_button = QPushButton(self.tr("Remove"))
        self.on_spot = QRadioButton(self.tr("Handled on the spot (立查立纠)"))
        self.handed_over = QRadioButton(self.tr("Handed over on a work order (移交)"))
        self.outcome = QButtonGroup(self)
        self.outcome.addButton(self.on_spot)
        self.outcome.addButton(self.handed_over)
        self.on_spot.setChecked(True)
        self.department = QComboBox()
        self.kind = QComboBox()
        for code in KINDS:
            self.kind.addItem(kind_names()[code], code)
        self.title = QLineEdit()
        self.title.setPlaceholderText(self.tr("Default: the category and the description"))

        photo_buttons = QVBoxLayout()
        photo_buttons.addWidget(self.add_photo_button)
        photo_buttons.addWidget(self.remove_photo_button)
        photo_buttons.addStretch(1)
        photos = QHBoxLayout()
        photos.addWidget(self.photos, 1)
        photos.addLayout(photo_buttons)
        outcome = QHBoxLayout()
        outcome.addWidget(self.on_spot)
        outcome.addWidget(self.handed_over)
        self.order_box = QGroupBox(self.tr("Work order"))
        order_form = QVBoxLayout(self.order_box)
        for label, widget in ((self.tr("Department"), self.department), (self.tr("Kind"), self.kind),
                              (self.tr("Title"), self.title)):
            row = QHBoxLayout()
            row.addWidget(QLabel(label))
            row.addWidget(widget, 1)
            order_form.addLayout(row)
        f = self.form
        f.addRow(self.location)
        f.addRow(self.incident_label)
        f.addRow(self.tr("Category"), self.category)
        f.addRow(self.tr("Description"), self.description)
        photo_box = QWidget()
        photo_box.setLayout(photos)
        photos.setContentsMargins(0, 0, 0, 0)
        f.addRow(self.tr("Photos"), photo_box)
        f.addRow(self.tr("Outcome"), outcome)
        f.addRow(self.order_box)
        self.resize(460, 560)

        self.add_photo_button.clicked.connect(self._on_add_photos)
        self.remove_photo_button.clicked.connect(self._on_remove_photo)
        self.handed_over.toggled.connect(self.order_box.setEnabled)
        self.category.currentIndexChanged.connect(self._on_category_changed)
        self.department.activated.connect(lambda _i: setattr(self, "_department_chosen", True))
        self.order_box.setEnabled(False)

    def field_labels(self) -> dict[str, str]:
        return {**super().field_labels(), "category": self.tr("Category"), "description": self.tr("Description"),
                "outcome": self.tr("Outcome"), "department": self.tr("Department"), "kind": self.tr("Kind"),
                "title": self.tr("Title"), "found_at": self.tr("Found at"), "incident": self.tr("Incident"),
                **{f"photo {n}": self.tr("Photo %1 (%2)").replace("%1", str(n)).replace("%2", os.path.basename(p))
                   for n, p in enumerate(self.photo_paths(), 1)}}

    # --- data from the controller ------------------------------------------------------
    def set_code_tables(self, tables: CodeTables, language: str | None = None) -> None:
        self.language = language or self.language
        self._default_department = {e.code: e.extra.get("department") for e in tables.get("finding_category", [])}
        for box, table in ((self.category, "finding_category"), (self.department, "department")):
            keep = box.currentData()
            box.blockSignals(True)
            box.clear()
            for entry in tables.get(table, []):
                box.addItem(entry.label(self.language), entry.code)
            box.setCurrentIndex(max(0, box.findData(keep)))
            box.blockSignals(False)
        self._on_category_changed()

    def set_incident(self, incident_id: int | None, number: str = "") -> None:
        """Recorded from an incident: its place is the finding's, and the order links it."""
        self.incident_id = incident_id
        self.incident_label.setText(self.tr("From incident %1").replace("%1", number))
        self.incident_label.setVisible(incident_id is not None)

    def clear_form(self) -> None:
        """Ready for the next finding: the category and outcome stay, the rest goes."""
        self.description.clear()
        self.photos.clear()
        self.title.clear()
        self.location.clear()
        self.set_incident(None)
        self.error_label.clear()

    def show_recorded(self, finding_id: int, grid_code: str | None, order_number: str | None) -> None:
        """Recorded: say where, and how it ended; a place outside every grid is said as a warning."""
        grid = grid_code or self.tr("outside every grid")
        if order_number is not None:
            text = self.tr("Finding %1 recorded (grid %2), handed over on work order %3.").replace("%3", order_number)
        else:
            text = self.tr("Finding %1 recorded (grid %2), handled on the spot.")
        self.show_result(text.replace("%1", str(finding_id)).replace("%2", grid), warning=grid_code is None)

    # --- reactions -----------------------------------------------------------------------
    def add_photos(self, paths: list[str]) -> None:
        known = set(self.photo_paths())
        for path in paths:
            if path not in known:
                self.photos.addItem(path)
                known.add(path)

    def photo_paths(self) -> list[str]:
        return [self.photos.item(i).text() for i in range(self.photos.count())]

    def _on_add_photos(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, self.tr("Photos of the finding"), "",
                                                self.tr("Images (%1);;All files (*)").replace("%1", IMAGE_FILTER))
        self.add_photos(paths)

    def _on_remove_photo(self) -> None:
        for item in self.photos.selectedItems():
            self.photos.takeItem(self.photos.row(item))

    def _on_category_changed(self, *_args) -> None:
        department = self._default_department.get(self.category.currentData())
        if department and not self._department_chosen:
            self.department.setCurrentIndex(max(0, self.department.findData(department)))

    def _on_submit(self) -> None:
        if self.location.location is None:
            self.show_error(None, self.tr("Choose a location first: pick it on the map or type coordinates."))
            return
        if self.category.currentData() is None:
            self.show_error(None, self.tr("Choose a category."))
            return
        lon, lat = self.location.location
        handed_over = self.handed_over.isChecked()
        self.sig_submitted.emit(FindingDraft(
            lon=lon, lat=lat, category=self.category.currentData(), description=self.description.toPlainText(),
            outcome="handed_over" if handed_over else "on_spot", photo_paths=tuple(self.photo_paths()),
            incident_id=self.incident_id,
            department=self.department.currentData() if handed_over else None,
            kind=self.kind.currentData() if handed_over else "ordinary",
            title=(self.title.text().strip() or None) if handed_over else None,
        ))
