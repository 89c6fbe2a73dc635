"""The composition for `gridcommand gui --wall`: the workstation's start-up stages (the
page cache, the database opened in the background, the static layers and their page,
the live feed, the demo's in-process feeds) with the wall's window and controller in
place of the main window, its docks and their controllers.

It shares those stages by inheriting from ``GridCommandApp`` and replaces what differs:
the window, the controllers, start-up failures (a banner and a retry by back-off, never
an exit or a dialog) and shutdown (a wall saves nothing)."""
from __future__ import annotations

import dataclasses
import gc
import logging
import sys
from datetime import datetime, timezone

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut

from core.settings import Settings
from core.wall_views import backoff_s, span_rect
from db.config import load_settings
from desktop.app import GridCommandApp, GuiOptions, prepare_gui, schedule_startup, take_screenshot
from desktop.controllers.map_data import MapDataController
from desktop.errors import message_for
from desktop.wall.controller import WallController, outage_reason
from desktop.wall.window import WallWindow

log = logging.getLogger(__name__)
DRAWN_SETTLE_MS = 1500


class WallApp(GridCommandApp):
    def __init__(self, settings: Settings, options: GuiOptions, engine=None, show_cached: bool = False):
        QObject.__init__(self)  # GridCommandApp.__init__ builds the workstation's window: not here
        options.theme = "dark"
        # The wall's own label threshold; a wall saves no settings, so the copy goes nowhere.
        settings = dataclasses.replace(settings, map=dataclasses.replace(settings.map,
                                                                         label_min_zoom=settings.wall.label_min_zoom))
        self.compose_map(settings, options, show_cached)
        self.window = WallWindow(settings.wall, self.map_view, self.ws.clock, self.place.timezone)
        self.map_data = MapDataController(self.ws, self.scene, None, self.page_cache, self)
        self.controller = WallController(self.ws, self.scene, self.window, self)
        self.units = None
        self.incident_controller = None
        self.embedded = None
        self.pending_basemap = None
        self._startup_begun = False
        self._open_attempt = 0
        self._open_lost_since: datetime | None = None
        # Start-up is complete (screenshots are taken) once the page is current, the first
        # figures are read and the page has drawn a units batch (after its replay of incidents and rings).
        self._pending = {"page", "figures", "drawn"}
        # A software-rendered 4K page shows its frame a while after it says it drew it.
        self.map_view.bridge.sig_units_applied.connect(self._on_units_applied)
        self.controller.sig_refreshed.connect(lambda: self._stage_done("figures"))
        self.ws.sig_message.connect(self.window.banner.show_message)
        if engine is not None:
            self.attach_database(engine)

    # --- the stages that differ from the workstation's -----------------------------------
    def _cache_key(self) -> str:
        # Its own page (its label threshold): a wall and a workstation on one machine must not
        # rebuild each other's cached page on every start.
        return super()._cache_key() + "|wall"

    def build_docks(self) -> None:
        pass  # no docks on a wall

    def settle_actor(self, needs_login: bool) -> bool:
        from desktop.session import wall_actor

        self.ws.set_actor(wall_actor(self.ws.actor.workstation))  # read-only, never asks anyone
        return True

    def start_incidents(self) -> None:
        if self._open_lost_since is not None:
            self._open_lost_since = None
            self.window.banner.clear_lost()
            self.window.set_stale(None)
        self.controller.start()

    def _on_page_current(self) -> None:
        self.map_data.sig_page_current.disconnect(self._on_page_current)
        self._stage_done("page")

    def _on_units_applied(self, _seq: int, _ms: float) -> None:
        if "page" in self._pending:
            return  # a batch drawn on the cached page says nothing about the current one
        # Once is enough: live batches come ten times a second from now on.
        self.map_view.bridge.sig_units_applied.disconnect(self._on_units_applied)
        QTimer.singleShot(DRAWN_SETTLE_MS, lambda: self._stage_done("drawn"))

    def _stage_done(self, stage: str) -> None:
        if stage not in self._pending:
            return
        self._pending.discard(stage)
        if not self._pending:
            gc.collect()  # as the workstation does: start-up's objects live as long as the app
            gc.freeze()
            self.sig_startup_completed.emit()

    def _update_status(self) -> None:
        pass  # no status bar: the banner says what matters

    def _on_open_failed(self, exc: BaseException) -> None:
        """The database could not be opened: say so on the banner and try again later."""
        log.warning("wall start-up: %s", outage_reason(exc))
        super()._on_open_failed(exc)  # screenshots stop on it; an interactive wall keeps trying
        if self._open_lost_since is None:
            self._open_lost_since = datetime.now(timezone.utc)
        self._open_attempt += 1
        delay = backoff_s(self._open_attempt, 1.0, self.settings.wall.reconnect_max_s)
        self.window.banner.show_lost(self._open_lost_since, outage_reason(exc), delay)
        self.window.set_stale(self.tr("No data yet"))
        self._startup_begun = False
        QTimer.singleShot(int(delay * 1000), self.complete_startup)

    def stop_live(self) -> None:
        self.controller.stop()
        super().stop_live()

    def shutdown(self) -> None:
        self.stop_live()  # a wall saves no settings and no layout


def place_window(window, screen: int | None = None, span: bool = False) -> None:
    """Full screen on screen ``screen`` (default: the primary), or across every screen."""
    from PySide6.QtCore import QRect, Qt

    screens = QGuiApplication.screens()
    window.setWindowFlag(Qt.WindowType.FramelessWindowHint, True)
    if span and len(screens) > 1:
        x, y, w, h = span_rect([(g.x(), g.y(), g.width(), g.height()) for g in (s.geometry() for s in screens)])
        window.setGeometry(QRect(x, y, w, h))
        window.show()
        return
    target = QGuiApplication.primaryScreen()
    if screen is not None:
        if not 0 <= screen < len(screens):
            print(f"gridcommand: --screen {screen}: there are {len(screens)} screen(s) (0-{len(screens) - 1}); "
                  "using the primary", file=sys.stderr)
        else:
            target = screens[screen]
    window.setGeometry(target.geometry())
    window.showFullScreen()


def run_wall(options: GuiOptions) -> int:
    settings, problems = load_settings()
    options.theme = "dark"
    qapp = prepare_gui(options, settings)
    for problem in problems:
        print(f"gridcommand: settings: {problem}", file=sys.stderr)
    app = WallApp(settings, options, show_cached=options.screenshot is None)

    def no_traceback(kind, exc, tb) -> None:
        # A wall never shows a traceback: one line in the log, a banner on the screen.
        log.error("unexpected error", exc_info=(kind, exc, tb))
        app.ws.sig_message.emit(message_for(exc))

    sys.excepthook = no_traceback
    place_window(app.window, options.screen, options.span)
    if options.screenshot is not None:
        code = take_screenshot(app, options.screenshot, options.timeout_s)
        app.stop_live()
        app.window.close()
        app.map_view.dispose()
        return code
    QShortcut(QKeySequence.StandardKey.Quit, app.window, activated=qapp.quit)
    schedule_startup(app)
    qapp.aboutToQuit.connect(app.shutdown)
    code = qapp.exec()
    app.map_view.dispose()
    return code
