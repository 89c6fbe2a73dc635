"""Settings → Basemap: none, an MBTiles file, or a tile URL with its coordinate system."""
from __future__ import annotations

import copy
import sqlite3

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
    QWidget,
)

from core.settings import BasemapSettings
from desktop import theme


def check_mbtiles(path: str) -> str | None:
    """Why an MBTiles file cannot be used, or None when it can."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            conn.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles LIMIT 1").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc)
    return None


class BasemapDialog(QDialog):
    def __init__(self, current: BasemapSettings, parent=None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Basemap"))
        self.result_settings = copy.deepcopy(current)
        self.kind = QComboBox()
        for value, text in (("none", self.tr("None (vector streets of the city data)")),
                            ("mbtiles", self.tr("MBTiles file")), ("url", self.tr("Tile server URL"))):
            self.kind.addItem(text, value)
        self.kind.setCurrentIndex(max(0, self.kind.findData(current.kind)))
        self.path = QLineEdit(current.mbtiles_path)
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._on_browse)
        path_row = QWidget()
        row = QHBoxLayout(path_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path)
        row.addWidget(browse)
        self.url = QLineEdit(current.url)
        self.url.setPlaceholderText("http://10.0.0.5/tiles/{z}/{x}/{y}.png")
        self.crs = QComboBox()
        for value, text in (("wgs84", self.tr("WGS84 / CGCS2000")), ("gcj02", self.tr("GCJ-02 (AMap, Tencent)")),
                            ("bd09", self.tr("BD-09 (Baidu)"))):
            self.crs.addItem(text, value)
        self.crs.setCurrentIndex(max(0, self.crs.findData(current.crs)))
        self.error = QLabel()
        theme.set_role(self.error, "error")
        form = QFormLayout(self)
        form.addRow(self.tr("Kind"), self.kind)
        form.addRow(self.tr("MBTiles file"), path_row)
        form.addRow(self.tr("Tile URL"), self.url)
        form.addRow(self.tr("Coordinate system"), self.crs)
        form.addRow(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._on_accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _on_browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("MBTiles file"), "", "MBTiles (*.mbtiles)")
        if path:
            self.path.setText(path)

    def _on_accept(self) -> None:
        s = self.result_settings
        s.kind, s.crs = self.kind.currentData(), self.crs.currentData()
        s.mbtiles_path, s.url = self.path.text().strip(), self.url.text().strip()
        if s.kind == "mbtiles":
            problem = check_mbtiles(s.mbtiles_path) if s.mbtiles_path else self.tr("no file chosen")
            if problem:
                self.error.setText(self.tr("Cannot use this MBTiles file: %1").replace("%1", problem))
                return
        if s.kind == "url" and not all(k in s.url for k in ("{z}", "{x}", "{y}")):
            self.error.setText(self.tr("The URL must contain {z}, {x} and {y}."))
            return
        self.accept()
