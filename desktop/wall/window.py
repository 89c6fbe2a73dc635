"""The wall window: the map (a view of the map scene, most of the screen) with a side
column holding the clock, the KPI strip and the incident ticker; a banner across the
top when something is wrong. Nothing here can be edited or clicked into a dialog.

Sizes follow the screen: text is at least twice the workstation's, larger on a 4K
wall; the page is zoomed by the same scale so markers read from across the room."""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFontInfo
from PySide6.QtWidgets import QApplication, QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from core.clock import Clock
from core.settings import WallSettings
from desktop import theme
from desktop.map.view import MapView
from desktop.wall.banner import WallBanner
from desktop.wall.clock import WallClock
from desktop.wall.kpi import KpiStrip
from desktop.wall.ticker import IncidentTicker

SIDE_SHARE = 0.25  # of the width: the map keeps the rest (≥ 70 % of the area with the banner shown)
MIN_SIDE_PX = 420
REFERENCE_HEIGHT = 1080  # a 1080p wall has scale 1
PAGE_ZOOM_AT_1080 = 1.5  # markers and labels in the page, read from across a room


def workstation_font_px() -> int:
    """The pixel size of the application's default font: what a workstation shows."""
    return QFontInfo(QApplication.font()).pixelSize()


@dataclass(frozen=True)
class WallScale:
    body_px: int
    page_zoom: float

    @classmethod
    def for_height(cls, height: int, settings: WallSettings, base_px: int) -> "WallScale":
        scale = max(0.5, height / REFERENCE_HEIGHT)
        body = settings.font_px or max(2 * base_px, round(height / 45))
        return cls(body_px=max(body, 2 * base_px), page_zoom=round(min(5.0, PAGE_ZOOM_AT_1080 * scale), 2))


def wall_stylesheet(body_px: int) -> str:
    """Sizes by role; colours from the dark palette (colors.json, never spelled here)."""
    c = theme.ui_colors("dark")
    big, huge, small = round(body_px * 1.7), round(body_px * 2.4), body_px
    return f"""
#wall_root QLabel {{ font-size: {body_px}px; }}
QLabel#wall_title {{ font-size: {round(body_px * 1.15)}px; font-weight: bold; }}
QLabel#wall_clock_time {{ font-size: {huge}px; font-weight: bold; }}
QLabel#wall_clock_date {{ font-size: {body_px}px; color: {c['muted']}; }}
QLabel#wall_section {{ font-size: {body_px}px; font-weight: bold; color: {c['muted']};
                        border-bottom: 2px solid {c['border']}; }}
QLabel#wall_kpi_caption {{ font-size: {small}px; color: {c['muted']}; }}
QLabel#wall_kpi_value {{ font-size: {big}px; font-weight: bold; }}
QLabel#wall_kpi_detail {{ font-size: {small}px; }}
QLabel#wall_ticker_row {{ font-size: {body_px}px; }}
QLabel#wall_banner {{ font-size: {round(body_px * 1.15)}px; font-weight: bold; padding: 8px 16px; }}
QLabel#wall_banner[status="alert"] {{ background: {c['alert']}; color: {c['alert_text']}; }}
QLabel#wall_banner[status="warning"] {{ background: {c['warn']}; color: {c['alert_text']}; }}
QLabel#wall_map_stale {{ font-size: {big}px; font-weight: bold; color: {c['text']}; }}
QLabel[role="muted"] {{ color: {c['muted']}; }}
"""


class StaleVeil(QLabel):
    """Greys the map while its data is old, and says how old."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("wall_map_stale")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        veil = QColor(theme.ui_color("window", theme="dark"))
        veil.setAlpha(150)
        self.setStyleSheet(f"background: rgba({veil.red()}, {veil.green()}, {veil.blue()}, {veil.alpha()});")
        self.hide()


class WallWindow(QWidget):
    def __init__(self, settings: WallSettings, map_view: MapView, clock: Clock, zone: str, parent=None):
        super().__init__(parent)
        self.setObjectName("wall_root")
        self.setWindowTitle(self.tr("Grid Command — command hall"))
        self.settings = settings
        self.map_view = map_view
        self.scale: WallScale | None = None
        self.banner = WallBanner(zone)
        self.map_frame = QWidget()
        self.map_frame.setObjectName("wall_map")
        frame = QGridLayout(self.map_frame)
        frame.setContentsMargins(0, 0, 0, 0)
        frame.addWidget(map_view, 0, 0)
        self.veil = StaleVeil(self.map_frame)
        frame.addWidget(self.veil, 0, 0)
        map_view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.side = QWidget()
        self.side.setObjectName("wall_side")
        self.title = QLabel(self.tr("Joint police and city-management grid command"))
        self.title.setObjectName("wall_title")
        self.title.setWordWrap(True)
        self.clock = WallClock(clock, zone)
        self.kpi = KpiStrip()
        self.kpi_title = QLabel(self.tr("Today"))
        self.kpi_title.setObjectName("wall_section")
        self.ticker = IncidentTicker()
        side = QVBoxLayout(self.side)
        side.setContentsMargins(16, 8, 8, 8)
        side.setSpacing(6)
        for w in (self.title, self.clock, self.kpi_title, self.kpi):
            side.addWidget(w)
        side.addWidget(self.ticker, 1)

        self.grid = QGridLayout(self)
        self.grid.setSpacing(0)
        self.grid.addWidget(self.banner, 0, 0, 1, 2)
        self.grid.addWidget(self.map_frame, 1, 0)
        self.grid.addWidget(self.side, 1, 1)
        self.grid.setColumnStretch(0, 1)
        self.grid.setRowStretch(1, 1)
        self.offset = (0, 0)
        self._apply_margins()

    # --- size ----------------------------------------------------------------------------
    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.apply_scale(self.height())

    def apply_scale(self, height: int) -> None:
        scale = WallScale.for_height(height, self.settings, workstation_font_px())
        self.side.setFixedWidth(max(MIN_SIDE_PX, round(self.width() * SIDE_SHARE)))
        if scale == self.scale:
            return
        self.scale = scale
        self.setStyleSheet(wall_stylesheet(scale.body_px))
        self.map_view.setZoomFactor(scale.page_zoom)

    # --- burn-in -----------------------------------------------------------------------
    def shift(self, dx: int, dy: int) -> None:
        """Move everything by (dx, dy) pixels within a fixed border, so the sizes stay the same."""
        self.offset = (dx, dy)
        self._apply_margins()

    def _apply_margins(self) -> None:
        a = self.settings.burn_in_px
        dx, dy = self.offset
        self.grid.setContentsMargins(a + dx, a + dy, a - dx, a - dy)

    # --- state ---------------------------------------------------------------------------
    def set_stale(self, age_text: str | None) -> None:
        """``age_text``: how old the data shown is, while the database is unreachable; None: live."""
        stale = age_text is not None
        self.kpi.set_stale(stale)
        self.ticker.set_stale(stale)
        if stale:
            self.veil.setText(age_text)
            self.veil.show()
            self.veil.raise_()
        else:
            self.veil.hide()

    def map_area_share(self) -> float:
        """The map's share of the window's area (≥ 0.70 is the target)."""
        total = self.width() * self.height()
        return (self.map_frame.width() * self.map_frame.height()) / total if total else 0.0
