"""The replay window: the map (a view of its own map scene) with the timeline bar under
it; the incident list, units board and unit card (the live window's docks, fed from
the replay source) and the what-if dock around it; loading progress in the status
bar. It only lays things out; ``desktop.replay.controller`` wires them."""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QPushButton, QVBoxLayout, QWidget

from core.settings import Settings
from desktop import theme
from desktop.docks.incidents import IncidentsDock
from desktop.docks.unit_card import UnitCardDock
from desktop.docks.units_board import UnitsBoardDock
from desktop.live.live_model import LiveModel
from desktop.map.view import MapView
from desktop.replay.timeline import TimelineBar
from desktop.replay.whatif_dock import WhatIfDock


class ReplayWindow(QMainWindow):
    sig_closed = Signal()

    def __init__(self, settings: Settings, map_view: MapView, live: LiveModel, start: datetime, end: datetime,
                 parent=None):
        super().__init__(parent)
        self.setObjectName("replay_window")
        self.settings = settings
        zone = settings.ui.timezone
        self.map_view = map_view
        self.timeline = TimelineBar(zone)
        centre = QWidget()
        layout = QVBoxLayout(centre)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(map_view, 1)
        layout.addWidget(self.timeline)
        self.setCentralWidget(centre)
        self.incidents_dock = IncidentsDock(self, zone)
        self.units_dock = UnitsBoardDock(live, self)
        self.unit_card = UnitCardDock(live, self)
        self.whatif_dock = WhatIfDock(self)
        self.hide_actions()
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.incidents_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.whatif_dock)
        self.tabifyDockWidget(self.whatif_dock, self.units_dock)
        self.tabifyDockWidget(self.whatif_dock, self.unit_card)
        self.whatif_dock.raise_()
        self.resizeDocks([self.incidents_dock], [460], Qt.Orientation.Horizontal)
        self.resizeDocks([self.incidents_dock, self.whatif_dock], [380, 520], Qt.Orientation.Vertical)
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        for dock in (self.incidents_dock, self.whatif_dock, self.units_dock, self.unit_card):
            view_menu.addAction(dock.toggleViewAction())
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setMaximumWidth(260)
        self.status = QLabel()
        self.read_only_label = QLabel(self.tr("Replay · read-only"))
        theme.set_status(self.read_only_label, "warn")
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.progress)
        self.statusBar().addPermanentWidget(self.read_only_label)
        self.setWindowTitle(self.tr("Replay %1 – %2 — Grid Command").replace(
            "%1", _local(start, zone)).replace("%2", _local(end, zone)))
        self.resize(1600, 900)

    def hide_actions(self) -> None:
        """A replay changes nothing: the docks' actions are not offered (the runner would
        refuse them). Every button of the incidents dock is an action (state changes,
        support, findings); the unit card keeps follow and trail."""
        for button in self.incidents_dock.widget().findChildren(QPushButton):
            button.setVisible(False)
        self.unit_card.dispatch_button.setVisible(False)

    def closeEvent(self, event) -> None:
        super().closeEvent(event)
        self.sig_closed.emit()

    def show_progress(self, fixes: int, done: float) -> None:
        self.progress.setValue(round(done * 1000))
        self.status.setText(self.tr("Loading history: %1 fixes").replace("%1", f"{fixes:,}"))

    def show_loaded(self, fixes: int, incidents: int) -> None:
        self.progress.setVisible(False)
        self.status.setText(self.tr("%1 fixes, %2 incidents in the window").replace("%1", f"{fixes:,}").replace(
            "%2", str(incidents)))

    def show_message(self, message) -> None:
        from PySide6.QtWidgets import QMessageBox

        show = {"info": QMessageBox.information, "warning": QMessageBox.warning}.get(message.level, QMessageBox.critical)
        show(self, message.title, message.text)


def _local(at: datetime, zone: str) -> str:
    from zoneinfo import ZoneInfo

    return at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")
