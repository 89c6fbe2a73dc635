"""The embedded browser for the map: a private profile whose every request is
checked, a page that records console errors, and the one bridge to our JS."""
from __future__ import annotations

import json
from collections import deque

import shiboken6

from PySide6.QtCore import QObject, QUrl, Signal, Slot
from PySide6.QtWebChannel import QWebChannel
from PySide6.QtWebEngineCore import (
    QWebEnginePage, QWebEngineProfile, QWebEngineSettings, QWebEngineUrlRequestInfo, QWebEngineUrlRequestInterceptor,
)
from PySide6.QtWebEngineWidgets import QWebEngineView

from core.settings import Settings
from desktop.map.schemes import APP_SCHEME, PAGE_URL, TILES_SCHEME, AppSchemeHandler, MbtilesSchemeHandler

# What the page may load: our own schemes and inline data; http(s) only to the intranet
# tile server the administrator configured (``allowed_hosts``). Every other request that
# reaches the network layer is blocked and counted; file:, qrc: and ftp: from our page are
# refused by Chromium before that (docs/platform.md). qwebchannel.js is served through
# gridapp:, so the page needs no qrc:.
_PAGE_SCHEMES = {APP_SCHEME.decode(), TILES_SCHEME.decode(), "data", "blob"}
_TILE_SERVER_SCHEMES = {"http", "https"}


class OfflineInterceptor(QWebEngineUrlRequestInterceptor):
    """Blocks and counts every request that would reach the network or a local file."""

    def __init__(self, allowed_hosts: set[str] | None = None, parent=None):
        super().__init__(parent)
        self.allowed_hosts = allowed_hosts or set()
        self.blocked: list[str] = []
        self.blocked_count = 0

    def allows(self, host: str) -> bool:
        host = host.lower()
        for pattern in self.allowed_hosts:
            if pattern.startswith("{s}."):
                if host.endswith(pattern[3:]) and "." not in host[: -len(pattern[3:])]:
                    return True
            elif host == pattern:
                return True
        return False

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        url = info.requestUrl()
        scheme = url.scheme().lower()
        if scheme in _PAGE_SCHEMES or (scheme in _TILE_SERVER_SCHEMES and self.allows(url.host())):
            return
        self.blocked_count += 1
        if len(self.blocked) < 100:  # keep the first ones for the message; count them all
            self.blocked.append(url.toString())
        info.block(True)


class MapPage(QWebEnginePage):
    """Keeps the page's console messages; errors fail the screenshot and the tests."""

    def __init__(self, profile, parent=None):
        super().__init__(profile, parent)
        self.console_errors: list[str] = []
        self.console_log: deque[str] = deque(maxlen=200)

    def javaScriptConsoleMessage(self, level, message, line, source):
        text = f"{source}:{line}: {message}"
        self.console_log.append(text)
        if level == QWebEnginePage.JavaScriptConsoleMessageLevel.ErrorMessageLevel:
            self.console_errors.append(text)


class MapBridge(QObject):
    """The QWebChannel object the page talks to (Anki's Bridge, pyqtlet2's map.html).

    Python→JS calls wait in a queue until the page says it is ready."""

    sig_page_ready = Signal(dict)
    sig_feature_clicked = Signal(str, str)
    sig_map_clicked = Signal(float, float)
    sig_unit_clicked = Signal(int)
    sig_incident_clicked = Signal(int)
    sig_overlay_clicked = Signal(str, str)  # overlay layer name, feature id
    sig_place_drawn = Signal(str, str)  # layer, GeoJSON geometry on the basemap
    sig_place_moved = Signal(str, str, str)  # layer, code, GeoJSON geometry on the basemap
    sig_place_delete_requested = Signal(str, str)  # layer, code
    sig_units_applied = Signal(int, float)  # batch sequence number, ms to apply incl. the next frame
    # Python -> page: live unit batches ride a channel signal, ~30 % faster than runJavaScript.
    sig_units_pushed = Signal(str)

    def __init__(self, page: QWebEnginePage, parent=None):
        super().__init__(parent)
        self._page = page
        self._queue: list[str] = []
        self._pending_units: str | None = None
        self.ready = False
        self.ready_info: dict = {}

    def reset(self) -> None:
        self.ready = False
        self._queue.clear()
        self._pending_units = None

    def push_units(self, payload: str) -> None:
        """Send a units batch; before the page is ready only the newest full one is kept."""
        if self.ready:
            self.sig_units_pushed.emit(payload)
        else:
            self._pending_units = payload

    def call(self, function: str, *args) -> None:
        """Call ``gridmap.<function>(*args)`` in the page, now or once it is ready."""
        js = f"gridmap.{function}({', '.join(json.dumps(a, ensure_ascii=False) for a in args)});"
        if self.ready:
            self._page.runJavaScript(js)
        else:
            self._queue.append(js)

    @Slot(str)
    def pageReady(self, info_json: str) -> None:
        self.ready = True
        self.ready_info = json.loads(info_json)
        pending, self._queue = self._queue, []
        if pending:
            self._page.runJavaScript("\n".join(pending))
        if self._pending_units is not None:
            self.sig_units_pushed.emit(self._pending_units)
            self._pending_units = None
        self.sig_page_ready.emit(self.ready_info)

    @Slot(str, str)
    def featureClicked(self, layer: str, code: str) -> None:
        self.sig_feature_clicked.emit(layer, code)

    @Slot(float, float)
    def mapClicked(self, lon: float, lat: float) -> None:
        self.sig_map_clicked.emit(lon, lat)

    @Slot(int)
    def unitClicked(self, unit_id: int) -> None:
        self.sig_unit_clicked.emit(unit_id)

    @Slot(int)
    def incidentClicked(self, incident_id: int) -> None:
        self.sig_incident_clicked.emit(incident_id)

    @Slot(str, str)
    def overlayClicked(self, layer: str, feature_id: str) -> None:
        self.sig_overlay_clicked.emit(layer, feature_id)

    @Slot(str, str)
    def placeDrawn(self, layer: str, geometry_json: str) -> None:
        self.sig_place_drawn.emit(layer, geometry_json)

    @Slot(str, str, str)
    def placeMoved(self, layer: str, code: str, geometry_json: str) -> None:
        self.sig_place_moved.emit(layer, code, geometry_json)

    @Slot(str, str)
    def placeDeleteRequested(self, layer: str, code: str) -> None:
        self.sig_place_delete_requested.emit(layer, code)

    @Slot(int, float)
    def unitsApplied(self, seq: int, ms: float) -> None:
        self.sig_units_applied.emit(seq, ms)


