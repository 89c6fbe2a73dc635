"""The composition root: builds the workspace, the map scene and its view, the window
and the controllers, and wires them; nothing else knows all of them.

Start-up is staged so the map shows as soon as the browser can draw it: the page built
last time for this database is loaded first, and the database (SQLAlchemy, Alembic,
folium) is opened in the background once that page is up; a changed dataset then
rebuilds the page once, off the GUI thread. Heavy modules are imported inside
functions for that reason."""
from __future__ import annotations

import copy
import gc
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal

from core.settings import Settings
from db.config import data_dir, load_settings, redact_url, save_settings
from desktop.errors import UserMessage
from desktop.controllers.map_data import page_if_changed, page_labels_for
from desktop.map.page_cache import PageCache
from desktop.map.scene import MapScene
from desktop.map.view import MapView, make_map_view, tile_host_pattern  # noqa: F401 - the view is made there
from desktop.runtime import application, install_translations
from desktop.workspace import Workspace, resolve_place

# The window, its docks and the controllers are imported in GridCommandApp.__init__,
# after the cached page started loading: the browser draws it in its own processes
# while Python imports and builds the rest.

log = logging.getLogger(__name__)


@dataclass
class GuiOptions:
    db_url: str | None = None
    demo: bool = False
    language: str | None = None
    theme: str | None = None  # light | dark; None: the settings' choice
    screenshot: Path | None = None
    save_settings: bool = True
    timeout_s: float = 60.0
    # --demo runs ingest and the simulator in-process; None means "when --demo".
    embedded_feeds: bool | None = None
    sim_rate: float = 20.0
    # The command-hall wall (desktop/wall): full screen on one screen, or spanning all.
    wall: bool = False
    screen: int | None = None
    span: bool = False

    @property
    def run_feeds(self) -> bool:
        return self.demo if self.embedded_feeds is None else self.embedded_feeds


@dataclass(frozen=True)
class Opened:
    """What the background start-up read: the engine, the vocabularies, the roster."""

    engine: object
    code_tables: dict
    feed: object
    roster: list
    layers: dict  # the static layers in force
    page_fingerprint: str
    page_html: str | None  # None: the page shown already is the current one
    needs_login: bool = False  # users exist: who works here must log in


