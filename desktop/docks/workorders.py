"""The work-order dock (工作交办单): orders with their 13710 lights in a filterable table
(state, light, department, grid), the selected order's detail with its deadlines,
timeline, notes and photos, and the actions its state allows as buttons; the
supervision list (督办: the overdue orders) one click away; a tab of recent patrol
findings; and buttons opening the forms for a new order and a new finding.

It only shows what it is given (``WorkOrderSnapshot`` lists, a ``WorkOrderDetail``,
photo bytes) and emits typed requests (``core.workorders.ActionRequest``,
``PhotoRequest``); the controller runs the operations and queries. Preview it alone
on sample data: ``python -m desktop.docks.workorders``."""
from __future__ import annotations

import html
from datetime import datetime, timezone

from PySide6.QtCore import QDateTime, QModelIndex, Qt, QTimeZone, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox, QDateTimeEdit, QDockWidget, QGridLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
    QPushButton, QSplitter, QTabWidget, QTextBrowser, QVBoxLayout, QWidget,
)

from core.workorders import (
    CLOSE, EXTEND, LIGHT_COLORS, LIGHTS, MILESTONES, NOTE_REQUIRED, RATINGS, STATUSES, ActionRequest,
    PhotoRequest, WorkOrderDetail, WorkOrderSnapshot,
)
from desktop import labels
from desktop.docks.findings_list import FindingsList
from desktop.table_models import FieldFilterProxy, IdRowsModel, record_table

THUMBNAIL = 96


class WorkOrdersTableModel(IdRowsModel):
    COLUMNS = ("number", "light", "status", "title", "department", "grid", "issued", "resolve", "overdue")

    def __init__(self, parent=None, zone: str = "Asia/Shanghai", light_colors: dict[str, str] | None = None):
        super().__init__(parent)
        self.zone = zone
        self.orders: dict[int, WorkOrderSnapshot] = {}
        self.light_colors = dict(light_colors or LIGHT_COLORS)

    def set_orders(self, orders: list[WorkOrderSnapshot]) -> None:
        self.orders = {o.id: o for o in orders}
        self.set_ids([o.id for o in orders])

    def record(self, record_id: int) -> WorkOrderSnapshot | None:
        return self.orders.get(record_id)

    def headers(self) -> tuple[str, ...]:
        return (self.tr("Number"), self.tr("Light"), self.tr("State"), self.tr("Matter"), self.tr("Department"),
                self.tr("Grid"), self.tr("Issued"), self.tr("Resolve by"), self.tr("Overdue"))

    def cell(self, o: WorkOrderSnapshot, column: str):
        if column == "number":
            return o.number, o.number
        if column == "light":
            return light_names()[o.light], LIGHTS.index(o.light)
        if column == "status":
            return status_names()[o.status], STATUSES.index(o.status)
        if column == "title":
            return o.title, o.title
        if column == "department":
            return o.department_name, o.department_name
        if column == "grid":
            return o.grid_code or "", o.grid_code or ""
        if column == "issued":
            return labels.local_time(o.issued_at, self.zone, with_date=True), o.issued_at.timestamp()
        if column == "resolve":
            return labels.local_time(o.resolve_due, self.zone, with_date=True), o.resolve_due.timestamp()
        names = milestone_names()
        return "、".join(names[m] for m in o.overdue), len(o.overdue)

    def style(self, o: WorkOrderSnapshot, column: str, role):
        if role == Qt.ItemDataRole.BackgroundRole and column == "light":
            return QBrush(QColor(self.light_colors[o.light]))
        return None


class WorkOrdersFilterProxy(FieldFilterProxy):
    FIELDS = {"status": "status", "light": "light", "department": "department", "grid": "grid_code"}

    def record(self, source_row: int) -> WorkOrderSnapshot:
        model: WorkOrdersTableModel = self.sourceModel()
        return model.orders[model.id_at(source_row)]


# Display names, spelled out per call so pyside6-lupdate extracts them.
def status_names() -> dict[str, str]:
    from PySide6.QtCore import QCoreApplication as Q

    return {"issued": Q.translate("workorders", "Issued"), "signed": Q.translate("workorders", "Signed"),
            "in_progress": Q.translate("workorders", "In progress"),
            "close_requested": Q.translate("workorders", "Close requested"),
            "closed": Q.translate("workorders", "Closed"), "cancelled": Q.translate("workorders", "Cancelled")}


