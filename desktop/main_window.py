"""The main window: the map in the centre, docks around it, menus and a status bar.

It only lays things out; wiring between docks and the map happens in ``desktop.app``."""
from __future__ import annotations

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QVBoxLayout, QWidget

from core.settings import Settings
from desktop import theme
from desktop.live.live_model import LiveModel
from desktop.map.view import MapView


class MainWindow(QMainWindow):
    sig_basemap_settings_requested = Signal()
    sig_replay_requested = Signal()
    sig_finding_here_requested = Signal()  # record a patrol finding where the map is clicked next

    def __init__(self, settings: Settings, map_view: MapView, live: LiveModel | None = None, parent=None,
                 docks: bool = True):
        super().__init__(parent)
        self.settings = settings
        self.setObjectName("main_window")
        self.setWindowTitle(self.tr("Grid Command — joint police and city-management grid command map"))
        self.map_view = map_view
        # The outage banner above the map (hidden while the database answers).
        from desktop.banner import OutageBanner

        self.banner = OutageBanner(settings.ui.timezone)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(self.banner)
        column.addWidget(map_view, 1)
        self.setCentralWidget(central)
        self.live = live or LiveModel(settings.live.stale_after_s, parent=self)
        self.docks: tuple = ()
        self.status_db = QLabel()
        self.status_basemap = QLabel()
        self.status_network = QLabel()
        self.status_feed = QLabel()
        for label in (self.status_feed, self.status_db, self.status_basemap, self.status_network):
            self.statusBar().addPermanentWidget(label)
        self._build_menus()
        self.resize(1600, 900)
        self.restore_layout()
        if docks:
            self.build_docks()

    def build_docks(self) -> None:
        """The docks, once. Start-up shows the map first and builds these right after the
        first frame: the browser draws in its own processes meanwhile."""
        if self.docks:
            return
        from desktop.docks.dispatch import DispatchDock
        from desktop.docks.escalation import EscalationDock
        from desktop.docks.incidents import IncidentsDock
        from desktop.docks.intake import IntakeDock
        from desktop.docks.layers import LayersDock
        from desktop.docks.unit_card import UnitCardDock
        from desktop.docks.units_board import UnitsBoardDock
        from desktop.docks.patrol import PatrolDock
        from desktop.docks.place_rules import PlaceRulesDock
        from desktop.docks.statistics import StatisticsDock
        from desktop.docks.workorders import WorkOrdersDock

        settings = self.settings
        zone = settings.ui.timezone
        # Left: taking calls and finding places. Right: the incident being worked, with
        # dispatch, escalation and the forces as tabs below it.
        self.intake_dock = IntakeDock(self, settings.ui.language)
        self.layers_dock = LayersDock(self)
        self.incidents_dock = IncidentsDock(self, zone)
        self.dispatch_dock = DispatchDock(self)
        self.escalation_dock = EscalationDock(self)
        self.units_dock = UnitsBoardDock(self.live, self)
        self.unit_card = UnitCardDock(self.live, self)
        self.workorders_dock = WorkOrdersDock(self, zone)
        self.patrol_dock = PatrolDock(self, zone)
        self.statistics_dock = StatisticsDock(self, settings.ui.language)
        self.place_rules_dock = PlaceRulesDock(self, zone)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.intake_dock)
        self.tabifyDockWidget(self.intake_dock, self.layers_dock)
        self.tabifyDockWidget(self.intake_dock, self.patrol_dock)
        self.tabifyDockWidget(self.intake_dock, self.place_rules_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.incidents_dock)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dispatch_dock)
        for dock in (self.escalation_dock, self.units_dock, self.unit_card, self.workorders_dock,
                     self.statistics_dock):
            self.tabifyDockWidget(self.dispatch_dock, dock)
        self.intake_dock.raise_()
        self.dispatch_dock.raise_()
        self.docks = (self.intake_dock, self.layers_dock, self.incidents_dock, self.dispatch_dock,
                      self.escalation_dock, self.units_dock, self.unit_card, self.workorders_dock, self.patrol_dock,
                      self.statistics_dock, self.place_rules_dock)
        self.resizeDocks([self.intake_dock, self.incidents_dock], [320, 470], Qt.Orientation.Horizontal)
        self.resizeDocks([self.incidents_dock, self.dispatch_dock], [420, 480], Qt.Orientation.Vertical)
        for dock in self.docks:
            self.view_menu.addAction(dock.toggleViewAction())
        self.restore_layout()

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        replay_action = QAction(self.tr("&Replay…"), self)
        replay_action.triggered.connect(self.sig_replay_requested.emit)
        file_menu.addAction(replay_action)
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        self.view_menu = self.menuBar().addMenu(self.tr("&View"))
        map_menu = self.menuBar().addMenu(self.tr("&Map"))
        finding_action = QAction(self.tr("Record patrol finding here…"), self)
        finding_action.setToolTip(self.tr("Opens the finding form; the next click on the map is its location"))
        finding_action.triggered.connect(self.sig_finding_here_requested.emit)
        map_menu.addAction(finding_action)
        settings_menu = self.menuBar().addMenu(self.tr("&Settings"))
        basemap_action = QAction(self.tr("&Basemap…"), self)
        basemap_action.triggered.connect(self.sig_basemap_settings_requested.emit)
        settings_menu.addAction(basemap_action)

    def show_first(self) -> None:
        """Maximised on the first start (a dispatcher's screen is for the map); afterwards
        as the user left it."""
        if self.settings.ui.window_geometry:
            self.show()
        else:
            self.showMaximized()

    def show_message(self, message) -> None:
        """A UserMessage from a controller or the workspace, as a dialog on a workstation."""
        from PySide6.QtWidgets import QMessageBox

        show = {"info": QMessageBox.information, "warning": QMessageBox.warning}.get(message.level, QMessageBox.critical)
        show(self, message.title, message.text)

    def restore_layout(self) -> None:
        """Where the window was (before it shows) and, once the docks exist, their layout."""
        ui = self.settings.ui
        if ui.window_geometry:
            self.restoreGeometry(QByteArray.fromBase64(ui.window_geometry.encode()))
        if ui.window_state and self.docks:
            self.restoreState(QByteArray.fromBase64(ui.window_state.encode()))

    def remember_layout(self) -> None:
        self.settings.ui.window_geometry = bytes(self.saveGeometry().toBase64().data()).decode()
        self.settings.ui.window_state = bytes(self.saveState().toBase64().data()).decode()

    def set_feed_status(self, problem: str | None) -> None:
        if problem:
            self.status_feed.setText(self.tr("Live data interrupted: %1").replace("%1", problem[:80]))
            theme.set_status(self.status_feed, "alert")
        else:
            self.status_feed.setText(self.tr("Live data: connected"))
            theme.set_status(self.status_feed, "ok")

    def set_status(self, db: str, basemap: str, blocked: int) -> None:
        self.status_db.setText(self.tr("Database: %1").replace("%1", db))
        self.status_basemap.setText(self.tr("Basemap: %1").replace("%1", basemap))
        if blocked:
            self.status_network.setText(self.tr("Offline: %n external request(s) blocked", "", blocked))
            theme.set_status(self.status_network, "warn")
        else:
            self.status_network.setText(self.tr("Offline: no external requests"))
            theme.set_status(self.status_network, "ok")
