"""Shared pieces of the dock table models: the sort role and a proxy that filters rows
on a few exact-match fields chosen in combo boxes."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt

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
