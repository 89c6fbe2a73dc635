"""The "Layers" dock: every static feature with counts per layer and a search box.

Choosing a feature emits ``sig_feature_chosen``; the composition root flies the map there."""
from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDockWidget, QHeaderView, QLineEdit, QTableView, QVBoxLayout, QWidget

from core import layers as L
from core.layers import LayerFeature
from core.text_search import matches
from desktop.labels import kind_names, layer_names

# The order a commander reads the layers in.
LIST_ORDER = (L.GRIDS, L.POINTS, L.LINES, L.TARGETS, L.STATIONS, L.STREETS)


class LayerFeatureModel(QAbstractTableModel):
    """Rows are features; the mapping from feature to cell lives only in ``data``."""

    COLUMNS = ("name", "layer", "kind", "grid")

    def __init__(self, parent=None):
        super().__init__(parent)
        self._rows: list[LayerFeature] = []
        self._layer_names = layer_names()
        self._kind_names = kind_names()

    def set_features(self, layers: dict[str, list[LayerFeature]]) -> None:
        self.beginResetModel()
        self._rows = [f for layer in LIST_ORDER for f in layers.get(layer, [])]
        self.endResetModel()

    def feature(self, row: int) -> LayerFeature:
        return self._rows[row]

    def counts(self) -> dict[str, int]:
        out = {layer: 0 for layer in LIST_ORDER}
        for f in self._rows:
            out[f.layer] += 1
        return out

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return (self.tr("Name"), self.tr("Layer"), self.tr("Kind"), self.tr("Grid"))[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        f = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            column = self.COLUMNS[index.column()]
            if column == "name":
                return f.name
            if column == "layer":
                return self._layer_names.get(f.layer, f.layer)
            if column == "kind":
                return self._kind_names.get(f.kind, f.kind or "")
            return f.grid_code or ""
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"{f.name} ({f.code})"
        return None


class LayerFilterProxy(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self._query = ""
        self._layer: str | None = None

    def set_query(self, query: str) -> None:
        self.beginFilterChange()
        self._query = query
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_layer(self, layer: str | None) -> None:
        self.beginFilterChange()
        self._layer = layer
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        f = self.sourceModel().feature(source_row)
        if self._layer and f.layer != self._layer:
            return False
        return matches(self._query, f.name, f.code)


class LayersDock(QDockWidget):
    """Declared header (Spyder-style): name ``layers``, signal ``sig_feature_chosen``."""

    NAME = "layers"
    sig_feature_chosen = Signal(object)  # LayerFeature

    def __init__(self, parent=None):
        super().__init__(self.tr("Layers"), parent)
        self.setObjectName("dock_layers")
        self.model = LayerFeatureModel(self)
        self.proxy = LayerFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.layer_box = QComboBox()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search name, code or pinyin initials"))
        self.search.setClearButtonEnabled(True)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.setSortingEnabled(True)
        self.proxy.sort(-1)  # keep the layer order (grids first) until the user sorts
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.layer_box)
        layout.addWidget(self.search)
        layout.addWidget(self.table)
        self.setWidget(body)
        self.search.textChanged.connect(self.proxy.set_query)
        self.layer_box.currentIndexChanged.connect(self._on_layer_changed)
        self.table.activated.connect(self._on_row_activated)
        self.table.clicked.connect(self._on_row_activated)

    def set_features(self, layers: dict[str, list[LayerFeature]]) -> None:
        self.model.set_features(layers)
        counts = self.model.counts()
        names = layer_names()
        self.layer_box.blockSignals(True)  # model→widget updates must not echo back
        self.layer_box.clear()
        self.layer_box.addItem(self.tr("All layers (%n)", "", sum(counts.values())), None)
        for layer in LIST_ORDER:
            self.layer_box.addItem(f"{names[layer]} ({counts[layer]})", layer)
        self.layer_box.blockSignals(False)
        self.proxy.set_layer(None)

    def _on_layer_changed(self, index: int) -> None:
        self.proxy.set_layer(self.layer_box.itemData(index))

    def _on_row_activated(self, index: QModelIndex) -> None:
        self.sig_feature_chosen.emit(self.model.feature(self.proxy.mapToSource(index).row()))


def preview() -> None:  # python -m desktop.docks.layers
    from desktop.preview import run_preview

    def build(layers):
        dock = LayersDock()
        dock.set_features(layers)
        dock.sig_feature_chosen.connect(lambda f: print("chosen:", f.layer, f.code, f.name))
        return dock

    sys.exit(run_preview(build))


if __name__ == "__main__":
    preview()
