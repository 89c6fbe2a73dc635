"""Staged start-up: the cached page shows first, then is checked against the database
and rebuilt only when the data changed."""
import json

from db.engine import session_factory
from db.places_repo import layer_counts
from desktop.app import GuiOptions, start_app
from tests.desktop.conftest import run_js


def _start(qtbot, settings, url):
    app = start_app(GuiOptions(db_url=url, save_settings=False), settings)
    qtbot.addWidget(app.window)
    with qtbot.waitSignal(app.sig_startup_completed, timeout=30000):
        pass
    qtbot.waitUntil(lambda: app.map_view.bridge.ready, timeout=30000)
    return app


def _close(app):
    app.stop_live()
    app.window.close()
    app.map_view.dispose()


def test_second_start_uses_the_cache_and_a_data_change_rebuilds(qtbot, settings, demo_engine, tmp_path):
    from db.importer import import_file
    from db.operations import Actor, OperationRunner

    url = str(demo_engine.url)
    first = _start(qtbot, settings, url)
    assert first.page_cache.load() is not None
    _close(first)

    second = start_app(GuiOptions(db_url=url, save_settings=False), settings)
    qtbot.addWidget(second.window)
    loads = []
    second.map_view.loadStarted.connect(lambda: loads.append(1))
    with qtbot.waitSignal(second.sig_startup_completed, timeout=30000):
        pass
    assert second.page_fingerprint == first.page_fingerprint
    assert loads == [1]  # only the cached page loaded: it was current, so no rebuild
    _close(second)
    first_fingerprint = first.page_fingerprint

    point = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [112.081, 32.681]},
             "properties": {"name": "新增必到点", "code": "PNEW"}}
    path = tmp_path / "new.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [point]}), encoding="utf-8")
    import_file(OperationRunner(demo_engine, Actor("t", "ws")), path, "points")

    third = _start(qtbot, settings, url)
    qtbot.waitUntil(lambda: third.map_view.bridge.ready, timeout=30000)
    with session_factory(demo_engine)() as s:
        expected = layer_counts(s)
    qtbot.waitUntil(lambda: json.loads(run_js(qtbot, third.map_view, "JSON.stringify(gridmap.layerCounts())")) == expected,
                    timeout=15000)
    assert third.page_fingerprint != first_fingerprint
    _close(third)


def test_a_broken_cache_file_is_ignored(qtbot, settings, demo_engine):
    url = str(demo_engine.url)
    first = _start(qtbot, settings, url)
    cache = first.page_cache
    _close(first)
    cache.html_path.write_text("<html>half a pa", encoding="utf-8")
    assert cache.load() is None
    again = _start(qtbot, settings, url)
    assert again.map_view.map_page.console_errors == []
    _close(again)