def light_names() -> dict[str, str]:
    from PySide6.QtCore import QCoreApplication as Q

    return {"red": Q.translate("workorders", "Red"), "yellow": Q.translate("workorders", "Yellow"),
            "green": Q.translate("workorders", "Green")}


def milestone_names() -> dict[str, str]:
    from PySide6.QtCore import QCoreApplication as Q

    return {"deploy": Q.translate("workorders", "Deploy"), "progress": Q.translate("workorders", "Progress report"),
            "resolve": Q.translate("workorders", "Resolve")}


def action_names() -> dict[str, str]:
    from PySide6.QtCore import QCoreApplication as Q

    return {"sign": Q.translate("workorders", "Sign"), "progress": Q.translate("workorders", "Report progress"),
            "request-close": Q.translate("workorders", "Request closing"),
            "close": Q.translate("workorders", "Close (review)"), "send-back": Q.translate("workorders", "Send back"),
            "extend": Q.translate("workorders", "Request extension"),
            "approve-extension": Q.translate("workorders", "Approve extension"),
            "refuse-extension": Q.translate("workorders", "Refuse extension"),
            "cancel": Q.translate("workorders", "Cancel (销号)"), "supervise": Q.translate("workorders", "Supervise")}


def rating_names() -> dict[str, str]:
    from PySide6.QtCore import QCoreApplication as Q

    return {"excellent": Q.translate("workorders", "Excellent"), "good": Q.translate("workorders", "Good"),
            "pass": Q.translate("workorders", "Pass"), "fail": Q.translate("workorders", "Fail")}


