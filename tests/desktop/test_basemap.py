"""Basemaps: an MBTiles file through the tiles scheme, an intranet tile URL, and
overlays shifted onto a GCJ-02 basemap."""
import json
import sqlite3
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PySide6.QtCore import QBuffer, QIODevice
from PySide6.QtGui import QColor, QImage

from core.crs import wgs84_to_gcj02
from db.engine import session_factory
from db.places_repo import load_layer
from desktop.app import GridCommandApp, GuiOptions
from tests.desktop.conftest import run_js


def _png(color: str) -> bytes:
    image = QImage(256, 256, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buf, "PNG")
    return bytes(buf.data())


def _mbtiles(path, zooms=range(12, 17)):
    """Tiles covering the demo city at a few zooms, rows stored TMS-style."""
    import math

    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    conn.execute("INSERT INTO metadata VALUES ('format', 'png')")
    tile = _png("#88aacc")
    for z in zooms:
        n = 1 << z
        x0 = int((112.04 + 180) / 360 * n)
        x1 = int((112.13 + 180) / 360 * n)
        ys = [int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n) for lat in (32.71, 32.65)]
        for x in range(x0, x1 + 1):
            for y in range(ys[0], ys[1] + 1):
                conn.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, n - 1 - y, tile))
    conn.commit()
    conn.close()


def _start(app, qtbot):
    qtbot.addWidget(app.window)
    with qtbot.waitSignal(app.map_view.bridge.sig_page_ready, timeout=30000):
        app.refresh_layers()
        app.window.show()


def _loaded_tiles(qtbot, view):
    return run_js(qtbot, view, "document.querySelectorAll('img.leaflet-tile-loaded').length")


def test_mbtiles_basemap_is_served_through_the_tiles_scheme(qtbot, demo_engine, settings, tmp_path):
    path = tmp_path / "city.mbtiles"
    _mbtiles(path)
    settings.basemap.kind = "mbtiles"
    settings.basemap.mbtiles_path = str(path)
    app = GridCommandApp(settings, GuiOptions(save_settings=False), engine=demo_engine)
    _start(app, qtbot)
    qtbot.waitUntil(lambda: _loaded_tiles(qtbot, app.map_view) > 0, timeout=10000)
    assert app.map_view.blocked_requests == []
    app.window.close()
    app.stop_live()
    app.map_view.dispose()


class _TileServer(BaseHTTPRequestHandler):
    tile = b""
    hits: list = []

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.tile)))
        self.end_headers()
        self.wfile.write(self.tile)

    def log_message(self, *args):
        pass


@pytest.fixture
def tile_server():
    _TileServer.tile = _png("#ccbb88")
    _TileServer.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TileServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_intranet_tile_url_with_gcj02_shifts_the_overlays(qtbot, demo_engine, settings, tile_server):
    port = tile_server.server_address[1]
    settings.basemap.kind = "url"
    settings.basemap.url = f"http://127.0.0.1:{port}/tiles/{{z}}/{{x}}/{{y}}.png"
    settings.basemap.crs = "gcj02"
    app = GridCommandApp(settings, GuiOptions(save_settings=False), engine=demo_engine)
    _start(app, qtbot)
    qtbot.waitUntil(lambda: _loaded_tiles(qtbot, app.map_view) > 0, timeout=10000)
    assert app.map_view.blocked_requests == []
    assert _TileServer.hits
    with session_factory(demo_engine)() as s:
        point = next(f for f in load_layer(s, "points") if f.code == "P01")
    lon, lat = point.geometry["coordinates"]
    drawn = json.loads(run_js(qtbot, app.map_view, "JSON.stringify(gridmap.state.index['points/P01'].getLatLng())"))
    glon, glat = wgs84_to_gcj02(lon, lat)
    assert drawn["lng"] == pytest.approx(glon, abs=1e-7)
    assert drawn["lat"] == pytest.approx(glat, abs=1e-7)
    assert abs(drawn["lng"] - lon) > 1e-3  # really moved (hundreds of metres at Dengzhou)
    app.window.close()
    app.stop_live()
    app.map_view.dispose()


def test_tile_host_allow_list_handles_subdomains_and_case():
    from desktop.app import tile_host_pattern
    from desktop.map.view import OfflineInterceptor

    pattern = tile_host_pattern("http://{s}.Tiles.LAN:8080/{z}/{x}/{y}.png")
    assert pattern == "{s}.tiles.lan"
    interceptor = OfflineInterceptor({pattern})
    assert interceptor.allows("a.tiles.lan") and interceptor.allows("B.TILES.LAN")
    assert not interceptor.allows("tiles.lan.evil.example") and not interceptor.allows("x.y.tiles.lan")
    assert OfflineInterceptor({tile_host_pattern("http://10.0.0.5/t/{z}/{x}/{y}.png")}).allows("10.0.0.5")


def test_a_basemap_change_waits_for_the_next_start(qtbot, demo_engine, settings, monkeypatch, tmp_path):
    import desktop.basemap_dialog as dialog_module
    from db.config import load_settings, settings_path

    app = GridCommandApp(settings, GuiOptions(save_settings=True), engine=demo_engine)
    qtbot.addWidget(app.window)
    chosen = type(settings.basemap)(kind="url", url="http://10.0.0.5/t/{z}/{x}/{y}.png", crs="gcj02")

    class FakeDialog:
        def __init__(self, *a):
            self.result_settings = chosen

        def exec(self):
            return True

    monkeypatch.setattr(dialog_module, "BasemapDialog", FakeDialog)
    shown = []
    monkeypatch.setattr(app.window, "show_message", shown.append)
    app._on_basemap_settings_requested()
    assert shown and shown[0].level == "info"
    assert app.settings.basemap.kind == "none"  # the running map keeps its basemap and shifts
    assert load_settings()[0].basemap == chosen  # the next start gets the new one
    app.stop_live()
    app.map_view.dispose()
    settings_path().unlink()  # later tests start from defaults
