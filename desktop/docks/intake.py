"""Incident intake (接警): where (a map click, typed coordinates in WGS84 or GCJ-02,
or a gazetteer search), what (category from both vocabularies, level, source), who
called, and a description. Submitting emits ``sig_incident_submitted`` with a dict;
the composition root runs the operation and reports back through ``show_result``."""
from __future__ import annotations

import sys

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox, QDockWidget, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
    QPlainTextEdit, QPushButton, QVBoxLayout, QWidget,
)

from core.code_tables import CodeTables
from core.gazetteer_types import Place


class IntakeDock(QDockWidget):
    """Declared header: name ``intake``; signals ``sig_incident_submitted(dict)``,
    ``sig_location_changed(lon, lat)`` (WGS84), ``sig_pick_requested(bool)``,
    ``sig_duplicate_chosen(int)``."""

    NAME = "intake"
    sig_incident_submitted = Signal(dict)
    sig_location_changed = Signal(float, float)
    sig_pick_requested = Signal(bool)
    sig_duplicate_chosen = Signal(int)

    def __init__(self, parent=None, language: str = "zh_CN"):
        super().__init__(self.tr("Incident intake"), parent)
        self.setObjectName("dock_intake")
        self.language = language
        self.places: list[Place] = []
        self.location: tuple[float, float] | None = None  # WGS84
        self.grid_of = lambda lon, lat: None  # set by the composition root from the grids layer
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
        self.duplicate_label.setStyleSheet("color: #e65100; font-weight: bold;")
        self.duplicate_label.setTextFormat(Qt.TextFormat.RichText)
        self.duplicate_label.linkActivated.connect(self._on_duplicate_link)
        self.duplicate_label.hide()
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b71c1c;")
        self.submit_button = QPushButton(self.tr("Create incident"))
        self.submit_button.setStyleSheet("font-weight: bold; padding: 6px;")

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

    # --- data from the composition root ------------------------------------------------
    def set_code_tables(self, tables: CodeTables) -> None:
        for box, table in ((self.category, "category"), (self.level, "level"), (self.source, "source")):
            box.clear()
            for entry in tables.get(table, []):
                text = entry.label(self.language)
                if table == "category":
                    vocab = self.tr("110") if entry.extra.get("vocabulary") == "110" else self.tr("City management")
                    text = f"{text} · {vocab}"
                box.addItem(text, entry.code)

    def set_places(self, places: list[Place]) -> None:
        self.places = places

    def set_location(self, lon: float, lat: float, describe: str = "") -> None:
        """A WGS84 location chosen by any means; shown with its grid."""
        self.location = (lon, lat)
        where = f"{lon:.6f}, {lat:.6f}"
        grid = self.grid_of(lon, lat) or self.tr("outside every grid")
        self.location_label.setText(self.tr("Location: %1 (WGS84) · grid %2").replace("%1", where).replace("%2", grid)
                                    + (f" · {describe}" if describe else ""))
        self.pick_button.setChecked(False)
        self.sig_location_changed.emit(lon, lat)

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
        text = self.lonlat.text().replace("，", ",").replace(" ", ",")
        parts = [p for p in text.split(",") if p]
        try:
            lon, lat = float(parts[0]), float(parts[1])
        except (ValueError, IndexError):
            if text:
                self.show_error(self.tr("Type longitude and latitude, e.g. 112.0812, 32.6845"))
            return
        if abs(lat) > 90 and abs(lon) <= 90:
            lon, lat = lat, lon  # copied as "lat, lon" from a phone: accept it
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            self.show_error(self.tr("Coordinates out of range"))
            return
        if self.coord_crs.currentData() == "gcj02":
            from core.crs import gcj02_to_wgs84, in_china

            if not in_china(lon, lat):
                self.show_error(self.tr("GCJ-02 coordinates must lie in China"))
                return
            lon, lat = gcj02_to_wgs84(lon, lat)
        self.show_error("")
        self.set_location(lon, lat)

    def _on_place_query(self, text: str) -> None:
        from core.gazetteer import search

        self.place_list.clear()
        hits = search(self.places, text, limit=12)
        for place in hits:
            item = QListWidgetItem(place.name)
            item.setData(Qt.ItemDataRole.UserRole, place)
            self.place_list.addItem(item)
        self.place_list.setVisible(bool(hits))

    def _on_place_chosen(self, item: QListWidgetItem) -> None:
        place: Place = item.data(Qt.ItemDataRole.UserRole)
        self.place_list.hide()
        if not self.address.text():
            self.address.setText(place.name)
        self.set_location(place.lon, place.lat, describe=place.name)

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
        self.sig_incident_submitted.emit({
            "lon": lon, "lat": lat, "category": self.category.currentData(), "level": self.level.currentData(),
            "source": self.source.currentData(), "caller": self.caller.text().strip() or None,
            "caller_phone": self.caller_phone.text().strip() or None,
            "address": self.address.text().strip() or None,
            "description": self.description.toPlainText().strip() or None,
        })


def preview() -> None:  # python -m desktop.docks.intake
    from desktop.preview import run_preview

    def build(layers):
        from core.gazetteer import build_gazetteer

        dock = IntakeDock()
        dock.set_places(build_gazetteer(layers))
        dock.sig_incident_submitted.connect(lambda d: print("submitted:", d))
        return dock

    sys.exit(run_preview(build))


if __name__ == "__main__":
    preview()
