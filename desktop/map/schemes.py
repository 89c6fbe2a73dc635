"""Custom URL schemes: ``gridapp:`` serves the page and vendored assets from memory
and package resources, ``tiles:`` serves an MBTiles basemap. Nothing is fetched
from the network.

Schemes must be registered before the QApplication exists (``register_schemes``)."""
from __future__ import annotations

import mimetypes
import sqlite3
import threading
from importlib import resources

from PySide6.QtCore import QBuffer, QByteArray, QFile, QIODevice
from PySide6.QtWebEngineCore import QWebEngineUrlRequestJob, QWebEngineUrlScheme, QWebEngineUrlSchemeHandler

APP_SCHEME = b"gridapp"
TILES_SCHEME = b"tiles"
APP_HOST = "gridcommand"
PAGE_URL = f"{APP_SCHEME.decode()}://{APP_HOST}/map.html"
WEB_ROOT = f"{APP_SCHEME.decode()}://{APP_HOST}/web/"
# Numeric hosts are parsed as IPv4 by Chromium, so the tile URL carries a name (PLATFORM.md).
TILES_URL = f"{TILES_SCHEME.decode()}://mbtiles/{{z}}/{{x}}/{{y}}"

_registered = False


def register_schemes() -> None:
    global _registered
    if _registered:
        return
    flags = (QWebEngineUrlScheme.Flag.SecureScheme | QWebEngineUrlScheme.Flag.LocalAccessAllowed
             | QWebEngineUrlScheme.Flag.CorsEnabled | QWebEngineUrlScheme.Flag.FetchApiAllowed)
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
    node = resources.files("resources").joinpath("web")
    for part in path.split("/"):
        if part in ("", ".", ".."):
            return None
        node = node.joinpath(part)
    return node.read_bytes() if node.is_file() else None


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
            data = self.tile(z, x, y)
        except (ValueError, sqlite3.Error):
            data = None
        if data is None:
            self.missing += 1
            job.fail(QWebEngineUrlRequestJob.Error.UrlNotFound)
            return
        _reply(job, data, self.mime)
