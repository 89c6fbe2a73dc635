"""The composition root: builds the window, opens the database, wires docks to the map.

Start-up is staged so the map shows as soon as the browser can draw it: the page
built last time for this database is loaded first, and the database (SQLAlchemy,
Alembic, folium) is only touched once that page is up. A changed dataset then
rebuilds the page once. Heavy modules are imported inside functions for that reason."""
from __future__ import annotations

import copy
import gc
import logging
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QEventLoop, QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox

from core.layers import LayerFeature
from core.settings import Settings
from db.config import data_dir, demo_db_url, load_settings, redact_url, resolve_db_url, save_settings
from desktop import labels
from desktop.live.live_model import LiveModel
from desktop.main_window import MainWindow
from desktop.map.page_cache import PageCache
from desktop.map.page_inputs import fingerprint
from desktop.map.units_layer import UnitsLayer
from desktop.map.view import MapView
from desktop.runtime import application, install_translations


@dataclass
class GuiOptions:
    db_url: str | None = None
    demo: bool = False
    language: str | None = None
    screenshot: Path | None = None
    save_settings: bool = True
    timeout_s: float = 60.0
    # --demo runs ingest and the simulator in-process; None means "when --demo".
    embedded_feeds: bool | None = None
    sim_rate: float = 20.0

    @property
    def run_feeds(self) -> bool:
        return self.demo if self.embedded_feeds is None else self.embedded_feeds


def tile_host_pattern(url_template: str) -> str:
    """The host of a tile URL template, lower-cased, with Leaflet's {s} subdomain kept
    as a wildcard for the request filter (``http://{s}.tiles.lan:8080/...`` -> ``{s}.tiles.lan``)."""
    return url_template.split("/")[2].rsplit("@", 1)[-1].split(":")[0].lower()


def database_url(options: GuiOptions, settings: Settings) -> str:
    return options.db_url or (demo_db_url() if options.demo else resolve_db_url(None, settings))


def open_database(options: GuiOptions, settings: Settings):
    """The embedded SQLite file is migrated (and the demo seeded) here; a shared
    PostgreSQL is migrated by its administrator with `gridcommand db upgrade`."""
    from db.engine import DatabaseUnavailable, describe, is_sqlite, open_engine, session_factory
    from db.migrate import is_up_to_date, upgrade

    url = database_url(options, settings)
    engine = open_engine(url)
    if is_sqlite(engine) or options.demo:
        upgrade(engine)
    elif not is_up_to_date(engine):
        raise DatabaseUnavailable(f"{describe(url)}: the schema is not at the current revision; "
                                  "run `gridcommand db upgrade --db URL` first")
    if options.demo:
        from db.models import Grid
        from db.operations import OperationRunner
        from db.seed import seed_demo

        with session_factory(engine)() as session:
            empty = session.query(Grid.id).first() is None
        if empty:
            seed_demo(OperationRunner(engine))
    return engine


