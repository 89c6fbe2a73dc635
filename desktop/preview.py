"""Preview one dock alone on the demo city (`python -m desktop.docks.layers`), like
Orange's WidgetPreview: each dock is a unit that works without the main window."""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QMainWindow, QWidget

from core.settings import Settings
from db.engine import session_factory
from db.places_repo import load_all_layers
from desktop.app import GuiOptions, open_database
from desktop.runtime import application, install_translations


def run_preview(build: Callable[[dict], QWidget], language: str = "zh_CN") -> int:
    app = application()
    install_translations(language)
    engine = open_database(GuiOptions(demo=True), Settings())
    with session_factory(engine)() as session:
        layers = load_all_layers(session)
    window = QMainWindow()
    widget = build(layers)
    window.setCentralWidget(widget)
    window.resize(480, 800)
    window.show()
    return app.exec()


def run_live_preview(build: Callable, language: str = "zh_CN") -> int:
    """Preview a live dock on the demo database with its change feed running."""
    from db.change_feed import ChangeFeed
    from desktop.live.feed_worker import FeedWorker
    from desktop.live.live_model import LiveModel

    app = application()
    install_translations(language)
    engine = open_database(GuiOptions(demo=True), Settings())
    live = LiveModel()
    feed = ChangeFeed(engine)
    live.load(feed.snapshot())
    worker = FeedWorker(feed)
    worker.sig_batch_received.connect(live.apply)
    worker.start()
    window = QMainWindow()
    window.setCentralWidget(build(live))
    window.resize(640, 800)
    window.show()
    code = app.exec()
    worker.stop()
    return code