class MapView(QWebEngineView):
    """The map widget. ``load_page(html)`` shows a page built by ``desktop.map.page``."""

    sig_load_failed = Signal(str)

    def __init__(self, parent=None, mbtiles_path: str | None = None, allowed_hosts: set[str] | None = None):
        super().__init__(parent)
        # An off-the-record profile: no disk cache, and its own interceptor and schemes.
        # Not a child of the view: the page must die before its profile (see dispose).
        self.profile = QWebEngineProfile()
        # The page is served by our scheme, never from a file: it needs no local file
        # access, and with it a script could read any file the user can.
        attrs = self.profile.settings()
        attrs.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessFileUrls, False)
        attrs.setAttribute(QWebEngineSettings.WebAttribute.LocalContentCanAccessRemoteUrls, False)
        self.interceptor = OfflineInterceptor(allowed_hosts, self.profile)
        self.profile.setUrlRequestInterceptor(self.interceptor)
        self.app_handler = AppSchemeHandler(self.profile)
        self.profile.installUrlSchemeHandler(APP_SCHEME, self.app_handler)
        self.tiles_handler = MbtilesSchemeHandler(mbtiles_path, self.profile)
        self.profile.installUrlSchemeHandler(TILES_SCHEME, self.tiles_handler)
        self.map_page = MapPage(self.profile, self)
        self.setPage(self.map_page)
        self.bridge = MapBridge(self.map_page, self)
        self.channel = QWebChannel(self.map_page)
        self.channel.registerObject("bridge", self.bridge)
        self.map_page.setWebChannel(self.channel)
        self.loadFinished.connect(self._on_load_finished)
        self._disposed = False

    @property
    def blocked_requests(self) -> list[str]:
        return self.interceptor.blocked

    def load_page(self, html: str) -> None:
        self.bridge.reset()
        self.app_handler.page_html = html.encode("utf-8")
        self.map_page.load(QUrl(PAGE_URL))

    def _on_load_finished(self, ok: bool) -> None:
        if not ok:
            self.sig_load_failed.emit(f"the map page failed to load ({PAGE_URL})")

    def dispose(self) -> None:
        """Delete the view (and with it its page) before the profile, or Qt warns
        and may crash at exit (docs/platform.md). The view is unusable afterwards."""
        if self._disposed:
            return
        self._disposed = True
        profile = self.profile
        shiboken6.delete(self)
        shiboken6.delete(profile)


def tile_host_pattern(url_template: str) -> str:
    """The host of a tile URL template, lower-cased, with Leaflet's {s} subdomain kept
    as a wildcard for the request filter (``http://{s}.tiles.lan:8080/...`` -> ``{s}.tiles.lan``)."""
    return url_template.split("/")[2].rsplit("@", 1)[-1].split(":")[0].lower()


def make_map_view(settings: Settings) -> MapView:
    """A map view with the request filter and tile source the basemap setting asks for."""
    basemap = settings.basemap
    allowed = {tile_host_pattern(basemap.url)} if basemap.kind == "url" and "//" in basemap.url else set()
    return MapView(mbtiles_path=basemap.mbtiles_path if basemap.kind == "mbtiles" else None, allowed_hosts=allowed)