class GridCommandApp(QObject):
    sig_startup_completed = Signal()
    sig_startup_failed = Signal(str)

    def __init__(self, settings: Settings, options: GuiOptions, engine=None, show_cached: bool = False):
        super().__init__()
        self.settings = settings
        self.options = options
        self.engine = None
        self.sessions = None
        basemap = settings.basemap
        allowed = {tile_host_pattern(basemap.url)} if basemap.kind == "url" and "//" in basemap.url else set()
        self.map_view = MapView(mbtiles_path=basemap.mbtiles_path if basemap.kind == "mbtiles" else None,
                                allowed_hosts=allowed)
        self.page_fingerprint: str | None = None
        self.page_cache = PageCache(data_dir() / "page-cache", self._cache_key())
        # The browser loads the cached page in its own processes while the docks are built here.
        self.cached_shown = show_cached and self.show_cached_page()
        self.live = LiveModel(settings.live.stale_after_s, parent=self)
        self.window = MainWindow(settings, self.map_view, self.live)
        self.units_layer = UnitsLayer(self.live, self.map_view, settings, self)
        self.feed_worker = None
        self.embedded = None
        self.incident_controller = None
        self.pending_basemap = None  # chosen in the dialog; used from the next start
        self._startup_begun = False
        self.layers: dict[str, list[LayerFeature]] = {}
        self.window.layers_dock.sig_feature_chosen.connect(self._on_feature_chosen)
        self.window.sig_basemap_settings_requested.connect(self._on_basemap_settings_requested)
        self.map_view.bridge.sig_page_ready.connect(self._on_page_ready)
        self.map_view.bridge.sig_unit_clicked.connect(self._on_unit_clicked)
        self.window.units_dock.sig_unit_selected.connect(self._on_unit_selected)
        self.window.unit_card.sig_follow_requested.connect(self._on_follow_requested)
        self.window.unit_card.sig_trail_requested.connect(self._on_trail_requested)
        self.window.restore_layout()
        if engine is not None:
            self.attach_database(engine)

    def _cache_key(self) -> str:
        return f"{database_url(self.options, self.settings)}|{self.settings.ui.language}|{self.options.language}"

    # --- start-up stages -------------------------------------------------------------
    def show_cached_page(self) -> bool:
        cached = self.page_cache.load()
        if cached is None:
            return False
        html, self.page_fingerprint = cached
        self.map_view.load_page(html)
        return True

    def attach_database(self, engine) -> None:
        from db.engine import session_factory

        self.engine = engine
        self.sessions = session_factory(engine)

    def refresh_layers(self) -> None:
        """Read the static layers; rebuild and reload the page only if it would change."""
        from db.places_repo import load_all_layers

        with self.sessions() as session:
            self.layers = load_all_layers(session)
        self.window.layers_dock.set_features(self.layers)
        page_labels = self._page_labels()
        current = fingerprint(self.layers, self.settings.basemap, self.settings.map, page_labels)
        if self.incident_controller is not None:
            self.incident_controller.layers_changed()
        if current != self.page_fingerprint:
            from desktop.map.page import build_page

            html = build_page(self.layers, self.settings.basemap, self.settings.map, page_labels)
            self.page_fingerprint = current
            self.page_cache.store(html, current)
            self.map_view.load_page(html)

    def complete_startup(self) -> None:
        """Open the database and bring the page up to date; errors go to the user. Runs
        once, whichever comes first: the cached page drawn, failed, or a timeout."""
        from sqlalchemy.exc import SQLAlchemyError

        from db.engine import DatabaseUnavailable

        if self._startup_begun:
            return
        self._startup_begun = True
        try:
            if self.engine is None:
                self.attach_database(open_database(self.options, self.settings))
            self.refresh_layers()
            self.start_live()
            self.start_incidents()
        except DatabaseUnavailable as exc:
            self.sig_startup_failed.emit(str(exc))
            return
        except (SQLAlchemyError, OSError, RuntimeError) as exc:  # a broken schema, a full disk, Alembic errors
            logging.getLogger(__name__).exception("start-up failed")
            self.sig_startup_failed.emit(f"start-up failed: {exc}")
            return
        self._update_status()
        # Start-up's objects (modules, Qt wrappers, the roster) live as long as the app:
        # keep them out of the collector's full passes, which otherwise stall the GUI
        # thread ~80 ms every few live batches.
        gc.collect()
        gc.freeze()
        self.sig_startup_completed.emit()

    def start_live(self) -> None:
        """Roster snapshot, then the change feed on its worker thread; in demo mode
        also the in-process ingest server and simulator."""
        from db.change_feed import ChangeFeed
        from desktop.live.feed_worker import FeedWorker

        feed = ChangeFeed(self.engine)
        self.live.load(feed.snapshot())
        self.feed_worker = FeedWorker(feed, parent=self, prepare=self.units_layer.row_serializer())
        self.feed_worker.sig_batch_received.connect(self.live.apply)
        self.feed_worker.sig_feed_failed.connect(self.window.set_feed_status)
        self.feed_worker.sig_feed_recovered.connect(lambda: self.window.set_feed_status(None))
        self.live.sig_kinds_changed.connect(self._on_kinds_changed)
        self.feed_worker.start()
        self.window.set_feed_status(None)
        if self.options.run_feeds:
            from feeds.embedded import EmbeddedFeeds

            self.embedded = EmbeddedFeeds(self.engine, rate=self.options.sim_rate, dispatch=self.settings.dispatch)
            self.embedded.start()

    def start_incidents(self) -> None:
        from db.operations import Actor, OperationRunner
        from desktop.incident_controller import IncidentController

        actor = Actor.local()
        if self.settings.ui.workstation:
            actor = Actor(actor.user, self.settings.ui.workstation)
        self.incident_controller = IncidentController(self, OperationRunner(self.engine, actor))
        self.incident_controller.start()

    def stop_live(self) -> None:
        if self.embedded is not None:
            self.embedded.stop()
            self.embedded = None
        if self.feed_worker is not None:
            # Batches already queued towards the GUI thread must not land on a dead page.
            self.feed_worker.sig_batch_received.disconnect(self.live.apply)
            self.feed_worker.stop()
            self.feed_worker = None
        self.live.stop()
        if self.incident_controller is not None:
            self.incident_controller.stop()

    # --- reactions ---------------------------------------------------------------------
    def _page_labels(self):
        b = self.settings.basemap
        note = "" if b.kind == "none" or b.crs == "wgs84" else self.tr("Overlays shifted to %1").replace("%1", b.crs.upper())
        return labels.page_labels(note)

    def basemap_text(self) -> str:
        b = self.settings.basemap
        if b.kind == "mbtiles":
            return f"MBTiles {Path(b.mbtiles_path).name}"
        if b.kind == "url":
            return f"{b.url.split('/')[2] if '//' in b.url else b.url} ({b.crs})"
        return self.tr("none (vector streets)")

    def _update_status(self) -> None:
        where = redact_url(database_url(self.options, self.settings))
        self.window.set_status(where, self.basemap_text(), self.map_view.interceptor.blocked_count)

    def _on_page_ready(self, _info: dict) -> None:
        self._update_status()
        card = self.window.unit_card
        if card.unit_id is not None:  # a rebuilt page forgot the highlight, follow and trail
            self.map_view.bridge.call("highlightUnit", card.unit_id)
            if card.follow_button.isChecked():
                self._on_follow_requested(card.unit_id)
            if card.trail_button.isChecked():
                self._on_trail_requested(card.unit_id)

    def _on_kinds_changed(self, kinds: set) -> None:
        from core import layers as L

        if kinds & set(L.ALL_LAYERS):
            self.refresh_layers()  # another workstation imported or edited map data

    def _on_unit_clicked(self, unit_id: int) -> None:
        self.window.unit_card.show_unit(unit_id)
        self.window.unit_card.raise_()
        self.window.units_dock.select_unit(unit_id)
        self.map_view.bridge.call("highlightUnit", unit_id)

    def _on_unit_selected(self, unit_id: int) -> None:
        self.window.unit_card.show_unit(unit_id)
        self.map_view.bridge.call("highlightUnit", unit_id)

    def _on_follow_requested(self, unit_id: int) -> None:
        self.map_view.bridge.call("followUnit", None if unit_id < 0 else unit_id)

    def _on_trail_requested(self, unit_id: int) -> None:
        if unit_id < 0:
            self.map_view.bridge.call("showTrail", None, [], self.settings.live.trail_minutes)
            return
        self.map_view.bridge.call("showTrail", unit_id, self.trail_points(unit_id), self.settings.live.trail_minutes)

    def trail_points(self, unit_id: int) -> list[list[float]]:
        """The unit's last N minutes as [lat, lon, epoch ms], shifted onto the basemap."""
        from datetime import timedelta

        from core.crs import shift_for_basemap
        from db.positions_repo import track

        start = self.live.now() - timedelta(minutes=self.settings.live.trail_minutes)
        crs = self.units_layer.basemap_crs
        with self.sessions() as session:
            rows = track(session, unit_id=unit_id, start=start)
        points = []
        for r in rows:
            lon, lat = shift_for_basemap(r.lon, r.lat, crs)
            points.append([lat, lon, int(r.fix_time.timestamp() * 1000)])
        return points

    def _on_feature_chosen(self, feature: LayerFeature) -> None:
        self.map_view.bridge.call("showFeature", feature.layer, feature.code)

    def _on_basemap_settings_requested(self) -> None:
        from desktop.basemap_dialog import BasemapDialog

        dialog = BasemapDialog(self.pending_basemap or self.settings.basemap, self.window)
        if dialog.exec():
            # The running map, its request filter and every overlay shift keep the basemap
            # they started with; only the saved settings change.
            self.pending_basemap = dialog.result_settings
            if self.options.save_settings:
                save_settings(self._settings_to_save())
            QMessageBox.information(self.window, self.tr("Basemap"),
                                    self.tr("The basemap setting was saved; it takes effect at the next start."))

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
    app = GridCommandApp(settings, options, show_cached=True)
    app.window.show()
    if app.cached_shown:
        # Once the cached page is drawn; also if it fails or never draws (an old cache
        # with newer JS), so a bad cache can never keep the database closed.
        app.map_view.bridge.sig_page_ready.connect(lambda _info: QTimer.singleShot(0, app.complete_startup))
        app.map_view.sig_load_failed.connect(lambda _msg: QTimer.singleShot(0, app.complete_startup))
        QTimer.singleShot(5000, app.complete_startup)
    else:
        QTimer.singleShot(0, app.complete_startup)
    return app


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

    def on_ready(_info: dict) -> None:
        if app.engine is None or app.page_fingerprint is None:
            return  # the cached page; wait for the one checked against the database
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
        if app.map_view.bridge.ready:  # the cached page was already current
            on_ready({})

    app.map_view.bridge.sig_page_ready.connect(on_ready)
    app.sig_startup_completed.connect(on_completed)
    app.sig_startup_failed.connect(lambda msg: finish(3, msg))
    app.map_view.sig_load_failed.connect(lambda msg: finish(7, msg))
    QTimer.singleShot(int(timeout_s * 1000), lambda: finish(8, f"the map did not finish loading within {timeout_s:.0f} s"))
    if "code" not in outcome:
        loop.exec()
    return int(outcome.get("code", 9))


def run_gui(options: GuiOptions) -> int:
    qapp = application()
    settings, problems = load_settings()
    install_translations(options.language or settings.ui.language)
    for problem in problems:
        print(f"gridcommand: settings: {problem}", file=sys.stderr)
    if options.screenshot is not None:
        app = GridCommandApp(settings, options)
        app.window.show()
        QTimer.singleShot(0, app.complete_startup)
        code = take_screenshot(app, options.screenshot, options.timeout_s)
        app.stop_live()
        app.window.close()
        app.map_view.dispose()
        return code
    app = start_app(options, settings)

    def on_failed(message: str) -> None:
        QMessageBox.critical(app.window, "Grid Command", message)
        qapp.exit(3)

    app.sig_startup_failed.connect(on_failed)
    qapp.aboutToQuit.connect(app.shutdown)
    code = qapp.exec()
    app.map_view.dispose()
    return code
