"""The composition root: opens the database, builds the window, wires docks to the map."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from core.layers import LayerFeature
from core.settings import Settings
from db.config import demo_db_url, load_settings, resolve_db_url, save_settings
from db.engine import DatabaseUnavailable, describe, is_sqlite, open_engine, session_factory
from db.migrate import is_up_to_date, upgrade
from db.operations import OperationRunner
from db.places_repo import load_all_layers
from desktop import labels
from desktop.basemap_dialog import BasemapDialog
from desktop.main_window import MainWindow
from desktop.map.page import build_page
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


def open_database(options: GuiOptions, settings: Settings):
    """The embedded SQLite file is migrated (and the demo seeded) here; a shared
    PostgreSQL is migrated by its administrator with `gridcommand db upgrade`."""
    url = options.db_url or (demo_db_url() if options.demo else resolve_db_url(None, settings))
    engine = open_engine(url)
    if is_sqlite(engine) or options.demo:
        upgrade(engine)
    elif not is_up_to_date(engine):
        raise DatabaseUnavailable(f"{describe(url)}: the schema is not at the current revision; "
                                  "run `gridcommand db upgrade --db URL` first")
    if options.demo:
        from db.models import Grid
        from db.seed import seed_demo

        with session_factory(engine)() as session:
            empty = session.query(Grid.id).first() is None
        if empty:
            seed_demo(OperationRunner(engine))
    return engine


class GridCommandApp(QObject):
    def __init__(self, settings: Settings, engine, options: GuiOptions):
        super().__init__()
        self.settings = settings
        self.engine = engine
        self.options = options
        self.runner = OperationRunner(engine)
        self.sessions = session_factory(engine)
        basemap = settings.basemap
        allowed = {basemap.url.split("/")[2].split(":")[0]} if basemap.kind == "url" and "//" in basemap.url else set()
        self.map_view = MapView(mbtiles_path=basemap.mbtiles_path if basemap.kind == "mbtiles" else None,
                                allowed_hosts=allowed)
        self.window = MainWindow(settings, self.map_view)
        self.layers: dict[str, list[LayerFeature]] = {}
        self.window.layers_dock.sig_feature_chosen.connect(self._on_feature_chosen)
        self.window.sig_basemap_settings_requested.connect(self._on_basemap_settings_requested)
        self.map_view.bridge.sig_page_ready.connect(self._on_page_ready)
        self.window.restore_layout()

    def reload_layers(self) -> None:
        with self.sessions() as session:
            self.layers = load_all_layers(session)
        self.window.layers_dock.set_features(self.layers)
        self.load_page()

    def load_page(self) -> None:
        b = self.settings.basemap
        note = "" if b.kind == "none" or b.crs == "wgs84" else self.tr("Overlays shifted to %1").replace("%1", b.crs.upper())
        html = build_page(self.layers, b, self.settings.map, labels.page_labels(note))
        self.map_view.load_page(html)

    def basemap_text(self) -> str:
        b = self.settings.basemap
        if b.kind == "mbtiles":
            return f"MBTiles {Path(b.mbtiles_path).name}"
        if b.kind == "url":
            return f"{b.url.split('/')[2] if '//' in b.url else b.url} ({b.crs})"
        return self.tr("none (vector streets)")

    def _update_status(self) -> None:
        self.window.set_status(describe(str(self.engine.url)), self.basemap_text(), len(self.map_view.blocked_requests))

    def _on_page_ready(self, _info: dict) -> None:
        self._update_status()

    def _on_feature_chosen(self, feature: LayerFeature) -> None:
        self.map_view.bridge.call("showFeature", feature.layer, feature.code)

    def _on_basemap_settings_requested(self) -> None:
        dialog = BasemapDialog(self.settings.basemap, self.window)
        if dialog.exec():
            self.settings.basemap = dialog.result_settings
            if self.options.save_settings:
                save_settings(self.settings)
            QMessageBox.information(self.window, self.tr("Basemap"),
                                    self.tr("The basemap setting was saved; it takes effect at the next start."))

    def shutdown(self) -> None:
        self.window.remember_layout()
        if self.options.save_settings:
            save_settings(self.settings)


def take_screenshot(app: GridCommandApp, path: Path, timeout_s: float) -> int:
    """Wait until the map has drawn its layers, grab the window, write the PNG.
    Non-zero if the page failed, a request tried to leave the machine, or JS errored."""
    qapp = QApplication.instance()
    outcome: dict[str, object] = {}

    def finish(code: int, message: str = "") -> None:
        if "code" in outcome:
            return
        outcome["code"] = code
        if message:
            print(f"gridcommand: {message}", file=sys.stderr)
        qapp.quit()

    def on_ready(_info: dict) -> None:
        # One more moment for the compositor to paint the frame the page just drew.
        QTimer.singleShot(400, grab)

    def grab() -> None:
        image = app.window.grab()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(path), "PNG"):
            finish(4, f"cannot write {path}")
            return
        blocked = app.map_view.blocked_requests
        errors = app.map_view.map_page.console_errors
        if blocked:
            finish(5, f"{len(blocked)} request(s) tried to leave the machine: {blocked[:3]}")
        elif errors:
            finish(6, f"the map page reported JavaScript errors: {errors[:3]}")
        else:
            print(f"screenshot written to {path}")
            finish(0)

    app.map_view.bridge.sig_page_ready.connect(on_ready)
    app.map_view.sig_load_failed.connect(lambda msg: finish(7, msg))
    QTimer.singleShot(int(timeout_s * 1000), lambda: finish(8, f"the map did not finish loading within {timeout_s:.0f} s"))
    qapp.exec()
    return int(outcome.get("code", 9))


def run_gui(options: GuiOptions) -> int:
    qapp = application()
    settings, problems = load_settings()
    install_translations(options.language or settings.ui.language)
    for problem in problems:
        print(f"gridcommand: settings: {problem}", file=sys.stderr)
    try:
        engine = open_database(options, settings)
    except DatabaseUnavailable as exc:
        if options.screenshot is None:
            QMessageBox.critical(None, "Grid Command", str(exc))
        raise
    app = GridCommandApp(settings, engine, options)
    app.reload_layers()
    app.window.show()
    if options.screenshot is not None:
        code = take_screenshot(app, options.screenshot, options.timeout_s)
        app.window.close()
        app.map_view.dispose()
        return code
    qapp.aboutToQuit.connect(app.shutdown)
    code = qapp.exec()
    app.map_view.dispose()
    return code