class WorkOrdersDock(QDockWidget):
    """Declared header: name ``workorders``; signals ``sig_order_selected(int)`` (order id),
    ``sig_action_requested(ActionRequest)``, ``sig_photo_requested(PhotoRequest)``,
    ``sig_new_order_requested()``, ``sig_new_finding_requested()``, ``sig_finding_selected(int)``."""

    NAME = "workorders"
    sig_order_selected = Signal(int)
    sig_action_requested = Signal(object)  # core.workorders.ActionRequest
    sig_photo_requested = Signal(object)  # core.workorders.PhotoRequest
    sig_new_order_requested = Signal()
    sig_new_finding_requested = Signal()
    sig_finding_selected = Signal(int)  # finding id

    def __init__(self, parent=None, zone: str = "Asia/Shanghai", light_colors: dict[str, str] | None = None):
        super().__init__(self.tr("Work orders"), parent)
        self.setObjectName("dock_workorders")
        self.zone = zone
        self.model = WorkOrdersTableModel(self, zone, light_colors)
        self.proxy = WorkOrdersFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.detail: WorkOrderDetail | None = None
        self.allowed: tuple[str, ...] = ()
        self._quiet = False  # set while the model, not the user, moves the selection
        self._pending_select: int | None = None  # an order just issued here, selected once it is listed
        self.status_box, self.light_box, self.department_box, self.grid_box = (QComboBox() for _ in range(4))
        self.counts = QLabel()
        self.table = record_table(self.proxy, self.model.COLUMNS.index("light"), Qt.SortOrder.AscendingOrder)
        self.text = QTextBrowser()
        self.text.setOpenLinks(False)
        self.text.anchorClicked.connect(self._on_link)
        self.photos = QListWidget()
        self.photos.setViewMode(QListWidget.ViewMode.IconMode)
        self.photos.setMaximumHeight(THUMBNAIL + 24)
        self.photos.itemActivated.connect(self._on_photo_activated)
        self.note = QLineEdit()
        self.note.setPlaceholderText(self.tr("Note, result, opinion or reason"))
        self.rating_box = QComboBox()
        for code, name in rating_names().items():
            self.rating_box.addItem(f"{name} {RATINGS[code]}", code)
        self.until = QDateTimeEdit()
        self.until.setCalendarPopup(True)
        self.until.setTimeZone(QTimeZone(zone.encode()))
        self.until.setDisplayFormat("yyyy-MM-dd HH:mm")
        self.buttons: dict[str, QPushButton] = {}
        self.new_order_button = QPushButton(self.tr("New work order…"))
        self.new_finding_button = QPushButton(self.tr("Record patrol finding…"))
        # The supervision list (督办) is the overdue orders: every red light is a milestone passed unmet.
        self.supervision_button = QPushButton(self.tr("Supervision list (overdue)"))
        self.supervision_button.setCheckable(True)
        self.findings = FindingsList(self, zone)
        self.tabs = QTabWidget()
        self._build_layout()
        self._fill_filters([], [])
        for box in (self.status_box, self.light_box, self.department_box, self.grid_box):
            box.currentIndexChanged.connect(self._on_filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)
        self.new_order_button.clicked.connect(self.sig_new_order_requested.emit)
        self.new_finding_button.clicked.connect(self.sig_new_finding_requested.emit)
        self.supervision_button.toggled.connect(self._on_supervision_toggled)
        self.findings.sig_finding_selected.connect(self.sig_finding_selected.emit)
        self._update_buttons()

    def _build_layout(self) -> None:
        filters = QGridLayout()
        for i, (text, box) in enumerate(((self.tr("State"), self.status_box), (self.tr("Light"), self.light_box),
                                         (self.tr("Department"), self.department_box),
                                         (self.tr("Grid"), self.grid_box))):
            filters.addWidget(QLabel(text), i // 2, (i % 2) * 2)
            filters.addWidget(box, i // 2, (i % 2) * 2 + 1)
        inputs = QHBoxLayout()
        inputs.addWidget(self.note, 2)
        inputs.addWidget(QLabel(self.tr("Rating")))
        inputs.addWidget(self.rating_box)
        inputs.addWidget(QLabel(self.tr("Extend to")))
        inputs.addWidget(self.until)
        actions = QGridLayout()
        for i, (action, name) in enumerate(action_names().items()):
            button = QPushButton(name)
            button.clicked.connect(lambda _=False, a=action: self._on_action(a))
            actions.addWidget(button, i // 5, i % 5)
            self.buttons[action] = button
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.supervision_button)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.counts)
        top_layout.addWidget(self.table)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.text, 1)
        bottom_layout.addWidget(self.photos)
        bottom_layout.addLayout(inputs)
        bottom_layout.addLayout(actions)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        self.tabs.addTab(splitter, self.tr("Work orders"))
        self.tabs.addTab(self.findings, self.tr("Patrol findings"))
        create = QHBoxLayout()
        create.addWidget(self.new_order_button)
        create.addWidget(self.new_finding_button)
        create.addStretch(1)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(create)
        layout.addWidget(self.tabs)
        self.setWidget(body)

    # ------------------------------------------------------------------
    # model -> widget (signals blocked: nothing echoes back)
    # ------------------------------------------------------------------

    def _fill_filters(self, departments: list[tuple[str, str]], grids: list[str]) -> None:
        choices = (
            (self.status_box, [(status_names()[s], s) for s in STATUSES]),
            (self.light_box, [(light_names()[name], name) for name in LIGHTS]),
            (self.department_box, [(name, code) for code, name in departments]),
            (self.grid_box, [(code, code) for code in grids]),
        )
        for box, items in choices:
            keep = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(self.tr("All"), None)
            for text, data in items:
                box.addItem(text, data)
            box.setCurrentIndex(max(0, box.findData(keep)) if keep is not None else 0)
            box.blockSignals(False)

    def set_orders(self, orders: list[WorkOrderSnapshot]) -> None:
        """Replace the listed orders, keeping the selection and the filters."""
        keep = self.detail.order.id if self.detail else None
        departments = sorted({(o.department, o.department_name) for o in orders}, key=lambda d: d[1])
        self._fill_filters(departments, sorted({o.grid_code for o in orders if o.grid_code}))
        self._quiet = True
        self.model.set_orders(orders)
        self._on_filter_changed()
        if keep is not None:
            self.select(keep, emit=False)
        self._quiet = False
        if self._pending_select is not None and self.model.row_of(self._pending_select) is not None:
            pending, self._pending_select = self._pending_select, None
            self.tabs.setCurrentIndex(0)
            self.select(pending)
        counts = {name: sum(1 for o in orders if o.light == name and o.is_open) for name in LIGHTS}
        names = light_names()
        self.counts.setText(self.tr("Open: ") + " · ".join(f"{names[k]} {v}" for k, v in counts.items()))
        self.supervision_button.setText(self.tr("Supervision list (overdue): %1").replace("%1", str(counts["red"])))

    def select_when_listed(self, order_id: int) -> None:
        """Select an order issued a moment ago as soon as a refresh lists it."""
        if self.model.row_of(order_id) is not None:
            self.select(order_id)
        else:
            self._pending_select = order_id

    def select(self, order_id: int, emit: bool = True) -> None:
        row = self.model.row_of(order_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # filtered out: clear the filters so it can be seen
            for box in (self.status_box, self.light_box, self.department_box, self.grid_box):
                box.setCurrentIndex(0)
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        quiet, self._quiet = self._quiet, self._quiet or not emit
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        self._quiet = quiet

    def show_detail(self, detail: WorkOrderDetail, allowed: tuple[str, ...] | None = None,
                    photos: dict[str, bytes] | None = None) -> None:
        """Show one order; ``allowed`` (default: what its state allows) enables the buttons."""
        self.detail = detail
        self.allowed = tuple(detail.order.allowed if allowed is None else allowed)
        self.text.setHtml(self.detail_html(detail))
        self.photos.clear()
        for ref in detail.photos:
            item = QListWidgetItem(f"{ref.size // 1024} KiB")
            item.setData(Qt.ItemDataRole.UserRole, ref.sha256)
            item.setToolTip(ref.sha256)
            self.photos.addItem(item)
        for sha, data in (photos or {}).items():
            self.set_photo(sha, data)
        # An extension must be later than the current deadline: offer a week after it.
        resolve = int((detail.order.extension_until or detail.order.resolve_due).timestamp())
        self.until.setDateTime(QDateTime.fromSecsSinceEpoch(resolve, QTimeZone(self.zone.encode())).addDays(7))
        self._update_buttons()

    def set_photo(self, sha256: str, data: bytes) -> bool:
        """Give a photo's bytes (asked for through ``sig_photo_requested``); False if not shown."""
        pixmap = QPixmap()
        if not pixmap.loadFromData(data):
            return False
        for row in range(self.photos.count()):
            item = self.photos.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == sha256:
                item.setIcon(QIcon(pixmap.scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio)))
                return True
        return False

    def clear_detail(self) -> None:
        self.detail, self.allowed = None, ()
        self.text.clear()
        self.photos.clear()
        self._update_buttons()

    def detail_html(self, d: WorkOrderDetail) -> str:
        e = html.escape
        o = d.order
        t = lambda v: labels.local_time(v, self.zone, with_date=True)  # noqa: E731
        color = self.model.light_colors[o.light]
        head = (f"<h3 style='margin:0'>{e(o.number)} · {e(o.title)} · <span style='background:{color}'>&nbsp;"
                f"{e(light_names()[o.light])}&nbsp;</span> · {e(status_names()[o.status])}</h3>")
        facts = [(self.tr("Department"), o.department_name), (self.tr("Grid"), o.grid_code or "—"),
                 (self.tr("Assigned by"), d.assigning_unit), (self.tr("Responsible"), d.responsible or "—"),
                 (self.tr("Contact"), d.contact or "—"), (self.tr("Description"), d.description),
                 (self.tr("Requirements"), d.requirements or "—")]
        if o.rating:
            facts.append((self.tr("Rating"), f"{rating_names()[o.rating]} {RATINGS[o.rating]}"))
        if o.extension_until:
            facts.append((self.tr("Extension requested to"), t(o.extension_until)))
        met = {"deploy": d.signed_at, "progress": d.first_progress_at, "resolve": d.closed_at}
        names = milestone_names()
        # Translated outside the f-strings: the string extractor does not read inside them.
        overdue_word, deadlines_word = self.tr("overdue"), self.tr("Deadlines (13710)")
        due_word, met_word, timeline_word, photos_word = self.tr("Due"), self.tr("Met"), self.tr("Timeline"), self.tr("Photos")
        rows = "".join(
            f"<tr><td>{e(names[m])}</td><td>{t(due)}</td><td>{t(met[m]) if met[m] else '—'}</td>"
            f"<td style='color:{self.model.light_colors['red']}'>{e(overdue_word) if m in o.overdue else ''}</td></tr>"
            for m, due in zip(MILESTONES, (o.deploy_due, o.progress_due, o.resolve_due)))
        timeline = "".join(f"<tr><td>{t(n.at)}</td><td>{e(self._note_kind(n.kind))}</td><td>{e(n.text)}</td>"
                           f"<td>{e(n.author)}</td></tr>" for n in d.timeline)
        facts_html = "".join(f"<tr><td>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in facts)
        photos = "".join(f" <a href='photo:{p.sha256}'>{e(p.sha256[:8])}</a>" for p in d.photos)
        return (f"{head}<table>{facts_html}</table>"
                f"<h4 style='margin:4px 0'>{e(deadlines_word)}</h4>"
                f"<table><tr><th></th><th>{e(due_word)}</th><th>{e(met_word)}</th><th></th></tr>{rows}</table>"
                f"<h4 style='margin:4px 0'>{e(timeline_word)}</h4><table>{timeline}</table>"
                + (f"<p>{e(photos_word)}:{photos}</p>" if photos else ""))

    def _note_kind(self, kind: str) -> str:
        from PySide6.QtCore import QCoreApplication as Q

        return {"created": Q.translate("workorders", "Issued"), "signed": Q.translate("workorders", "Signed"),
                "progress": Q.translate("workorders", "Progress"),
                "close_request": Q.translate("workorders", "Close requested"),
                "closed": Q.translate("workorders", "Closed"), "returned": Q.translate("workorders", "Sent back"),
                "extension_req": Q.translate("workorders", "Extension requested"),
                "extension_ok": Q.translate("workorders", "Extension approved"),
                "extension_no": Q.translate("workorders", "Extension refused"),
                "cancelled": Q.translate("workorders", "Cancelled"),
                "supervision": Q.translate("workorders", "Supervision")}.get(kind, kind)

    def _update_buttons(self) -> None:
        for action, button in self.buttons.items():
            button.setEnabled(action in self.allowed)

    # ------------------------------------------------------------------
    # user -> requests
    # ------------------------------------------------------------------

    def set_findings(self, findings) -> None:
        """The recent patrol findings (``core.findings.FindingSummary``) for the findings tab."""
        self.findings.set_findings(findings)

    def _on_supervision_toggled(self, on: bool) -> None:
        self.status_box.setCurrentIndex(0)
        self.light_box.setCurrentIndex(self.light_box.findData("red") if on else 0)

    def _on_filter_changed(self) -> None:
        self.supervision_button.blockSignals(True)
        self.supervision_button.setChecked(self.light_box.currentData() == "red")
        self.supervision_button.blockSignals(False)
        quiet, self._quiet = self._quiet, True
        self.proxy.set_filter(status=self.status_box.currentData(), light=self.light_box.currentData(),
                              department=self.department_box.currentData(), grid=self.grid_box.currentData())
        self._quiet = quiet

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._quiet:
            self.sig_order_selected.emit(self.model.id_at(self.proxy.mapToSource(current).row()))

    def _on_action(self, action: str) -> None:
        if self.detail is None or action not in self.allowed:
            return
        note = self.note.text().strip() or None
        if action in NOTE_REQUIRED and note is None:
            self.note.setFocus()
            self.note.setPlaceholderText(self.tr("A note is needed for this action"))
            return
        until = None
        if action == EXTEND:
            until = datetime.fromtimestamp(self.until.dateTime().toSecsSinceEpoch(), timezone.utc)
        o = self.detail.order
        self.sig_action_requested.emit(ActionRequest(
            order_id=o.id, number=o.number, action=action, expected_version=o.version, note=note, until=until,
            rating=self.rating_box.currentData() if action == CLOSE else None))
        self.note.clear()

    def _on_photo_activated(self, item: QListWidgetItem) -> None:
        if self.detail is not None:
            self.sig_photo_requested.emit(PhotoRequest(self.detail.order.id, item.data(Qt.ItemDataRole.UserRole)))

    def _on_link(self, url) -> None:
        kind, _, value = url.toString().partition(":")
        if kind == "photo" and self.detail is not None:
            self.sig_photo_requested.emit(PhotoRequest(self.detail.order.id, value))


def preview() -> int:  # python -m desktop.docks.workorders (sample data; the sample module never imports the dock)
    from PySide6.QtWidgets import QMainWindow

    from desktop.docks.workorders_sample import SAMPLE_PNG, sample_detail, sample_findings, sample_orders
    from desktop.runtime import application, install_translations

    app = application()
    install_translations("zh_CN")
    dock = WorkOrdersDock()
    orders = sample_orders()
    dock.set_orders(orders)
    dock.set_findings(sample_findings())
    by_id = {o.id: o for o in orders}
    dock.sig_order_selected.connect(
        lambda oid: dock.show_detail(sample_detail(by_id[oid]), photos={"ab" * 32: SAMPLE_PNG}))
    dock.sig_action_requested.connect(lambda request: print("action requested:", request))
    window = QMainWindow()
    window.setCentralWidget(dock)
    window.resize(760, 860)
    window.show()
    return app.exec()


if __name__ == "__main__":
    import sys

    sys.exit(preview())