class GridCommandApp(QObject):
    sig_startup_completed = Signal()
    sig_startup_failed = Signal(str)

    def __init__(self, settings: Settings, options: GuiOptions, engine=None, show_cached: bool = False,
                 docks: bool = True, clock=None):
        super().__init__()
        self.compose_map(settings, options, show_cached, clock)
        from desktop.main_window import MainWindow

        self.window = MainWindow(settings, self.map_view, self.ws.live, docks=False)
        self.map_data = None
        self.units = None
        self.incident_controller = None
        self.embedded = None
        self.pending_basemap = None  # chosen in the dialog; used from the next start
        self._startup_begun = False
        self._page_current_seen = False
        self._feed_prepared = False
        self.ws.sig_message.connect(self.window.show_message)
        self.ws.sig_feed_status.connect(self.window.set_feed_status)
        from desktop.controllers.connection import ConnectionController

        self.connection = ConnectionController(self.ws, self.window.banner, self)
        self.window.sig_basemap_settings_requested.connect(self._on_basemap_settings_requested)
        self.replays: list = []  # replay windows opened beside this one (File → Replay)
        self.window.sig_replay_requested.connect(self._on_replay_requested)
        self.scene.sig_page_ready.connect(lambda _info: self._update_status())
        if docks:
            self.build_docks()
        if engine is not None:
            self.attach_database(engine)

    def compose_map(self, settings: Settings, options: GuiOptions, show_cached: bool, clock=None) -> None:
        """Where it works, the map scene and its view, and the cached page (shared with the wall)."""
        self.settings = settings
        self.options = options
        self.place = resolve_place(settings, options.db_url, options.demo, options.language, options.theme)
        self.ws = Workspace(settings, self.place, clock=clock, parent=self)
        self.features: list = []  # controllers started once the database is open (start_features)
        self.connection = None  # the workstation's database link (the wall has its own)
        self.scene = MapScene(settings, self.ws.live, parent=self)
        self.map_view = make_map_view(settings)
        self.page_cache = PageCache(data_dir() / "page-cache", self._cache_key())
        self.scene.add_view(self.map_view)
        # The browser loads the cached page in its own processes while the window is built here.
        self.cached_shown = show_cached and self.show_cached_page()

    def build_docks(self) -> None:
        """The docks and their controllers, then the saved layout (which needs the docks)."""
        if self.map_data is not None:
            return
        from desktop.controllers.map_data import MapDataController
        from desktop.controllers.units import UnitDocks, UnitsController
        from desktop.controllers.patrol import PatrolController
        from desktop.controllers.place_edit import PlaceEditController
        from desktop.controllers.statistics import StatisticsController
        from desktop.controllers.workorders import WorkOrdersController
        from desktop.controllers.findings import FindingsController

        self.window.build_docks()
        self.map_data = MapDataController(self.ws, self.scene, self.window.layers_dock, self.page_cache, self)
        self.units = UnitsController(self.ws, self.scene, UnitDocks(self.window.units_dock, self.window.unit_card), self)
        # Features that read the database once it is open (start_features).
        w = self.window
        self.features = [WorkOrdersController(self.ws, self.scene, w.workorders_dock, self),
                         PatrolController(self.ws, self.scene, w.patrol_dock, self),
                         StatisticsController(self.ws, self.scene, w.statistics_dock, self),
                         PlaceEditController(self.ws, self.scene, w.place_rules_dock, self)]
        # Patrol findings and new orders from the window: the dock's buttons, an incident, the map menu.
        self.findings = FindingsController(self.ws, self.scene, w.workorders_dock, self)
        self.features.append(self.findings)
        w.incidents_dock.sig_finding_requested.connect(lambda i: self.findings.open_finding_form(incident_id=i))
        w.sig_finding_here_requested.connect(lambda: self.findings.open_finding_form(pick=True))

    # --- what tests, benchmarks and the wall reach for ---------------------------------
    @property
    def live(self):
        return self.ws.live

    @property
    def engine(self):
        return self.ws.engine

    @property
    def feed_worker(self):
        return self.ws.feed_worker

    @property
    def page_fingerprint(self) -> str | None:
        return self.scene.page_fingerprint

    def _cache_key(self) -> str:
        return f"{self.place.db_url}|{self.place.language}"

    # --- start-up stages -------------------------------------------------------------
    def show_cached_page(self) -> bool:
        cached = self.page_cache.load()
        if cached is None:
            return False
        html, fingerprint = cached
        self.scene.load_page(html, fingerprint)
        return True

    def attach_database(self, engine) -> None:
        self.ws.attach(engine)

    def refresh_layers(self) -> None:
        """Read the static layers; rebuild and reload the page only if it would change."""
        self.map_data.refresh()

    def complete_startup(self) -> None:
        """Open the database in the background and bring the page up to date; errors go to
        the user. Runs once, whichever comes first: the cached page drawn, failed, or a timeout."""
        if self._startup_begun:
            return
        self._startup_begun = True
        place, engine, settings = self.place, self.ws.engine, self.ws.settings
        page_labels, current = page_labels_for(self.scene, settings), self.scene.page_fingerprint

        def open_all() -> Opened:
            # One background job from database to page: after a data change the rebuilt page
            # is the first thing start-up hands the GUI thread.
            from db.change_feed import ChangeFeed
            from db.code_tables_repo import load_code_tables
            from db.engine import session_factory
            from db.places_repo import load_all_layers
            from desktop.workspace import open_database

            eng = engine if engine is not None else open_database(place)
            with session_factory(eng)() as session:
                tables = load_code_tables(session)
                layers = load_all_layers(session)
                from db.users_repo import users_exist

                needs_login = users_exist(session)
            feed = ChangeFeed(eng)
            fp, html = page_if_changed(layers, settings, page_labels, current)
            return Opened(eng, tables, feed, feed.snapshot(), layers, fp, html, needs_login)

        self.ws.run_task(open_all, self._on_opened, on_error=self._on_open_failed)
        self.build_docks()  # while the background thread opens the database

    def _on_open_failed(self, exc: BaseException) -> None:
        from db.engine import DatabaseUnavailable

        if isinstance(exc, DatabaseUnavailable):
            self.sig_startup_failed.emit(str(exc))
        else:  # a broken schema, a full disk, Alembic errors
            log.error("start-up failed: %s", exc, exc_info=exc)
            self.sig_startup_failed.emit(f"start-up failed: {exc}")

    def _on_opened(self, opened: Opened) -> None:
        if self.ws.engine is None:
            self.attach_database(opened.engine)
        if not self.settle_actor(opened.needs_login):
            self.sig_startup_failed.emit(self.tr("Not logged in"))
            return
        self.ws.set_code_tables(opened.code_tables)
        self.map_data.sig_page_current.connect(self._on_page_current)
        if opened.page_html is None or not self.scene.views:
            self._start_services(opened)
        else:
            # The data changed since the cached page: the rebuilt page goes first. Chromium's
            # browser side runs on this (the GUI) thread, so it stays free until the current
            # map is drawn; the live feed, incidents and features follow (or after 3 s).
            self._services_pending = opened
            self.scene.sig_page_ready.connect(self._start_pending_services)
            self._services_timer = QTimer(self, singleShot=True, interval=3000)
            self._services_timer.timeout.connect(self._start_pending_services)
            self._services_timer.start()
        self.map_data.adopt(opened.layers, opened.page_fingerprint, opened.page_html)

    def settle_actor(self, needs_login: bool) -> bool:
        """Who works here (desktop.session): the demo's commander, the wall's read-only
        role, a screenshot's read-only role, or whoever logs in; False if nobody did."""
        from desktop import session

        workstation = self.ws.actor.workstation
        if self.options.demo:
            self.ws.set_actor(session.demo_actor(workstation))
        elif needs_login and self.options.screenshot is not None:
            self.ws.set_actor(session.wall_actor(workstation))  # a picture changes nothing
        elif needs_login:
            actor = self.ask_login()
            if actor is None:
                return False
            self.ws.set_actor(actor)
            self.idle_lock = session.IdleLock(self.settings.security.idle_lock_minutes, self.lock_session, self)
        session.apply_role(self.window, self.ws.actor)
        self.ws.sig_actor_changed.connect(lambda actor: session.apply_role(self.window, actor))
        return True

    def ask_login(self, locked: bool = False):
        from desktop.login_dialog import LoginDialog

        dialog = LoginDialog(self.ws.log_in, self.window, self.ws.actor.user if locked else "", locked)
        return dialog.actor if dialog.exec() else None

    def lock_session(self) -> None:
        """The idle lock: the window stays, but nothing works until someone logs in."""
        actor = self.ask_login(locked=True)
        if actor is None:
            self.window.close()
            return
        self.ws.set_actor(actor)

    def _start_pending_services(self, *_args) -> None:
        opened = self._drop_pending_services()
        if opened is None:
            return
        self._start_services(opened)
        if getattr(self, "_page_current_seen", False):  # the wall counts its own stages
            self._complete()

    def _drop_pending_services(self) -> "Opened | None":
        opened, self._services_pending = getattr(self, "_services_pending", None), None
        if opened is not None:
            self._services_timer.stop()
            self.scene.sig_page_ready.disconnect(self._start_pending_services)
        return opened

    def _start_services(self, opened: Opened) -> None:
        self.start_live(opened.feed, opened.roster)
        self.start_incidents()
        self.start_features()

    def _on_page_current(self) -> None:
        self.map_data.sig_page_current.disconnect(self._on_page_current)
        self._page_current_seen = True
        if getattr(self, "_services_pending", None) is None:
            self._complete()

    def _complete(self) -> None:
        self._update_status()
        # Start-up's objects (modules, Qt wrappers, the roster) live as long as the app:
        # keep them out of the collector's full passes, which otherwise stall the GUI
        # thread ~80 ms every few live batches.
        gc.collect()
        gc.freeze()
        self.sig_startup_completed.emit()

    def start_live(self, feed=None, roster=None) -> None:
        """The change feed on its worker thread; in demo mode also the in-process ingest
        server and simulator."""
        self.ws.start_feed(feed=feed, roster=roster, prepare=self.scene.units.row_serializer)
        if self.options.run_feeds:
            from feeds.embedded import EmbeddedFeeds

            self.embedded = EmbeddedFeeds(self.ws.engine, rate=self.options.sim_rate, dispatch=self.settings.dispatch,
                                          demo=self.settings.demo, clock=self._feeds_clock(),
                                          patrol=self.settings.patrol)
            self.embedded.start()

    def _feeds_clock(self):
        """An accelerated workspace clock drives the demo's simulator too (which then writes
        to the database directly); with the system clock the demo goes through HTTP ingest."""
        from core.clock import SystemClock

        return None if isinstance(self.ws.clock, SystemClock) else self.ws.clock

    def start_incidents(self) -> None:
        from desktop.controllers.incidents import IncidentController, IncidentDocks

        if self.incident_controller is None:
            w = self.window
            docks = IncidentDocks(w.intake_dock, w.incidents_dock, w.dispatch_dock, w.escalation_dock, w.unit_card)
            self.incident_controller = IncidentController(self.ws, self.scene, docks, self)
        if not self.ws.code_tables:
            from db.code_tables_repo import load_code_tables

            self.ws.run_query(load_code_tables, lambda t: (self.ws.set_code_tables(t), self.incident_controller.start()))
        else:
            self.incident_controller.start()

    def start_features(self) -> None:
        for controller in self.features:
            controller.start()

    def stop_live(self) -> None:
        for replay in list(getattr(self, "replays", ())):
            replay.close()
        if self.connection is not None:
            self.connection.stop()
        self._drop_pending_services()  # stopped before the rebuilt page was drawn: start nothing
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None
        if self.incident_controller is not None:
            self.incident_controller.stop()
        for controller in self.features:
            controller.stop()
        self.ws.close()

    # --- reactions ---------------------------------------------------------------------
    def basemap_text(self) -> str:
        b = self.settings.basemap
        if b.kind == "mbtiles":
            return f"MBTiles {Path(b.mbtiles_path).name}"
        if b.kind == "url":
            return f"{b.url.split('/')[2] if '//' in b.url else b.url} ({b.crs})"
        return self.tr("none (vector streets)")

    def _update_status(self) -> None:
        self.window.set_status(redact_url(self.place.db_url), self.basemap_text(),
                               self.map_view.interceptor.blocked_count)

    def _on_basemap_settings_requested(self) -> None:
        from desktop.basemap_dialog import BasemapDialog

        dialog = BasemapDialog(self.pending_basemap or self.settings.basemap, self.window)
        if dialog.exec():
            # The running map, its request filter and every overlay shift keep the basemap
            # they started with; only the saved settings change.
            self.pending_basemap = dialog.result_settings
            if self.options.save_settings:
                save_settings(self._settings_to_save())
            self.window.show_message(UserMessage("info", self.tr("Basemap"),
                                                 self.tr("The basemap setting was saved; it takes effect at the next start.")))

    def _on_replay_requested(self) -> None:
        from desktop.replay.app import open_beside

        open_beside(self)

    def _settings_to_save(self) -> Settings:
        if self.pending_basemap is None:
            return self.settings
        saved = copy.deepcopy(self.settings)
        saved.basemap = self.pending_basemap
        return saved

    def shutdown(self) -> None:
        self.stop_live()
        self.window.remember_layout()
        if self.options.save_settings:
            save_settings(self._settings_to_save())


