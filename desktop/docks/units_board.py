"""The units board: every unit with callsign, tier, agency, status, grid, fix age and
speed; filter by grid, tier and status, sort by any column. Selecting a row emits
``sig_unit_selected`` (the composition root highlights it on the map)."""
from __future__ import annotations

import sys

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QDockWidget, QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout, QWidget

from core.units import STATUSES, TIERS, UnitInfo
from desktop import labels, theme
from desktop.live.live_model import LiveModel
from desktop.table_models import FieldFilterProxy, IdRowsModel



class UnitsTableModel(IdRowsModel):
    """Rows are unit ids over the LiveModel's cache."""

    COLUMNS = ("callsign", "tier", "agency", "status", "grid", "age", "speed")

    def __init__(self, live: LiveModel, parent=None):
        super().__init__(parent)
        self.live = live
        self._agency = labels.agency_names()
        self._status = labels.status_names()
        live.sig_roster_reloaded.connect(self.reload)
        live.sig_units_changed.connect(self._on_units_changed)
        # Fix ages grow without new fixes; refresh that column every few seconds.
        self._age_timer = QTimer(self)
        self._age_timer.timeout.connect(self._on_age_tick)
        self._age_timer.start(2000)
        self.reload()

    def reload(self) -> None:
        self.set_ids(sorted(self.live.units, key=lambda i: self.live.units[i].callsign))

    def unit_id(self, row: int) -> int:
        return self.id_at(row)

    def record(self, record_id: int) -> UnitInfo | None:
        return self.live.units.get(record_id)

    def _on_units_changed(self, ids: list[int]) -> None:
        # A new fix changes only its age and speed; leaving the other columns out keeps
        # the proxy from re-sorting thousands of rows by callsign on every batch.
        rows = [self._row_of[i] for i in ids if i in self._row_of]
        if rows:
            first, last = self.COLUMNS.index("age"), self.COLUMNS.index("speed")
            self.dataChanged.emit(self.index(min(rows), first), self.index(max(rows), last))

    def _on_age_tick(self) -> None:
        if self._ids:
            col = self.COLUMNS.index("age")
            self.dataChanged.emit(self.index(0, col), self.index(len(self._ids) - 1, col))

    def headers(self) -> tuple[str, ...]:
        return (self.tr("Callsign"), self.tr("Tier"), self.tr("Agency"), self.tr("Status"), self.tr("Grid"),
                self.tr("Fix age"), self.tr("Speed km/h"))

    def cell(self, unit: UnitInfo, column: str):
        fix = unit.last_fix
        if column == "callsign":
            return unit.callsign, unit.callsign
        if column == "tier":
            return labels.tier_name(unit.tier), unit.tier
        if column == "agency":
            return self._agency.get(unit.agency, unit.agency), unit.agency
        if column == "status":
            return self._status.get(unit.status, unit.status), STATUSES.index(unit.status) if unit.status in STATUSES else 99
        if column == "grid":
            return unit.grid_code or "", unit.grid_code or ""
        if column == "age":
            age = fix.age_s(self.live.now()) if fix else None
            return labels.age_text(age), age if age is not None else float("inf")
        speed = fix.speed_mps * 3.6 if fix and fix.speed_mps is not None else None
        return ("" if speed is None else f"{speed:.0f}"), speed if speed is not None else -1.0

    def style(self, unit: UnitInfo, column: str, role):
        if role == Qt.ItemDataRole.ForegroundRole and column == "age" and self.live.is_stale(unit):
            return QBrush(QColor(theme.ui_color("alert")))
        if role == Qt.ItemDataRole.UserRole:
            return unit.unit_id
        return None


class UnitsFilterProxy(FieldFilterProxy):
    FIELDS = {"grid": "grid_code", "tier": "tier", "status": "status"}

    def record(self, source_row: int) -> UnitInfo | None:
        model: UnitsTableModel = self.sourceModel()
        return model.live.units.get(model.unit_id(source_row))


