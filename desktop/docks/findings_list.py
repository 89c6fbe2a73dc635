"""The recent patrol findings (巡查发现) as a table: when, what, how it ended and the work
order it became. Shown as a tab of the work-order dock; selecting one emits its id (the
controller flies the map there)."""
from __future__ import annotations

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.findings import FindingSummary
from desktop import labels
from desktop.table_models import SORT_ROLE, IdRowsModel, record_table


def outcome_names() -> dict[str, str]:
    from PySide6.QtCore import QCoreApplication as Q

    return {"on_spot": Q.translate("workorders", "Handled on the spot"),
            "handed_over": Q.translate("workorders", "Handed over")}


class FindingsTableModel(IdRowsModel):
    COLUMNS = ("found", "category", "outcome", "order", "grid", "description")

    def __init__(self, parent=None, zone: str = "Asia/Shanghai"):
        super().__init__(parent)
        self.zone = zone
        self.findings: dict[int, FindingSummary] = {}
        self.category_names: dict[str, str] = {}  # code -> label in the UI language

    def set_findings(self, findings: list[FindingSummary]) -> None:
        self.findings = {f.id: f for f in findings}
        self.set_ids([f.id for f in findings])

    def record(self, record_id: int) -> FindingSummary | None:
        return self.findings.get(record_id)

    def headers(self) -> tuple[str, ...]:
        return (self.tr("Found"), self.tr("Category"), self.tr("Outcome"), self.tr("Work order"), self.tr("Grid"),
                self.tr("Description"))

    def cell(self, f: FindingSummary, column: str):
        if column == "found":
            return labels.local_time(f.found_at, self.zone, with_date=True), f.found_at.timestamp()
        if column == "category":
            name = self.category_names.get(f.category, f.category_name)
            return name, name
        if column == "outcome":
            return outcome_names().get(f.outcome, f.outcome), f.outcome
        if column == "order":
            return f.order_number or "—", f.order_number or ""
        if column == "grid":
            return f.grid_code or self.tr("outside every grid"), f.grid_code or ""
        return f.description, f.description


class FindingsList(QWidget):
    """Declared header: signal ``sig_finding_selected(int)`` (finding id)."""

    sig_finding_selected = Signal(int)

    def __init__(self, parent=None, zone: str = "Asia/Shanghai"):
        super().__init__(parent)
        self.model = FindingsTableModel(self, zone)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSortRole(SORT_ROLE)
        self.proxy.setSourceModel(self.model)
        self.table = record_table(self.proxy, self.model.COLUMNS.index("found"), Qt.SortOrder.DescendingOrder)
        self.counts = QLabel()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.counts)
        layout.addWidget(self.table)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self._quiet = False

    def set_category_names(self, names: dict[str, str]) -> None:
        self.model.category_names = dict(names)

    def set_findings(self, findings: list[FindingSummary]) -> None:
        keep = self.selected_id()
        self._quiet = True
        self.model.set_findings(findings)
        if keep is not None and self.model.row_of(keep) is not None:
            self.table.selectRow(self.proxy.mapFromSource(self.model.index(self.model.row_of(keep), 0)).row())
        self._quiet = False
        handed = sum(1 for f in findings if f.outcome == "handed_over")
        self.counts.setText(self.tr("Recent findings: %1 · handled on the spot %2 · handed over %3")
                            .replace("%1", str(len(findings))).replace("%2", str(len(findings) - handed))
                            .replace("%3", str(handed)))

    def selected_id(self) -> int | None:
        index = self.table.selectionModel().currentIndex()
        return self.model.id_at(self.proxy.mapToSource(index).row()) if index.isValid() else None

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._quiet:
            self.sig_finding_selected.emit(self.model.id_at(self.proxy.mapToSource(current).row()))