def start_app(options: GuiOptions, settings: Settings) -> GridCommandApp:
    """Window first, cached page next, database once that page is drawn (or as soon
    as the event loop runs when there is no cached page). Callers connect to the
    app's signals before the event loop starts."""
    app = GridCommandApp(settings, options, show_cached=True, docks=False)
    app.window.show_first()
    # The docks follow the first frame (complete_startup builds them first thing).
    schedule_startup(app)
    return app


def _import_database_code() -> None:
    """What opening the database imports (SQLAlchemy, the models, the change feed), loaded
    on the background thread while the browser draws the cached page: after a data change
    these imports would otherwise lie on the way to the current map."""
    import db.change_feed  # noqa: F401
    import db.code_tables_repo  # noqa: F401
    import db.migrate  # noqa: F401
    import db.places_repo  # noqa: F401


def schedule_startup(app: GridCommandApp) -> None:
    """The database is opened once the cached page is drawn, or at once without one."""
    app.ws.run_task(_import_database_code)
    if app.cached_shown:
        # Once the cached page is drawn; also if it fails or never draws (an old cache
        # with newer JS), so a bad cache can never keep the database closed.
        app.scene.sig_page_ready.connect(lambda _info: QTimer.singleShot(0, app.complete_startup))
        app.scene.sig_page_failed.connect(lambda _msg: QTimer.singleShot(0, app.complete_startup))
        QTimer.singleShot(5000, app.complete_startup)
    else:
        QTimer.singleShot(0, app.complete_startup)


