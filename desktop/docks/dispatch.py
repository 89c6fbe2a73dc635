"""Nearest-unit dispatch (就近派警): the ranked recommendation for the selected
incident, its 1/3/5-minute rings, and the units a dispatcher ticks to send.
Hovering a row asks the map to draw that unit's route."""
from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox, QDockWidget, QHBoxLayout, QHeaderView, QLabel, QPushButton, QTableView, QVBoxLayout, QWidget,
)

from typing import TYPE_CHECKING

from desktop import labels, theme

if TYPE_CHECKING:  # core.dispatch pulls numpy and shapely: not on the start-up path
    from core.dispatch import Recommendation



class RecommendationModel(QAbstractTableModel):
    COLUMNS = ("send", "callsign", "tier", "agency", "eta", "ring", "distance", "grid")

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: "list[Recommendation]" = []
        self.checked: set[int] = set()
        self._agency = labels.agency_names()

    def set_recommendations(self, rows: "list[Recommendation]", keep_checked: bool = False) -> None:
        """New ranking; ``keep_checked`` keeps the ticks of units still listed (a refresh
        of the same incident must not undo what the dispatcher chose)."""
        self.beginResetModel()
        listed = {r.unit_id for r in rows}
        self.checked = (self.checked & listed) if keep_checked else set()
        self.rows = rows
        self.endResetModel()

    def chosen(self) -> "list[Recommendation]":
        return [r for r in self.rows if r.unit_id in self.checked]

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return ("", self.tr("Callsign"), self.tr("Tier"), self.tr("Agency"), self.tr("ETA"), self.tr("Ring"),
                    self.tr("Distance"), self.tr("Grid"))[section]
        return None

    def flags(self, index: QModelIndex):
        base = super().flags(index)
        return base | Qt.ItemFlag.ItemIsUserCheckable if self.COLUMNS[index.column()] == "send" else base

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.CheckStateRole and column == "send":
            return Qt.CheckState.Checked if r.unit_id in self.checked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "callsign":
                return r.callsign
            if column == "tier":
                return labels.tier_name(r.tier)
            if column == "agency":
                return self._agency.get(r.agency, r.agency)
            if column == "eta":
                text = labels.duration_text(r.eta_s)
                return text if r.mode == "road" else f"≈{text}"  # straight line: an estimate
            if column == "ring":
                return self.tr("%1 min").replace("%1", str(r.ring)) if r.ring else self.tr("beyond 5 min")
            if column == "distance":
                return labels.distance_text(r.distance_m)
            if column == "grid":
                return r.grid_code or ""
        if role == Qt.ItemDataRole.BackgroundRole and column == "ring" and r.ring:
            return QBrush(QColor(theme.ui_color("ring_fill", str(r.ring))))
        if role == Qt.ItemDataRole.ToolTipRole:
            return r.reason
        return None

    def setData(self, index: QModelIndex, value, role=Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.CheckStateRole or self.COLUMNS[index.column()] != "send":
            return False
        unit_id = self.rows[index.row()].unit_id
        if Qt.CheckState(value) == Qt.CheckState.Checked:
            self.checked.add(unit_id)
        else:
            self.checked.discard(unit_id)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True


class DispatchDock(QDockWidget):
    """Declared header: name ``dispatch``; signals ``sig_mode_changed(str)``,
    ``sig_dispatch_requested(list)`` (Recommendations), ``sig_route_hovered(object)``
    (a Recommendation, or None when the pointer leaves)."""

    NAME = "dispatch"
    sig_mode_changed = Signal(str)
    sig_dispatch_requested = Signal(list)
    sig_route_hovered = Signal(object)

    def __init__(self, parent=None):
        super().__init__(self.tr("Nearest-unit dispatch"), parent)
        self.setObjectName("dock_dispatch")
        self.model = RecommendationModel(self)
        self.incident_id: int | None = None
        self.title = QLabel(self.tr("Select an incident to see which units can reach it."))
        self.title.setWordWrap(True)
        self.rings_label = QLabel()
        self.rings_label.setWordWrap(True)
        self.mode_box = QComboBox()
        self.mode_box.addItem(self.tr("Road travel time"), "road")
        self.mode_box.addItem(self.tr("Straight line (estimate)"), "straight")
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setMouseTracking(True)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.viewport().installEventFilter(self)
        self.dispatch_button = QPushButton(self.tr("Dispatch selected units"))
        theme.set_role(self.dispatch_button, "primary")
        self.dispatch_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("Mode")))
        top.addWidget(self.mode_box, 1)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addLayout(top)
        layout.addWidget(self.rings_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.dispatch_button)
        self.setWidget(body)
        self.mode_box.currentIndexChanged.connect(lambda _i: self.sig_mode_changed.emit(self.mode_box.currentData()))
        self.table.entered.connect(self._on_row_entered)
        self.model.dataChanged.connect(self._on_checks_changed)
        self.model.modelReset.connect(self._on_checks_changed)
        self.dispatch_button.clicked.connect(self._on_dispatch)

    @property
    def mode(self) -> str:
        return self.mode_box.currentData()

    def set_mode(self, mode: str) -> None:
        self.mode_box.blockSignals(True)
        self.mode_box.setCurrentIndex(max(0, self.mode_box.findData(mode)))
        self.mode_box.blockSignals(False)

    def show_recommendations(self, title: str, recommendations: "list[Recommendation]", ring_counts: dict[int, int],
                             estimate: bool, incident_id: int | None = None) -> None:
        self.title.setText(title)
        counts = "  ".join(self.tr("%1 min: %2").replace("%1", str(r)).replace("%2", str(n)) for r, n in sorted(ring_counts.items()))
        note = self.tr("(straight-line estimate × detour factor)") if estimate else self.tr("(road travel time incl. turn-out)")
        within = self.tr("Units within")
        self.rings_label.setText(f"{within}: {counts} {note}")
        self.model.set_recommendations(recommendations, keep_checked=incident_id is not None
                                       and incident_id == self.incident_id)
        self.incident_id = incident_id

    def clear(self) -> None:
        self.incident_id = None
        self.title.setText(self.tr("Select an incident to see which units can reach it."))
        self.rings_label.clear()
        self.model.set_recommendations([])

    def eventFilter(self, obj, event) -> bool:
        if obj is self.table.viewport() and event.type() == QEvent.Type.Leave:
            self.sig_route_hovered.emit(None)
        return super().eventFilter(obj, event)

    def _on_row_entered(self, index: QModelIndex) -> None:
        if index.isValid():
            self.sig_route_hovered.emit(self.model.rows[index.row()])

    def _on_checks_changed(self, *args) -> None:
        self.dispatch_button.setEnabled(bool(self.model.checked))

    def _on_dispatch(self) -> None:
        chosen = self.model.chosen()
        if chosen:
            self.sig_dispatch_requested.emit(chosen)
