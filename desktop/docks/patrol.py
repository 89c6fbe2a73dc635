"""The patrol dock (巡防): one grid in one shift — must-visit points visited ✓ / due / missed ✗
with their times, must-patrol lines with coverage, joint patrols so far, and on-duty units
not seen in their grid. It shows the core.patrol_status.PatrolStatus it is given and
emits typed requests; it decides nothing (the controller the lead wires loads the data)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (QComboBox, QDockWidget, QHBoxLayout, QLabel, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from core.patrol_status import COLORS, DUE, MISSED, VISITED, PatrolStatus, line_color

_ROLE = Qt.ItemDataRole.UserRole


@dataclass(frozen=True, slots=True)
class PatrolViewRequested:
    """The user picked another grid or shift: load and show that status."""

    grid_code: str
    shift_code: str


@dataclass(frozen=True, slots=True)
class PatrolPlaceSelected:
    """A point, a line or a unit was activated in the dock: show it on the map."""

    kind: str  # point | line | unit
    code: str


class PatrolDock(QDockWidget):
    """Declared header: name ``patrol``; signals ``sig_view_requested(PatrolViewRequested)`` and
    ``sig_place_selected(PatrolPlaceSelected)``."""

    NAME = "patrol"
    sig_view_requested = Signal(object)
    sig_place_selected = Signal(object)

    def __init__(self, parent=None, zone: str = "Asia/Shanghai"):
        super().__init__(self.tr("Patrol duty"), parent)
        self.setObjectName("dock_patrol")
        self.zone = ZoneInfo(zone)
        self.status: PatrolStatus | None = None
        self.grid_box = QComboBox()
        self.shift_box = QComboBox()
        self.summary = QLabel(self.tr("No patrol status loaded."))
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels([self.tr("Name"), self.tr("State"), self.tr("Done / due"), self.tr("Times")])
        self.tree.setRootIsDecorated(True)
        pick = QHBoxLayout()
        pick.addWidget(QLabel(self.tr("Grid")))
        pick.addWidget(self.grid_box, 1)
        pick.addWidget(QLabel(self.tr("Shift")))
        pick.addWidget(self.shift_box, 1)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(pick)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        self.setWidget(body)
        self.grid_box.currentIndexChanged.connect(self._on_choice_changed)
        self.shift_box.currentIndexChanged.connect(self._on_choice_changed)
        self.tree.itemActivated.connect(self._on_item_activated)

    # -- what the controller calls ----------------------------------------------------------

    def set_choices(self, grids: list[tuple[str, str]], shifts: list[tuple[str, str]]) -> None:
        """(code, name) of the grids and the shifts in force; keeps the current choice when it remains."""
        for box, items in ((self.grid_box, grids), (self.shift_box, shifts)):
            current = box.currentData()
            box.blockSignals(True)  # model -> widget: no echo back as a request
            box.clear()
            for code, name in items:
                box.addItem(name, code)
            index = box.findData(current)
            box.setCurrentIndex(index if index >= 0 else 0)
            box.blockSignals(False)

    def show_status(self, status: PatrolStatus) -> None:
        self.status = status
        for box, code in ((self.grid_box, status.grid_code), (self.shift_box, status.shift_code)):
            index = box.findData(code)
            if index >= 0 and index != box.currentIndex():
                box.blockSignals(True)
                box.setCurrentIndex(index)
                box.blockSignals(False)
        self.tree.clear()
        self._add_points(status)
        self._add_lines(status)
        self._add_joint(status)
        self._add_unseen(status)
        self.tree.expandAll()
        for column in range(4):
            self.tree.resizeColumnToContents(column)
        self.summary.setText(self._summary(status))

    # -- building the tree ---------------------------------------------------------------------

    def state_labels(self) -> dict[str, str]:
        return {VISITED: self.tr("✓ visited"), DUE: self.tr("due"), MISSED: self.tr("✗ missed")}

    def _time(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%H:%M")

    def _section(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem([title])
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        self.tree.addTopLevelItem(item)
        return item

    def _add_points(self, status: PatrolStatus) -> None:
        section = self._section(self.tr("Must-visit points"))
        labels = self.state_labels()
        for p in status.points:
            done = sum(s[3] for s in p.slots)
            needed = sum(s[2] for s in p.slots)
            visits = ", ".join(f"{self._time(v.arrived)}–{self._time(v.left)} {v.callsign}" for v in p.visits)
            item = QTreeWidgetItem([p.name, labels[p.state], f"{done}/{needed}", visits])
            item.setForeground(1, QBrush(QColor(COLORS[p.state])))
            item.setData(0, _ROLE, PatrolPlaceSelected("point", p.code))
            for start, end, need, got, state in p.slots:
                child = QTreeWidgetItem([f"{self._time(start)}–{self._time(end)}", labels[state], f"{got}/{need}", ""])
                child.setForeground(1, QBrush(QColor(COLORS[state])))
                child.setData(0, _ROLE, PatrolPlaceSelected("point", p.code))
                item.addChild(child)
            section.addChild(item)

    def _add_lines(self, status: PatrolStatus) -> None:
        section = self._section(self.tr("Must-patrol lines"))
        for line in status.lines:
            item = QTreeWidgetItem([line.name, f"{line.covered_pct:g}%", f"{line.passes_done}/{line.passes_due}", ""])
            item.setForeground(1, QBrush(QColor(line_color(line.covered_pct))))
            item.setData(0, _ROLE, PatrolPlaceSelected("line", line.code))
            section.addChild(item)

    def _add_joint(self, status: PatrolStatus) -> None:
        section = self._section(self.tr("Joint patrols: %n", "", len(status.joint_patrols)))
        for j in status.joint_patrols:
            item = QTreeWidgetItem([f"{j.police_callsign} + {j.city_callsign}",
                                    self.tr("%1 min").replace("%1", f"{j.minutes:g}"), "",
                                    f"{self._time(j.start)}–{self._time(j.end)}"])
            section.addChild(item)

    def _add_unseen(self, status: PatrolStatus) -> None:
        section = self._section(self.tr("On duty, not seen in the grid"))
        for u in status.unseen:
            seen = self._time(u.last_seen) if u.last_seen is not None else self.tr("no fix this shift")
            item = QTreeWidgetItem([u.callsign, "", "", seen])
            item.setData(0, _ROLE, PatrolPlaceSelected("unit", u.callsign))
            section.addChild(item)

    def _summary(self, status: PatrolStatus) -> str:
        visited = sum(1 for p in status.points if p.state == VISITED)
        missed = sum(1 for p in status.points if p.state == MISSED)
        coverage = (sum(line.covered_pct for line in status.lines) / len(status.lines)) if status.lines else 0.0
        day: date = status.shift_start.astimezone(self.zone).date()
        return (self.tr("%1 %2 %3–%4: points %5/%6 visited, %7 missed; lines %8% covered on average; "
                        "%9 joint patrols; %10 units not seen")
                .replace("%10", str(len(status.unseen))).replace("%1", day.isoformat())
                .replace("%2", status.shift_name).replace("%3", self._time(status.shift_start))
                .replace("%4", self._time(status.shift_end)).replace("%5", str(visited))
                .replace("%6", str(len(status.points))).replace("%7", str(missed))
                .replace("%8", f"{coverage:.0f}").replace("%9", str(len(status.joint_patrols))))

    # -- user actions -----------------------------------------------------------------------------

    def _on_choice_changed(self, _index: int) -> None:
        grid, shift = self.grid_box.currentData(), self.shift_box.currentData()
        if grid is not None and shift is not None:
            self.sig_view_requested.emit(PatrolViewRequested(grid, shift))

    def _on_item_activated(self, item: QTreeWidgetItem, _column: int) -> None:
        selected = item.data(0, _ROLE)
        if isinstance(selected, PatrolPlaceSelected):
            self.sig_place_selected.emit(selected)


def sample_status(layers: dict, grid_code: str = "G02", now: datetime | None = None) -> PatrolStatus:
    """A night shift on the demo grid with every state on show, for the preview."""
    from datetime import timedelta, timezone

    from core.patrol_places import line_length_m
    from core.patrol_rules import ShiftRule, parse_windows, shift_instance
    from core.patrol_status import JointStatus, LineDuty, Pass, PointDuty, UnseenUnit, Visit, line_status, point_status

    zone = "Asia/Shanghai"
    shift = ShiftRule("night", "夜班", 19 * 60, 3 * 60)
    now = now or datetime(2026, 6, 1, 14, 30, tzinfo=timezone.utc)  # 22:30 local
    start, end = shift_instance(shift, date(2026, 6, 1), zone)
    points = [f for f in layers.get("points", []) if f.grid_code == grid_code]
    visits = []
    for n, f in enumerate(points):
        if n % 3 == 0:
            arrived = start + timedelta(minutes=20 + 25 * n)
            visits.append(Visit(f.code, "联勤2-1", "BC-0201", arrived, arrived + timedelta(minutes=6)))
    duties = [PointDuty(f.code, f.name, f.grid_code, *f.geometry["coordinates"][:2], f.properties.get("radius_m", 50),
                        tuple(parse_windows(f.properties.get("time_windows"))) or (),
                        f.properties.get("visits_per_shift", 1)) for f in points]
    lines = [f for f in layers.get("lines", []) if f.grid_code == grid_code]
    passes = [Pass(f.code, "联勤2-1", start, start + timedelta(minutes=30), 0.0,
                   line_length_m(f.geometry["coordinates"]) * (0.3 + 0.35 * n)) for n, f in enumerate(lines)]
    return PatrolStatus(
        grid_code, shift.code, shift.name, start, end, now,
        tuple(point_status(d, shift, start, end, visits, now, zone) for d in duties),
        tuple(line_status(LineDuty(f.code, f.name, f.grid_code, f.geometry["coordinates"],
                                   line_length_m(f.geometry["coordinates"]), f.properties.get("passes_per_shift", 1)),
                          passes, 80.0) for f in lines),
        (JointStatus("联勤2-1", "联勤2-1", start + timedelta(minutes=10), start + timedelta(minutes=55)),),
        (UnseenUnit("联勤2-2", now - timedelta(minutes=47)),))


def _preview(layers: dict) -> QWidget:
    dock = PatrolDock()
    dock.set_choices([("G02", "二网格")], [("night", "夜班")])
    dock.show_status(sample_status(layers))
    dock.sig_place_selected.connect(print)
    dock.sig_view_requested.connect(print)
    return dock


if __name__ == "__main__":
    import sys

    from desktop.preview import run_preview

    sys.exit(run_preview(_preview))
