"""The place rules dock (必到点/必巡线编辑): the map's edit tools (draw a must-visit point or a
must-patrol line, move, edit a line's vertices, delete), the points and lines in force, and
the rules form of the chosen one (name, radius, dwell, time windows with expected visits,
visits per shift; a line's buffer and passes per shift) with its versions.

It shows what it is given and emits typed requests; checking the values is core's
(core.place_edit), writing them the controller's."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDockWidget, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QMessageBox, QPushButton, QSpinBox, QToolButton, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from core import layers as L
from core.layers import LayerFeature
from desktop import theme

_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class EditModeRequested:
    """Turn a map edit tool on (point, line, move, vertices, delete) or off (None)."""

    mode: str | None


@dataclass(frozen=True, slots=True)
class PlaceChosen:
    """A point or line was chosen in the list: show it and its rules."""

    layer: str
    code: str


@dataclass(frozen=True, slots=True)
class RulesSubmitted:
    """The form's values as typed, unchecked (core.place_edit.check_rules checks them)."""

    layer: str
    code: str
    name: str
    windows_text: str
    radius_m: float
    dwell_s: float
    visits_per_shift: int
    buffer_m: float
    passes_per_shift: int


class PlaceRulesDock(QDockWidget):
    """Declared header: name ``place_rules``; signals ``sig_mode_requested(EditModeRequested)``,
    ``sig_place_chosen(PlaceChosen)``, ``sig_rules_submitted(RulesSubmitted)``."""

    NAME = "place_rules"
    sig_mode_requested = Signal(object)
    sig_place_chosen = Signal(object)
    sig_rules_submitted = Signal(object)

    def __init__(self, parent=None, zone: str = "Asia/Shanghai"):
        super().__init__(self.tr("Edit patrol places"), parent)
        self.setObjectName("dock_place_rules")
        self.zone = ZoneInfo(zone)
        self.features: dict[tuple[str, str], LayerFeature] = {}
        self.current: tuple[str, str] | None = None
        self.mode: str | None = None
        self._shown: tuple[str, str] | None = None
        self._shown_values: tuple | None = None
        self.tools: dict[str, QToolButton] = {}
        tools = QHBoxLayout()
        for mode, text, tip in (
            ("point", self.tr("Point"), self.tr("Draw must-visit points: click the map")),
            ("line", self.tr("Line"), self.tr("Draw a must-patrol line: click its vertices, click the last one again to finish")),
            ("move", self.tr("Move"), self.tr("Drag points and lines to a new place")),
            ("vertices", self.tr("Vertices"), self.tr("Drag a line's vertices; drag a middle marker to add one")),
            ("delete", self.tr("Delete"), self.tr("Click a point or line to take it out of force (asks first)")),
        ):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setObjectName(f"tool_{mode}")
            button.clicked.connect(lambda checked, m=mode: self._on_tool(m, checked))
            tools.addWidget(button)
            self.tools[mode] = button
        tools.addStretch(1)
        self.hint = QLabel(self.tr("Choose a tool to edit on the map, or a place below to set its rules."))
        self.hint.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels([self.tr("Name"), self.tr("Code")])
        self.tree.itemSelectionChanged.connect(self._on_selection)

        self.code_label = QLabel("—")
        self.name_edit = QLineEdit()
        self.radius = self._double(0, 100_000, 50, self.tr(" m"))
        self.dwell = self._double(0, 86_400, 120, self.tr(" s"))
        self.visits = QSpinBox()
        self.visits.setRange(0, 99)
        self.buffer = self._double(0, 100_000, 30, self.tr(" m"))
        self.passes = QSpinBox()
        self.passes.setRange(0, 99)
        self.windows = QLineEdit()
        self.windows.setPlaceholderText(self.tr("e.g. 19:00-23:00*2, 07:00-09:00"))
        self.form = QFormLayout()
        self.form.addRow(self.tr("Code"), self.code_label)
        self.form.addRow(self.tr("Name"), self.name_edit)
        self.form.addRow(self.tr("Radius"), self.radius)
        self.form.addRow(self.tr("Minimum dwell"), self.dwell)
        self.form.addRow(self.tr("Visits per shift"), self.visits)
        self.form.addRow(self.tr("Buffer"), self.buffer)
        self.form.addRow(self.tr("Passes per shift"), self.passes)
        self.form.addRow(self.tr("Time windows"), self.windows)
        self.save_button = QPushButton(self.tr("Save as new version"))
        self.save_button.clicked.connect(self._on_save)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setObjectName("place_rules_message")
        self.history = QListWidget()
        self.history.setMaximumHeight(110)

        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(tools)
        layout.addWidget(self.hint)
        layout.addWidget(self.tree, 1)
        layout.addLayout(self.form)
        layout.addWidget(self.save_button)
        layout.addWidget(self.message)
        layout.addWidget(QLabel(self.tr("Versions")))
        layout.addWidget(self.history)
        self.setWidget(body)
        self._show_form_for(None)

    @staticmethod
    def _double(low: float, high: float, value: float, suffix: str) -> QDoubleSpinBox:
        box = QDoubleSpinBox()
        box.setRange(low, high)
        box.setDecimals(0)
        box.setValue(value)
        box.setSuffix(suffix)
        return box

    # -- what the controller calls ----------------------------------------------------------

    def set_editable(self, allowed: bool) -> None:
        """Without the edit_duty permission the dock only shows the rules."""
        for button in self.tools.values():
            button.setEnabled(allowed)
        self.save_button.setEnabled(allowed and self.current is not None)
        if not allowed:
            self.hint.setText(self.tr("You may view these rules; editing them needs the edit_duty permission."))

    def set_places(self, points: list[LayerFeature], lines: list[LayerFeature]) -> None:
        """The points and lines in force; keeps the chosen one when it remains."""
        self.features = {(f.layer, f.code): f for f in (*points, *lines)}
        self.tree.blockSignals(True)  # model -> widget: no echo back as a request
        self.tree.clear()
        for title, layer, features in ((self.tr("Must-visit points"), L.POINTS, points),
                                       (self.tr("Must-patrol lines"), L.LINES, lines)):
            section = QTreeWidgetItem([f"{title} ({len(features)})"])
            section.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.tree.addTopLevelItem(section)
            for f in features:
                item = QTreeWidgetItem([f.name, f.code])
                item.setData(0, _ROLE, (layer, f.code))
                section.addChild(item)
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self.tree.blockSignals(False)
        if self.current is not None and self.current in self.features:
            self.select(*self.current)
        else:
            self.current = None
            self._show_form_for(None)

    def select(self, layer: str, code: str) -> bool:
        """Choose a place (a click on the map, a place just drawn) and fill the form from it."""
        feature = self.features.get((layer, code))
        if feature is None:
            return False
        self.current = (layer, code)
        self._select_item(layer, code)
        self._show_form_for(feature)
        return True

    def set_mode(self, mode: str | None) -> None:
        self.mode = mode
        for name, button in self.tools.items():
            button.setChecked(name == mode)
        hints = {
            None: self.tr("Choose a tool to edit on the map, or a place below to set its rules."),
            "point": self.tr("Click the map to add a must-visit point."),
            "line": self.tr("Click the vertices of the new line; click the last one again to finish."),
            "move": self.tr("Drag a point or a line; it is saved when you let go."),
            "vertices": self.tr("Click a line, then drag its vertices; it is saved when you let go."),
            "delete": self.tr("Click the point or line to delete."),
        }
        self.hint.setText(hints[mode])

    def show_history(self, layer: str, code: str, versions) -> None:
        """``versions``: db.place_edit_ops.PlaceVersion, newest first."""
        if self.current != (layer, code):
            return
        self.history.clear()
        for v in versions:
            since = self._time(v.valid_from)
            until = self._time(v.valid_to) if v.valid_to is not None else self.tr("in force")
            self.history.addItem(f"v{v.revision}  {since} → {until}  {v.name}")

    def show_error(self, text: str) -> None:
        self.message.setText(text)
        theme.set_status(self.message, "alert")

    def show_saved(self, text: str) -> None:
        self.message.setText(text)
        theme.set_status(self.message, "ok")

    def new_place_name(self, layer: str) -> str:
        """The name a drawn place gets until renamed; %1 is its code."""
        return self.tr("New must-visit point %1") if layer == L.POINTS else self.tr("New must-patrol line %1")

    def confirm_retire(self, name: str) -> bool:
        """Ask before a place goes out of force (its history stays)."""
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Delete place"),
                          self.tr("Take “%1” out of force from now on? Its history is kept.").replace("%1", name),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setObjectName("confirm_retire")
        box.setDefaultButton(QMessageBox.StandardButton.No)
        return box.exec() == QMessageBox.StandardButton.Yes

    # -- internals --------------------------------------------------------------------------

    def _time(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")

    def _select_item(self, layer: str, code: str) -> None:
        self.tree.blockSignals(True)
        for i in range(self.tree.topLevelItemCount()):
            section = self.tree.topLevelItem(i)
            for j in range(section.childCount()):
                item = section.child(j)
                if item.data(0, _ROLE) == (layer, code):
                    self.tree.setCurrentItem(item)
                    self.tree.scrollToItem(item)
        self.tree.blockSignals(False)

    def _show_form_for(self, feature: LayerFeature | None) -> None:
        is_point = feature is not None and feature.layer == L.POINTS
        is_line = feature is not None and feature.layer == L.LINES
        for widget, visible in ((self.radius, is_point), (self.dwell, is_point), (self.visits, is_point),
                                (self.buffer, is_line), (self.passes, is_line)):
            self.form.setRowVisible(widget, visible)
        self.save_button.setEnabled(feature is not None and all(b.isEnabled() for b in self.tools.values()))
        key = (feature.layer, feature.code) if feature is not None else None
        values = _rule_values(feature)
        if key == self._shown and values == self._shown_values:
            return  # re-read unchanged (e.g. after a move): what the user is typing stays
        if key != self._shown:  # the same place re-read after its own save keeps the message
            self.history.clear()
            self.message.clear()
        self._shown, self._shown_values = key, values
        if feature is None:
            self.code_label.setText("—")
            self.name_edit.clear()
            self.windows.clear()
            return
        p = feature.properties
        self.code_label.setText(feature.code)
        self.name_edit.setText(feature.name)
        windows = p.get("time_windows") or []
        self.windows.setText(", ".join(
            f"{w['start']}-{w['end']}" + (f"*{w['visits']}" if w.get("visits", 1) != 1 else "") if isinstance(w, dict)
            else str(w) for w in windows))
        if is_point:
            self.radius.setValue(float(p.get("radius_m") or 50))
            self.dwell.setValue(float(p.get("dwell_s") or 0))
            self.visits.setValue(int(p.get("visits_per_shift") or 0))
        else:
            self.buffer.setValue(float(p.get("corridor_m") or 30))
            self.passes.setValue(int(p.get("passes_per_shift") or 0))

    def _on_tool(self, mode: str, checked: bool) -> None:
        wanted = mode if checked else None
        self.set_mode(wanted)
        self.sig_mode_requested.emit(EditModeRequested(wanted))

    def _on_selection(self) -> None:
        item = self.tree.currentItem()
        chosen = item.data(0, _ROLE) if item is not None else None
        if not chosen:
            return
        layer, code = chosen
        self.select(layer, code)
        self.sig_place_chosen.emit(PlaceChosen(layer, code))

    def _on_save(self) -> None:
        if self.current is None:
            return
        layer, code = self.current
        self.sig_rules_submitted.emit(RulesSubmitted(
            layer, code, self.name_edit.text(), self.windows.text(), self.radius.value(), self.dwell.value(),
            self.visits.value(), self.buffer.value(), self.passes.value()))


def _rule_values(feature: LayerFeature | None) -> tuple | None:
    """What the form shows of a place: a re-read place with equal values leaves the form alone."""
    if feature is None:
        return None
    p = feature.properties
    return (feature.name, *(repr(p.get(k)) for k in ("radius_m", "dwell_s", "visits_per_shift", "corridor_m",
                                                     "passes_per_shift", "time_windows")))


def _preview(layers: dict) -> PlaceRulesDock:
    """`python -m desktop.docks.place_rules`: the demo city's points and lines, the first one chosen."""
    dock = PlaceRulesDock()
    points, lines = layers.get(L.POINTS, []), layers.get(L.LINES, [])
    dock.set_places(points, lines)
    if points:
        dock.select(L.POINTS, points[0].code)
    return dock


if __name__ == "__main__":
    import sys

    from desktop.preview import run_preview

    sys.exit(run_preview(_preview))
