"""The map page is a sandbox: it cannot read local files, reach any scheme but our
own (gridapp:, tiles:) and data:/blob:, escape resources/web through a symlink, or
hang a request with an absurd tile address; its attribution is neutral."""
from __future__ import annotations

import sqlite3

import pytest

from tests.desktop.conftest import run_js

pytestmark = pytest.mark.webengine

PAGE = """<!doctype html><html><head><meta charset="utf-8"></head><body><script>
window.results = {};
function probe(name, url) {
  // A failed scheme job answers with a status whose body never ends: read only 200s.
  fetch(url).then(function (r) {
    if (r.status !== 200) { window.results[name] = String(r.status); return; }
    return r.text().then(function (t) { window.results[name] = r.status + ':' + t.length; });
  }).catch(function (e) { window.results[name] = 'blocked'; });
}
</script></body></html>"""


@pytest.fixture
def view(qtbot, qapp, tmp_path):
    from desktop.map.view import MapView

    mbtiles = tmp_path / "t.mbtiles"
    conn = sqlite3.connect(mbtiles)
    conn.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    conn.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    conn.execute("INSERT INTO tiles VALUES (1, 0, 0, x'89504e47')")
    conn.commit()
    conn.close()
    v = MapView(mbtiles_path=str(mbtiles))
    qtbot.addWidget(v)
    with qtbot.waitSignal(v.loadFinished, timeout=30000):
        v.load_page(PAGE)
    yield v
    v.dispose()


def _probe(qtbot, view, name: str, url: str) -> str:
    run_js(qtbot, view, f"probe({name!r}, {url!r}); true")
    qtbot.waitUntil(lambda: run_js(qtbot, view, f"window.results[{name!r}] || ''") != "", timeout=10000)
    return run_js(qtbot, view, f"window.results[{name!r}]")


def test_local_files_and_foreign_schemes_are_refused(qtbot, view, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("top secret", encoding="utf-8")
    for name, url in [("file", secret.as_uri()), ("passwd", "file:///etc/passwd"),
                      ("qrc", "qrc:/qtwebchannel/qwebchannel.js"), ("ftp", "ftp://example.org/x"),
                      ("http", "http://203.0.113.9/x")]:
        assert _probe(qtbot, view, name, url) == "blocked", url
    # Chromium refuses file: itself now (our scheme has no local access): the page
    # logs an error, which fails --screenshot; the network request is counted.
    assert any("file:///etc/passwd" in e for e in view.map_page.console_errors)
    assert view.blocked_requests == ["http://203.0.113.9/x"] and view.interceptor.blocked_count == 1
    # What the page does need still works.
    assert _probe(qtbot, view, "asset", "gridapp://gridcommand/web/gridmap.js").startswith("200:")
    assert _probe(qtbot, view, "channel", "gridapp://gridcommand/web/qwebchannel.js").startswith("200:")
    assert _probe(qtbot, view, "tile", "tiles://mbtiles/1/0/1.png") == "200:4"
    assert _probe(qtbot, view, "data", "data:text/plain,hello") == "200:5"


class _Request:
    def __init__(self, url: str):
        from PySide6.QtCore import QUrl

        self.url = QUrl(url)
        self.blocked = False

    def requestUrl(self):
        return self.url

    def block(self, flag: bool) -> None:
        self.blocked = flag


def test_interceptor_lets_through_only_our_schemes_and_the_tile_server(qapp):
    from desktop.map.view import OfflineInterceptor

    interceptor = OfflineInterceptor({"10.0.0.5"})
    allowed = ["gridapp://gridcommand/map.html", "tiles://mbtiles/1/0/0", "data:image/png;base64,AAAA",
               "blob:gridapp://gridcommand/1234", "http://10.0.0.5/tiles/1/0/0.png", "https://10.0.0.5/x"]
    refused = ["file:///etc/passwd", "qrc:/x.js", "ftp://10.0.0.5/x", "ws://10.0.0.5/", "wss://a/", "http://evil/x",
               "chrome://settings", "javascript:alert(1)", "filesystem:gridapp://gridcommand/x", "about:blank#x"]
    for url in allowed + refused:
        request = _Request(url)
        interceptor.interceptRequest(request)
        assert request.blocked == (url in refused), url
    assert interceptor.blocked_count == len(refused)
    assert interceptor.blocked[0] == "file:///etc/passwd"


def test_local_file_access_is_off_in_the_profile(view):
    from PySide6.QtWebEngineCore import QWebEngineSettings

    attrs = view.profile.settings()
    assert not attrs.testAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls)
    assert not attrs.testAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls)


def test_app_scheme_refuses_a_symlink_out_of_resources_web(qtbot, view, tmp_path):
    from importlib import resources

    outside = tmp_path / "outside.txt"
    outside.write_text("not for the page", encoding="utf-8")
    link = resources.files("resources").joinpath("web") / "zz-test-link.txt"
    link.symlink_to(outside)
    try:
        assert _probe(qtbot, view, "link", "gridapp://gridcommand/web/zz-test-link.txt") == "404"
        assert _probe(qtbot, view, "dots", "gridapp://gridcommand/web/%2e%2e/__init__.py") == "404"
        assert _probe(qtbot, view, "real", "gridapp://gridcommand/web/gridmap.css").startswith("200:")
    finally:
        link.unlink()


def test_absurd_tile_addresses_get_an_answer(qtbot, view):
    for name, url in [("huge", "tiles://mbtiles/100000000000000000000/0/0.png"),
                      ("wide", "tiles://mbtiles/3/99/0.png"), ("neg", "tiles://mbtiles/3/-1/0.png")]:
        assert _probe(qtbot, view, name, url) == "400", url
    assert view.tiles_handler.invalid == 3
    assert _probe(qtbot, view, "ok", "tiles://mbtiles/1/0/1.png") == "200:4"


def test_attribution_is_neutral(gui, qtbot):
    prefix = run_js(qtbot, gui.map_view, "document.querySelector('.leaflet-control-attribution').innerHTML")
    assert "Leaflet" in prefix
    assert "<svg" not in prefix and "flag" not in prefix.lower()
