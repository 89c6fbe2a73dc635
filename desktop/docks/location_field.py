"""Where a finding or a new work order is: picked on the map or typed (WGS84 or GCJ-02),
shown with the name of its grid. The field only shows and asks: the pick button and typed
coordinates go to the controller (``sig_pick_requested``, ``sig_coordinates_typed``),
which answers with ``show_location`` or ``show_error``."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from core.incident_actions import TypedCoordinates
from desktop import theme


class LocationField(QWidget):
    sig_pick_requested = Signal(bool)
    sig_coordinates_typed = Signal(object)  # TypedCoordinates

    def __init__(self, parent=None):
        super().__init__(parent)
        self.location: tuple[float, float] | None = None  # WGS84, as the controller last set it
        self.outside_grid = False
        self.pick_button = QPushButton(self.tr("Pick on map"))
        self.pick_button.setCheckable(True)
        self.lonlat = QLineEdit()
        self.lonlat.setPlaceholderText(self.tr("lon, lat  e.g. 112.0812, 32.6845"))
        self.crs = QComboBox()
        self.crs.addItem("WGS84", "wgs84")
        self.crs.addItem(self.tr("GCJ-02 (phone maps)"), "gcj02")
        self.label = QLabel(self.tr("No location yet"))
        self.label.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.pick_button)
        row.addWidget(self.lonlat, 1)
        row.addWidget(self.crs)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.label)
        self.pick_button.toggled.connect(self.sig_pick_requested.emit)
        self.lonlat.editingFinished.connect(self._on_typed)

    def show_location(self, lon: float, lat: float, grid_name: str | None) -> None:
        """A WGS84 location chosen by any means, with its grid's name (None: outside every grid)."""
        self.location = (lon, lat)
        self.outside_grid = grid_name is None
        where = f"{lon:.6f}, {lat:.6f}"
        if grid_name is None:
            text = self.tr("Location: %1 (WGS84) · outside every grid (allowed)").replace("%1", where)
        else:
            text = self.tr("Location: %1 (WGS84) · grid %2").replace("%1", where).replace("%2", grid_name)
        self.label.setText(text)
        theme.set_role(self.label, "warning" if grid_name is None else "")
        self.set_picking(False)

    def show_error(self, message: str) -> None:
        self.label.setText(message)
        theme.set_role(self.label, "error")

    def set_picking(self, on: bool) -> None:
        """Model→widget: the button follows the controller's pick mode without echoing."""
        self.pick_button.blockSignals(True)
        self.pick_button.setChecked(on)
        self.pick_button.blockSignals(False)

    def clear(self) -> None:
        self.location = None
        self.outside_grid = False
        self.lonlat.clear()
        self.label.setText(self.tr("No location yet"))
        theme.set_role(self.label, "")
        self.set_picking(False)

    def _on_typed(self) -> None:
        text = self.lonlat.text().strip()
        if text:
            self.sig_coordinates_typed.emit(TypedCoordinates(text, self.crs.currentData()))