class UnitsBoardDock(QDockWidget):
    """Declared header: name ``units_board``, signal ``sig_unit_selected``."""

    NAME = "units_board"
    sig_unit_selected = Signal(int)

    def __init__(self, live: LiveModel, parent=None):
        super().__init__(self.tr("Units board"), parent)
        self.setObjectName("dock_units_board")
        self.live = live
        self._quiet = False  # set while the program, not the user, moves the selection
        self.model = UnitsTableModel(live, self)
        self.proxy = UnitsFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.grid_box, self.tier_box, self.status_box = QComboBox(), QComboBox(), QComboBox()
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Fit to the visible rows only: measuring thousands of rows per batch stalls the GUI.
        header.setResizeContentsPrecision(0)
        self.count_label = QLabel()
        filters = QHBoxLayout()
        for text, box in ((self.tr("Grid"), self.grid_box), (self.tr("Tier"), self.tier_box),
                          (self.tr("Status"), self.status_box)):
            filters.addWidget(QLabel(text))
            filters.addWidget(box, 1)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(filters)
        layout.addWidget(self.table)
        layout.addWidget(self.count_label)
        self.setWidget(body)
        self._fill_filters()
        live.sig_roster_reloaded.connect(self._fill_filters)
        self.grid_box.currentIndexChanged.connect(self._on_filter_changed)
        self.tier_box.currentIndexChanged.connect(self._on_filter_changed)
        self.status_box.currentIndexChanged.connect(self._on_filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.proxy.rowsInserted.connect(self._update_count)
        self.proxy.rowsRemoved.connect(self._update_count)
        self.proxy.modelReset.connect(self._update_count)
        self.proxy.layoutChanged.connect(self._update_count)
        self.model._age_timer.timeout.connect(self._update_count)  # staleness changes with time alone
        self._update_count()

    def _fill_filters(self) -> None:
        grids = sorted({u.grid_code for u in self.live.units.values() if u.grid_code})
        everything = self.tr("All")
        for box, items in ((self.grid_box, [(g, g) for g in grids]),
                           (self.tier_box, [(labels.tier_name(t), t) for t in TIERS]),
                           (self.status_box, [(labels.status_names()[s], s) for s in STATUSES])):
            current = box.currentData()
            box.blockSignals(True)  # model→widget updates must not echo back as filter changes
            box.clear()
            box.addItem(everything, None)
            for text, value in items:
                box.addItem(text, value)
            box.setCurrentIndex(max(0, box.findData(current)) if current is not None else 0)
            box.blockSignals(False)

    def _on_filter_changed(self) -> None:
        # Filtering may move Qt's current row to a neighbour: that is no choice of the user's.
        self._quiet = True
        self.proxy.set_filter(grid=self.grid_box.currentData(), tier=self.tier_box.currentData(),
                              status=self.status_box.currentData())
        self._quiet = False
        self._update_count()

    def _update_count(self, *args) -> None:
        stale = sum(1 for u in self.live.units.values() if self.live.is_stale(u))
        self.count_label.setText(self.tr("%1 of %2 units shown; %3 without a fresh fix")
                                 .replace("%1", str(self.proxy.rowCount())).replace("%2", str(len(self.live.units)))
                                 .replace("%3", str(stale)))

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._quiet:
            self.sig_unit_selected.emit(self.model.unit_id(self.proxy.mapToSource(current).row()))

    def select_unit(self, unit_id: int) -> None:
        """Select a unit's row (e.g. after a click on the map) without re-emitting."""
        row = self.model.row_of(unit_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self._quiet = True
            self.table.selectRow(index.row())
            self.table.scrollTo(index)
            self._quiet = False


def preview() -> None:  # python -m desktop.docks.units_board
    from desktop.preview import run_live_preview

    sys.exit(run_live_preview(lambda live: UnitsBoardDock(live)))


if __name__ == "__main__":
    preview()
