"""The incidents dock: open incidents in a filterable, sortable table, and the selected
incident's details, response figures and append-only timeline, with the state actions
it allows. Actions are requests (signals); the composition root runs the operations."""
from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox, QDockWidget, QGridLayout, QHBoxLayout, QLabel, QPushButton, QSplitter, QTextBrowser,
    QVBoxLayout, QWidget,
)

from core.code_tables import CodeTables
from core.incident_actions import SupportRequest, TransitionRequest
from core.incidents import NEXT_STATES, OPEN_STATES, STATES, DispatchSnapshot, IncidentSnapshot, TimelineEvent
from desktop import labels, theme
from desktop.table_models import FieldFilterProxy, IdRowsModel, record_table



class IncidentsTableModel(IdRowsModel):
    """Rows are incident ids over a snapshot cache."""

    COLUMNS = ("number", "category", "level", "state", "grid", "received", "tier")

    def __init__(self, parent=None, zone: str = "Asia/Shanghai"):
        super().__init__(parent)
        self.zone = zone
        self.snapshots: dict[int, IncidentSnapshot] = {}
        self._category: dict[str, str] = {}
        self._level: dict[str, str] = {}
        self._states = labels.state_names()

    def set_code_tables(self, tables: CodeTables, language: str) -> None:
        self._category = {e.code: e.label(language) for e in tables.get("category", [])}
        self._level = {e.code: e.label(language) for e in tables.get("level", [])}

    def set_incidents(self, incidents: list[IncidentSnapshot]) -> None:
        self.snapshots = {i.id: i for i in incidents}
        self.set_ids([i.id for i in incidents])

    def incident_id(self, row: int) -> int:
        return self.id_at(row)

    def category_label(self, code: str) -> str:
        return self._category.get(code, code)

    def level_label(self, code: str) -> str:
        return self._level.get(code, code)

    def record(self, record_id: int) -> IncidentSnapshot | None:
        return self.snapshots.get(record_id)

    def headers(self) -> tuple[str, ...]:
        return (self.tr("Number"), self.tr("Category"), self.tr("Level"), self.tr("State"), self.tr("Grid"),
                self.tr("Received"), self.tr("Tier"))

    def cell(self, inc: IncidentSnapshot, column: str):
        if column == "number":
            return inc.number, inc.number
        if column == "category":
            return self.category_label(inc.category), inc.category
        if column == "level":
            order = ("general", "major", "serious")
            return self.level_label(inc.level), order.index(inc.level) if inc.level in order else 9
        if column == "state":
            return self._states.get(inc.state, inc.state), STATES.index(inc.state)
        if column == "grid":
            return inc.grid_code or "", inc.grid_code or ""
        if column == "received":
            return labels.local_time(inc.received_at, self.zone), inc.received_at.timestamp()
        return labels.tier_name(inc.tier), inc.tier

    def style(self, inc: IncidentSnapshot, column: str, role):
        if role == Qt.ItemDataRole.BackgroundRole and column == "level":
            return QBrush(QColor(theme.ui_color("level_fill", inc.level)))
        if role == Qt.ItemDataRole.ForegroundRole and column == "state" and inc.state == "received":
            return QBrush(QColor(theme.ui_color("alert")))  # nobody sent yet
        return None


class IncidentsFilterProxy(FieldFilterProxy):
    FIELDS = {"state": "state", "level": "level"}

    def record(self, source_row: int) -> IncidentSnapshot:
        model: IncidentsTableModel = self.sourceModel()
        return model.snapshots[model.incident_id(source_row)]


# The state actions a dispatcher takes from the detail view, in the order shown.
ACTION_STATES = ("acknowledged", "en_route", "on_scene", "handling", "reported", "closed", "cancelled", "invalid")


