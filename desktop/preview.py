"""Preview one dock alone on the demo city (`python -m desktop.docks.layers`), like
Orange's WidgetPreview: each dock is a unit that works without the main window.
It builds on the workspace, never on the application, so docks never import it."""
from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QMainWindow, QWidget

from core.settings import Settings
from desktop.runtime import application, install_translations
from desktop.workspace import Workspace, open_database, resolve_place


def _demo_workspace(language: str) -> Workspace:
    settings = Settings()
    place = resolve_place(settings, demo=True, language=language)
    ws = Workspace(settings, place)
    ws.attach(open_database(place))
    return ws


def _show(widget: QWidget, width: int, height: int) -> QMainWindow:
    window = QMainWindow()
    window.setCentralWidget(widget)
    window.resize(width, height)
    window.show()
    return window


def run_preview(build: Callable[[dict], QWidget], language: str = "zh_CN") -> int:
    app = application()
    install_translations(language)
    ws = _demo_workspace(language)
    from db.places_repo import load_all_layers

    with ws.sessions() as session:
        layers = load_all_layers(session)
    window = _show(build(layers), 480, 800)  # noqa: F841 - kept alive while the loop runs
    return app.exec()


def run_live_preview(build: Callable, language: str = "zh_CN") -> int:
    """Preview a live dock on the demo database with its change feed running."""
    app = application()
    install_translations(language)
    ws = _demo_workspace(language)
    ws.start_feed()
    window = _show(build(ws.live), 640, 800)  # noqa: F841
    code = app.exec()
    ws.close()
    return code