def take_screenshot(app: GridCommandApp, path: Path, timeout_s: float) -> int:
    """Wait until the map shows the current data with all layers drawn, grab the window,
    write the PNG. Non-zero if the page failed, a request tried to leave the machine,
    the page reported a JavaScript error, or the database could not be opened."""
    # A local loop, not qapp.exec(): quitting the application would close every window.
    loop = QEventLoop()
    outcome: dict[str, object] = {}

    def finish(code: int, message: str = "") -> None:
        if "code" in outcome:
            return
        outcome["code"] = code
        if message:
            print(f"gridcommand: {message}", file=sys.stderr)
        loop.quit()

    def settle() -> None:
        # One more moment for the compositor to paint the frame the page just drew;
        # with the demo's simulator running, until its first units are drawn (≤ 8 s).
        waited = [0]

        def when_units_drawn() -> None:
            drawn = sum(1 for u in app.live.units.values() if u.last_fix is not None)
            if app.embedded is not None and drawn < 5 and waited[0] < 40:
                waited[0] += 1
                QTimer.singleShot(200, when_units_drawn)
                return
            QTimer.singleShot(600, grab)

        when_units_drawn()

    def grab() -> None:
        image = app.window.grab()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path), "PNG"):
            finish(4, f"cannot write {path}")
            return
        blocked = app.map_view.blocked_requests
        errors = app.map_view.map_page.console_errors
        if blocked:
            finish(5, f"{app.map_view.interceptor.blocked_count} request(s) tried to leave the machine: {blocked[:3]}")
        elif errors:
            finish(6, f"the map page reported JavaScript errors: {errors[:3]}")
        else:
            print(f"screenshot written to {path}")
            finish(0)

    def on_completed() -> None:
        if app.scene.ready:  # the cached page was already current
            settle()
        else:  # the page built from the database is loading
            app.scene.sig_page_ready.connect(lambda _info: settle())

    app.sig_startup_completed.connect(on_completed)
    app.sig_startup_failed.connect(lambda msg: finish(3, msg))
    QTimer.singleShot(0, app.complete_startup)  # runs once, whoever asks first
    app.scene.sig_page_failed.connect(lambda msg: finish(7, msg))
    QTimer.singleShot(int(timeout_s * 1000), lambda: finish(8, f"the map did not finish loading within {timeout_s:.0f} s"))
    if "code" not in outcome:
        loop.exec()
    return int(outcome.get("code", 9))


def prepare_gui(options: GuiOptions, settings: Settings):
    """Language and theme, once, before any widget exists."""
    from desktop import theme

    place = resolve_place(settings, options.db_url, options.demo, options.language, options.theme)
    qapp = application()
    install_translations(place.language)
    theme.apply(qapp, place.theme)
    return qapp


def run_gui(options: GuiOptions) -> int:
    settings, problems = load_settings()
    qapp = prepare_gui(options, settings)
    for problem in problems:
        print(f"gridcommand: settings: {problem}", file=sys.stderr)
    if options.screenshot is not None:
        app = GridCommandApp(settings, options)
        app.window.show()
        code = take_screenshot(app, options.screenshot, options.timeout_s)
        app.stop_live()
        app.window.close()
        app.map_view.dispose()
        return code
    app = start_app(options, settings)

    def on_failed(message: str) -> None:
        app.window.show_message(UserMessage("critical", "Grid Command", message))
        qapp.exit(3)

    app.sig_startup_failed.connect(on_failed)
    qapp.aboutToQuit.connect(app.shutdown)
    code = qapp.exec()
    app.map_view.dispose()
    return code
