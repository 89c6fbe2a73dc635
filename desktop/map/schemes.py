"""Custom URL schemes: ``gridapp:`` serves the page and vendored assets from memory
and package resources, ``tiles:`` serves an MBTiles basemap. Nothing is fetched
from the network.

Schemes must be registered before the QApplication exists (``register_schemes``)."""
from __future__ import annotations

import mimetypes
import sqlite3
import threading
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice
from PySide6.QtWebEngineCore import QWebEngineUrlRequestJob, QWebEngineUrlScheme, QWebEngineUrlSchemeHandler

APP_SCHEME = b"gridapp"
TILES_SCHEME = b"tiles"
APP_HOST = "gridcommand"
PAGE_URL = f"{APP_SCHEME.decode()}://{APP_HOST}/map.html"
WEB_ROOT = f"{APP_SCHEME.decode()}://{APP_HOST}/web/"
# Numeric hosts are parsed as IPv4 by Chromium, so the tile URL carries a name (docs/platform.md).
TILES_URL = f"{TILES_SCHEME.decode()}://mbtiles/{{z}}/{{x}}/{{y}}"
# Deeper than any tile pyramid (OSM stops at 19-22); past it a tile address is nonsense.
MAX_TILE_ZOOM = 30

_registered = False


def register_schemes() -> None:
    global _registered
    if _registered:
        return
    # No LocalAccessAllowed: content from our schemes must not be treated as a local
    # file, which may read other files (the page then fetched file:///etc/passwd).
    flags = (QWebEngineUrlScheme.Flag.SecureScheme | QWebEngineUrlScheme.Flag.CorsEnabled
             | QWebEngineUrlScheme.Flag.FetchApiAllowed)
    for name in (APP_SCHEME, TILES_SCHEME):
        scheme = QWebEngineUrlScheme(name)
        scheme.setSyntax(QWebEngineUrlScheme.Syntax.Path)
        scheme.setFlags(flags)
        QWebEngineUrlScheme.registerScheme(scheme)
    _registered = True


def _reply(job: QWebEngineUrlRequestJob, data: bytes, mime: str) -> None:
    buf = QBuffer(parent=job)  # parented to the job so it outlives this call
    buf.setData(QByteArray(data))
    buf.open(QIODevice.OpenModeFlag.ReadOnly)
    job.reply(mime.encode(), buf)


def _read_web_asset(path: str) -> bytes | None:
    if path == "qwebchannel.js":
        # Qt ships the channel's JS client as a resource; serve it instead of copying it.
        f = QFile(":/qtwebchannel/qwebchannel.js")
        if f.open(QIODevice.OpenModeFlag.ReadOnly):
            return bytes(f.readAll().data())
        return None
    root = Path(str(resources.files("resources").joinpath("web"))).resolve()
    parts = path.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return None
    # The real path, symlinks followed, must still be inside resources/web: a link
    # placed there must not hand the page a file from elsewhere.
    node = root.joinpath(*parts).resolve()
    if not node.is_relative_to(root) or not node.is_file():
        return None
    return node.read_bytes()


class AppSchemeHandler(QWebEngineUrlSchemeHandler):
    """Serves the generated page from memory and web assets from ``resources/web``."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.page_html = b""

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        url = job.requestUrl()
        path = url.path().lstrip("/")
        if url.host() != APP_HOST:
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        if path == "map.html":
            _reply(job, self.page_html, "text/html;charset=utf-8")
            return
        if path.startswith("web/"):
            data = _read_web_asset(path[4:])
            if data is not None:
                mime = mimetypes.guess_type(path)[0] or "application/octet-stream"
                if mime.startswith("text/") or mime.endswith("javascript"):
                    mime += ";charset=utf-8"
                _reply(job, data, mime)
                return
        job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)


class MbtilesSchemeHandler(QWebEngineUrlSchemeHandler):
    """``tiles://mbtiles/{z}/{x}/{y}`` from an MBTiles file (rows are TMS, so y is flipped)."""

    def __init__(self, path: str | None = None, parent=None):
        super().__init__(parent)
        self._path = path
        self._local = threading.local()
        self.mime = "image/png"
        self.missing = 0
        self.invalid = 0  # addresses no tile pyramid has (a huge zoom, x or y out of range)
        if path:
            self.mime = self._detect_mime()

    def _conn(self) -> sqlite3.Connection | None:
        if not self._path:
            return None
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self._path}?mode=ro", uri=True, check_same_thread=False)
            self._local.conn = conn
        return conn

    def _detect_mime(self) -> str:
        try:
            row = self._conn().execute("SELECT value FROM metadata WHERE name='format'").fetchone()
        except sqlite3.Error:
            return "image/png"
        return {"jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}.get((row or ["png"])[0], "image/png")

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        conn = self._conn()
        if conn is None:
            return None
        row = conn.execute(
            "SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
            (z, x, (1 << z) - 1 - y),
        ).fetchone()
        return bytes(row[0]) if row else None

    def requestStarted(self, job: QWebEngineUrlRequestJob) -> None:
        parts = job.requestUrl().path().strip("/").split("/")
        try:
            z, x, y = (int(p.split(".")[0]) for p in parts[-3:])
        except ValueError:
            z = x = y = -1
        if not (0 <= z <= MAX_TILE_ZOOM and 0 <= x < (1 << z) and 0 <= y < (1 << z)):
            # A bad request, answered at once (the page sees 400): (1 << z) with a huge
            # z raised and the request never got an answer.
            self.invalid += 1
            job.fail(QWebEngineUrlRequestJob.Error.UrlInvalid)
            return
        try:
            data = self.tile(z, x, y)
        except sqlite3.Error:
            data = None
        if data is None:
            self.missing += 1
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        _reply(job, data, self.mime)
