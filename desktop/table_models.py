"""Shared pieces of the dock tables: rows of record ids over a cache, the sort role, and a
proxy that filters rows on a few exact-match fields chosen in combo boxes."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt

# Models return a sortable value (number, timestamp) under this role, so columns sort
# by value, not by their displayed text.
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


class FieldFilterProxy(QSortFilterProxyModel):
    """Accepts a row when every filter that is set equals the record's attribute.

    Subclasses name their filters in ``FIELDS`` (filter name -> record attribute) and
    say how to get a row's record in ``record``."""

    FIELDS: dict[str, str] = {}

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)
        self.filters: dict[str, Any] = {name: None for name in self.FIELDS}

    def set_filter(self, **values) -> None:
        self.beginFilterChange()
        self.filters.update(values)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def record(self, source_row: int) -> Any:
        raise NotImplementedError

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        rec = self.record(source_row)
        if rec is None:
            return False
        return all(value is None or getattr(rec, self.FIELDS[name]) == value for name, value in self.filters.items())


class IdRowsModel(QAbstractTableModel):
    """A table whose rows are record ids over a cache (Anki's browser table): the one
    place a record becomes cells is the subclass's ``cell(record, column)``, which
    returns (display text, sort key); ``style`` adds colours."""

    COLUMNS: tuple[str, ...] = ()

    def __init__(self, parent=None):
        super().__init__(parent)
        self._ids: list[Any] = []
        self._row_of: dict[Any, int] = {}

    # for subclasses
    def record(self, record_id: Any) -> Any:
        raise NotImplementedError

    def headers(self) -> tuple[str, ...]:
        raise NotImplementedError

    def cell(self, record: Any, column: str) -> tuple[Any, Any]:
        raise NotImplementedError

    def style(self, record: Any, column: str, role: Qt.ItemDataRole) -> Any:
        return None

    # shared
    def set_ids(self, ids: list[Any]) -> None:
        self.beginResetModel()
        self._ids = list(ids)
        self._row_of = {record_id: row for row, record_id in enumerate(self._ids)}
        self.endResetModel()

    def id_at(self, row: int) -> Any:
        return self._ids[row]

    def row_of(self, record_id: Any) -> int | None:
        return self._row_of.get(record_id)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.headers()[section]
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        record = self.record(self._ids[index.row()])
        if record is None:
            return None
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(record, column)[0]
        if role == SORT_ROLE:
            return self.cell(record, column)[1]
        return self.style(record, column, role)


def record_table(proxy: QSortFilterProxyModel, sort_column: int, order: Qt.SortOrder) -> "QTableView":
    """A sortable, single-row-selecting table over a proxy, as the docks' lists are."""
    from PySide6.QtWidgets import QHeaderView, QTableView

    table = QTableView()
    table.setModel(proxy)
    table.setSortingEnabled(True)
    table.sortByColumn(sort_column, order)
    table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return table
