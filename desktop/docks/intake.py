"""Incident intake (接警): where (a map click, typed coordinates in WGS84 or GCJ-02,
or a gazetteer search), what (category from both vocabularies, level, source), who
called, and a description. The dock only shows and asks: typed coordinates and place
queries go to the incident controller (``sig_coordinates_typed``, ``sig_place_query``),
which parses, converts and searches, and answers with ``show_location`` /
``show_places`` / ``show_error``. Submitting emits an ``IncidentDraft``."""
from __future__ import annotations

import sys

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDockWidget, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
    QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from core.code_tables import CodeTables
from core.gazetteer_types import Place
from core.incident_actions import IncidentDraft, TypedCoordinates
from desktop import theme


class IntakeDock(QDockWidget):
    """Declared header: name ``intake``; signals ``sig_incident_submitted(IncidentDraft)``,
    ``sig_coordinates_typed(TypedCoordinates)``, ``sig_place_query(str)``, ``sig_place_chosen(Place)``,
    ``sig_pick_requested(bool)``, ``sig_duplicate_chosen(int)``."""

    NAME = "intake"
    sig_incident_submitted = Signal(object)  # IncidentDraft
    sig_coordinates_typed = Signal(object)  # TypedCoordinates
    sig_place_query = Signal(str)
    sig_place_chosen = Signal(object)  # Place
    sig_pick_requested = Signal(bool)
    sig_duplicate_chosen = Signal(int)

    def __init__(self, parent=None, language: str = "zh_CN"):
        super().__init__(self.tr("Incident intake"), parent)
        self.setObjectName("dock_intake")
        self.language = language
        self.location: tuple[float, float] | None = None  # WGS84, as the controller last set it
        self._duplicate_ids: list[int] = []

        self.pick_button = QPushButton(self.tr("Pick on map"))
        self.pick_button.setCheckable(True)
        self.lonlat = QLineEdit()
        self.lonlat.setPlaceholderText(self.tr("lon, lat  e.g. 112.0812, 32.6845"))
        self.coord_crs = QComboBox()
        self.coord_crs.addItem("WGS84", "wgs84")
        self.coord_crs.addItem(self.tr("GCJ-02 (phone maps)"), "gcj02")
        self.place_search = QLineEdit()
        self.place_search.setPlaceholderText(self.tr("Search a place, street, must-visit point (汉字 or pinyin initials)"))
        self.place_list = QListWidget()
        self.place_list.setMaximumHeight(110)
        self.place_list.hide()
        self.location_label = QLabel(self.tr("No location yet"))
        self.location_label.setWordWrap(True)
        self.category = QComboBox()
        self.level = QComboBox()
        self.source = QComboBox()
        self.caller = QLineEdit()
        self.caller_phone = QLineEdit()
        self.address = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(80)
        self.duplicate_label = QLabel()
        self.duplicate_label.setWordWrap(True)
        theme.set_role(self.duplicate_label, "warning")
        self.duplicate_label.setTextFormat(Qt.TextFormat.RichText)
        self.duplicate_label.linkActivated.connect(self._on_duplicate_link)
        self.duplicate_label.hide()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        theme.set_role(self.error_label, "error")
        self.submit_button = QPushButton(self.tr("Create incident"))
        theme.set_role(self.submit_button, "primary")

        coords = QHBoxLayout()
        coords.addWidget(self.lonlat, 1)
        coords.addWidget(self.coord_crs)
        form = QFormLayout()
        form.addRow(self.pick_button)
        form.addRow(self.tr("Coordinates"), coords)
        form.addRow(self.tr("Place"), self.place_search)
        form.addRow(self.place_list)
        form.addRow(self.location_label)
        form.addRow(self.tr("Category"), self.category)
        form.addRow(self.tr("Level"), self.level)
        form.addRow(self.tr("Source"), self.source)
        form.addRow(self.tr("Caller"), self.caller)
        form.addRow(self.tr("Phone"), self.caller_phone)
        form.addRow(self.tr("Address"), self.address)
        form.addRow(self.tr("Description"), self.description)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(form)
        layout.addWidget(self.duplicate_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.submit_button)
        layout.addStretch(1)
        self.setWidget(body)

        self.pick_button.toggled.connect(self.sig_pick_requested.emit)
        self.lonlat.editingFinished.connect(self._on_coordinates_typed)
        self.place_search.textChanged.connect(self._on_place_query)
        self.place_list.itemActivated.connect(self._on_place_chosen)
        self.place_list.itemClicked.connect(self._on_place_chosen)
        self.submit_button.clicked.connect(self._on_submit)

    # --- data from the controller ----------------------------------------------------------
    def set_code_tables(self, tables: CodeTables, language: str | None = None) -> None:
        self.language = language or self.language
        for box, table in ((self.category, "category"), (self.level, "level"), (self.source, "source")):
            box.clear()
            for entry in tables.get(table, []):
                text = entry.label(self.language)
                if table == "category":
                    vocab = self.tr("110") if entry.extra.get("vocabulary") == "110" else self.tr("City management")
                    text = f"{text} · {vocab}"
                box.addItem(text, entry.code)

    def show_places(self, hits: list[Place]) -> None:
        self.place_list.clear()
        for place in hits:
            item = QListWidgetItem(place.name)
            item.setData(Qt.ItemDataRole.UserRole, place)
            self.place_list.addItem(item)
        self.place_list.setVisible(bool(hits))

    def show_location(self, lon: float, lat: float, grid_name: str | None, describe: str = "") -> None:
        """A WGS84 location chosen by any means, with the name of its grid (None: outside every grid)."""
        self.location = (lon, lat)
        self.show_error("")
        where = f"{lon:.6f}, {lat:.6f}"
        grid = grid_name or self.tr("outside every grid")
        self.location_label.setText(self.tr("Location: %1 (WGS84) · grid %2").replace("%1", where).replace("%2", grid)
                                    + (f" · {describe}" if describe else ""))
        self.set_picking(False)

    def set_picking(self, on: bool) -> None:
        """Model→widget: the pick button follows the controller's pick mode without echoing."""
        self.pick_button.blockSignals(True)
        self.pick_button.setChecked(on)
        self.pick_button.blockSignals(False)

    def show_duplicates(self, duplicates: list[tuple[int, str]]) -> None:
        """Possible duplicates as (incident id, number): each a one-click link."""
        self._duplicate_ids = [d[0] for d in duplicates]
        if not duplicates:
            self.duplicate_label.hide()
            return
        links = "、".join(f'<a href="{i}">{number}</a>' for i, number in duplicates)
        self.duplicate_label.setText(self.tr("Possible duplicate of open incident(s): %1").replace("%1", links))
        self.duplicate_label.show()

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)

    def clear_form(self) -> None:
        for edit in (self.caller, self.caller_phone, self.address, self.lonlat, self.place_search):
            edit.clear()
        self.description.clear()
        self.error_label.clear()
        self.location = None
        self.location_label.setText(self.tr("No location yet"))

    # --- reactions -------------------------------------------------------------------------
    def _on_coordinates_typed(self) -> None:
        text = self.lonlat.text().strip()
        if text:
            self.sig_coordinates_typed.emit(TypedCoordinates(text, self.coord_crs.currentData()))

    def _on_place_query(self, text: str) -> None:
        self.sig_place_query.emit(text)

    def _on_place_chosen(self, item: QListWidgetItem) -> None:
        place: Place = item.data(Qt.ItemDataRole.UserRole)
        self.place_list.hide()
        if not self.address.text():
            self.address.setText(place.name)
        self.sig_place_chosen.emit(place)

    def _on_duplicate_link(self, href: str) -> None:
        self.sig_duplicate_chosen.emit(int(href))

    def _on_submit(self) -> None:
        if self.location is None:
            self.show_error(self.tr("Choose a location first: click the map, type coordinates or search a place."))
            return
        if self.category.currentData() is None:
            self.show_error(self.tr("Choose a category."))
            return
        self.show_error("")
        lon, lat = self.location
        self.sig_incident_submitted.emit(IncidentDraft(
            lon=lon, lat=lat, category=self.category.currentData(), level=self.level.currentData(),
            source=self.source.currentData(), caller=self.caller.text().strip() or None,
            caller_phone=self.caller_phone.text().strip() or None,
            address=self.address.text().strip() or None,
            description=self.description.toPlainText().strip() or None,
        ))


def preview() -> None:  # python -m desktop.docks.intake
    from desktop.preview import run_preview

    def build(layers):
        from core.gazetteer import build_gazetteer, search

        places = build_gazetteer(layers)
        dock = IntakeDock()
        dock.sig_place_query.connect(lambda text: dock.show_places(search(places, text, limit=12)))
        dock.sig_place_chosen.connect(lambda p: dock.show_location(p.lon, p.lat, None, p.name))
        dock.sig_incident_submitted.connect(lambda d: print("submitted:", d))
        return dock

    sys.exit(run_preview(build))


if __name__ == "__main__":
    preview()
