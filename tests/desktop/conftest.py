"""Qt fixtures. Schemes must be registered before the QApplication exists, so this
runs at import time, before pytest-qt's ``qapp`` fixture creates it."""
from __future__ import annotations

import pytest

from desktop.runtime import prepare_process

prepare_process()


@pytest.fixture
def settings():
    """A fresh settings object; never saved."""
    from core.settings import Settings

    return Settings()


@pytest.fixture
def demo_engine(tmp_path):
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.operations import Actor, OperationRunner
    from db.seed import seed_demo

    engine = make_engine(f"sqlite:///{tmp_path / 'demo.sqlite'}")
    upgrade(engine)
    seed_demo(OperationRunner(engine, Actor("tester", "ws-test")))
    yield engine
    engine.dispose()


@pytest.fixture
def gui(qtbot, qapp, demo_engine, settings):
    """The whole application on the demo city, with its page loaded and drawn."""
    from desktop.app import GridCommandApp, GuiOptions

    app = GridCommandApp(settings, GuiOptions(save_settings=False), engine=demo_engine)
    qtbot.addWidget(app.window)
    with qtbot.waitSignal(app.map_view.bridge.sig_page_ready, timeout=30000):
        app.refresh_layers()
        app.window.show()
    yield app
    app.stop_live()  # the feed thread and the background worker end before their owners
    app.window.close()
    app.map_view.dispose()


def run_js(qtbot, view, script: str, timeout: int = 10000):
    """Evaluate JS in the page and return its (JSON-converted) result."""
    box = {}
    view.page().runJavaScript(script, 0, lambda value: box.setdefault("value", value))
    qtbot.waitUntil(lambda: "value" in box, timeout=timeout)
    return box["value"]