class IncidentsDock(QDockWidget):
    """Declared header: name ``incidents``; signals ``sig_incident_selected(int)``,
    ``sig_transition_requested(TransitionRequest)``, ``sig_release_requested(int)`` (dispatch id),
    ``sig_support_requested(SupportRequest)``, ``sig_finding_requested(int)`` (incident id)."""

    NAME = "incidents"
    sig_incident_selected = Signal(int)
    sig_transition_requested = Signal(object)  # TransitionRequest
    sig_release_requested = Signal(int)
    sig_support_requested = Signal(object)  # SupportRequest
    sig_finding_requested = Signal(int)  # record a patrol finding at this incident

    def __init__(self, parent=None, zone: str = "Asia/Shanghai"):
        super().__init__(self.tr("Incidents"), parent)
        self.setObjectName("dock_incidents")
        self.zone = zone
        self.model = IncidentsTableModel(self, zone)
        self.proxy = IncidentsFilterProxy(self)
        self.proxy.setSourceModel(self.model)
        self.selected: IncidentSnapshot | None = None
        self._quiet = False  # set while the model, not the user, moves the selection
        self.state_box, self.level_box = QComboBox(), QComboBox()
        self.table = record_table(self.proxy, self.model.COLUMNS.index("received"), Qt.SortOrder.DescendingOrder)
        self.detail = QTextBrowser()
        self.detail.setOpenLinks(False)
        self.detail.anchorClicked.connect(self._on_detail_link)
        self.action_buttons: dict[str, QPushButton] = {}
        actions = QGridLayout()
        names = labels.state_names()
        for i, state in enumerate(ACTION_STATES):
            button = QPushButton(names[state])
            button.setEnabled(False)
            button.clicked.connect(lambda _=False, s=state: self._on_action(s))
            actions.addWidget(button, i // 4, i % 4)
            self.action_buttons[state] = button
        self.support_button = QPushButton(self.tr("Support requested from scene…"))
        self.support_button.setEnabled(False)
        self.support_button.clicked.connect(self._on_support)
        actions.addWidget(self.support_button, 2, 0, 1, 4)
        self.finding_button = QPushButton(self.tr("Record patrol finding…"))
        self.finding_button.setEnabled(False)
        self.finding_button.clicked.connect(
            lambda: self.selected is not None and self.sig_finding_requested.emit(self.selected.id))
        actions.addWidget(self.finding_button, 3, 0, 1, 4)
        filters = QHBoxLayout()
        filters.addWidget(QLabel(self.tr("State")))
        filters.addWidget(self.state_box, 1)
        filters.addWidget(QLabel(self.tr("Level")))
        filters.addWidget(self.level_box, 1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(filters)
        top_layout.addWidget(self.table)
        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addWidget(self.detail)
        bottom_layout.addLayout(actions)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(top)
        splitter.addWidget(bottom)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(splitter)
        self.setWidget(body)
        self.state_box.addItem(self.tr("All open"), None)
        for state in OPEN_STATES:
            self.state_box.addItem(names[state], state)
        self.level_box.addItem(self.tr("All"), None)
        self.state_box.currentIndexChanged.connect(self._on_filter_changed)
        self.level_box.currentIndexChanged.connect(self._on_filter_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_current_row_changed)

    def set_code_tables(self, tables: CodeTables, language: str) -> None:
        self.model.set_code_tables(tables, language)
        self.level_box.blockSignals(True)
        self.level_box.clear()
        self.level_box.addItem(self.tr("All"), None)
        for entry in tables.get("level", []):
            self.level_box.addItem(entry.label(language), entry.code)
        self.level_box.blockSignals(False)

    def set_incidents(self, incidents: list[IncidentSnapshot]) -> None:
        """Replace the open incidents, keeping the selection (model→widget: no echo)."""
        keep = self.selected.id if self.selected else None
        self._quiet = True
        self.model.set_incidents(incidents)
        if keep is not None:
            self.select(keep, emit=False)
        self._quiet = False

    def select(self, incident_id: int, emit: bool = True) -> None:
        row = self.model.row_of(incident_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():  # filtered out: show everything open so it can be seen
            self.state_box.setCurrentIndex(0)
            self.level_box.setCurrentIndex(0)
            index = self.proxy.mapFromSource(self.model.index(row, 0))
        quiet, self._quiet = self._quiet, self._quiet or not emit
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        self._quiet = quiet

    def show_detail(self, incident: IncidentSnapshot, timeline: list[TimelineEvent],
                    dispatches: list[DispatchSnapshot], figures: dict | None = None) -> None:
        self.selected = incident
        allowed = NEXT_STATES.get(incident.state, ())
        for state, button in self.action_buttons.items():
            button.setEnabled(state in allowed)
        self.support_button.setEnabled(incident.is_open)
        self.finding_button.setEnabled(True)
        self.detail.setHtml(self.detail_html(incident, timeline, dispatches, figures or {}))

    def detail_html(self, inc: IncidentSnapshot, timeline, dispatches, figures) -> str:
        e = html.escape
        muted = theme.ui_color("muted")
        names = labels.state_names()
        t = lambda v: labels.local_time(v, self.zone, with_date=True)  # noqa: E731
        head = (f"<h3 style='margin:0'>{e(inc.number)} · {e(self.model.category_label(inc.category))} · "
                f"<span style='background:{theme.ui_color('level_fill', inc.level)}'>&nbsp;"
                f"{e(self.model.level_label(inc.level))}&nbsp;</span> · {e(names.get(inc.state, inc.state))}</h3>")
        facts = [(self.tr("Grid"), inc.grid_code or "—"), (self.tr("Tier"), labels.tier_name(inc.tier)),
                 (self.tr("Address"), inc.address or "—"), (self.tr("Caller"), " ".join(filter(None, [inc.caller, inc.caller_phone])) or "—"),
                 (self.tr("Description"), inc.description or "—")]
        if inc.duplicate_of_id:
            facts.append((self.tr("Possible duplicate of"), f"<a href='incident:{inc.duplicate_of_id}'>#{inc.duplicate_of_id}</a>"))
        stamps = " → ".join(f"{e(names[s])} {t(inc.state_time(s))}" for s in ("received", "dispatched", "acknowledged",
                            "en_route", "on_scene", "handling", "reported", "closed") if inc.state_time(s))
        fig_rows = []
        for key, text in (("sign_off_s", self.tr("To sign-off")), ("turn_out_s", self.tr("To turn-out")),
                          ("arrival_s", self.tr("To arrival"))):
            value = figures.get(key)
            if value is not None:
                fig_rows.append(f"{text} {labels.duration_text(value)}")
        if figures.get("met_ring") is not None:
            fig_rows.append(self.tr("met its recommended ring") if figures["met_ring"] else self.tr("missed its recommended ring"))
        # Translated outside the f-strings: the string extractor does not read inside them.
        release_word, released_word = self.tr("release"), self.tr("released")
        response_word, units_word, timeline_word = self.tr("Response"), self.tr("Units"), self.tr("Timeline")
        units = []
        for d in dispatches:
            ring = labels.age_text(d.recommended_ring * 60) if d.recommended_ring else "—"
            eta = labels.duration_text(d.eta_s) if d.eta_s is not None else "—"
            arrived = t(d.arrived_at) + (f" ({d.arrival_source})" if d.arrival_source else "") if d.arrived_at else "—"
            release = "" if d.released_at else f" <a href='release:{d.id}'>{e(release_word)}</a>"
            units.append(f"<tr><td><b>{e(d.callsign)}</b></td><td>{e(labels.tier_name(d.tier))}</td><td>{eta} / {ring}</td>"
                         f"<td>{arrived}</td><td>{release or e(released_word)}</td></tr>")
        events = "".join(
            f"<tr><td>{t(ev.at)}</td><td>{e(self._event_text(ev))}</td><td style='color:{muted}'>{e(ev.actor)}@{e(ev.workstation)}</td></tr>"
            for ev in timeline)
        facts_html = "".join(f"<tr><td style='color:{muted}'>{e(k)}</td><td>{v if v.startswith('<a') else e(v)}</td></tr>" for k, v in facts)
        return (f"{head}<table>{facts_html}</table><p>{stamps}</p>"
                + (f"<p><b>{e(response_word)}:</b> {e('; '.join(fig_rows))}</p>" if fig_rows else "")
                + f"<h4 style='margin:4px 0'>{e(units_word)}</h4><table>{''.join(units) or '<tr><td>—</td></tr>'}</table>"
                + f"<h4 style='margin:4px 0'>{e(timeline_word)}</h4><table>{events}</table>")

    def _event_text(self, ev: TimelineEvent) -> str:
        names = labels.state_names()
        text = ev.kind
        if ev.state_to:
            text = f"{names.get(ev.state_from or '', ev.state_from or '')} → {names.get(ev.state_to, ev.state_to)}"
        detail = ev.payload.get("callsign") or ev.payload.get("reason") or ev.payload.get("note")
        return f"{text} {detail}" if detail else text

    def _on_filter_changed(self) -> None:
        # Filtering may move Qt's current row to a neighbour: that is no choice of the user's.
        self._quiet = True
        self.proxy.set_filter(state=self.state_box.currentData(), level=self.level_box.currentData())
        self._quiet = False

    def _on_current_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid() and not self._quiet:
            self.sig_incident_selected.emit(self.model.incident_id(self.proxy.mapToSource(current).row()))

    def _on_action(self, state: str) -> None:
        if self.selected is not None:
            self.sig_transition_requested.emit(TransitionRequest(self.selected.id, state, self.selected.version))

    def _on_support(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        if self.selected is None:
            return
        note, ok = QInputDialog.getText(self, self.tr("Support requested"),
                                        self.tr("What support does the unit on scene ask for?"))
        if ok and note.strip():
            self.sig_support_requested.emit(SupportRequest(self.selected.id, note.strip()))

    def _on_detail_link(self, url) -> None:
        kind, _, value = url.toString().partition(":")
        if kind == "release":
            self.sig_release_requested.emit(int(value))
        elif kind == "incident":
            self.select(int(value))
