"""The incident ticker: the newest incidents first, each row coloured by level; a new
incident of a flashing level blinks for a while. Rows that do not fit are left out,
never cut: the wall is read from across a room."""
from __future__ import annotations

import time
from dataclasses import dataclass

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from desktop import theme

FLASH_PERIOD_MS = 500


@dataclass(frozen=True)
class TickerRow:
    incident_id: int
    level: str
    head: str  # "14:03  重大 · 刑事"
    tail: str  # "二网格 · 派警 · JQ20261202-0007"
    closed: bool = False


class IncidentTicker(QWidget):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("wall_ticker")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Expanding)
        self.title = QLabel(self.tr("Incidents, newest first"))
        self.title.setObjectName("wall_section")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(4)
        self._layout.addWidget(self.title)
        self._layout.addStretch(1)
        self.rows: list[TickerRow] = []
        self.row_labels: list[QLabel] = []
        self.flashing: dict[int, float] = {}  # incident id -> monotonic time the flash ends
        self.stale = False
        self._blink_on = False
        self._blink = QTimer(self)
        self._blink.setInterval(FLASH_PERIOD_MS)
        self._blink.timeout.connect(self._on_blink)

    def set_rows(self, rows: list[TickerRow]) -> None:
        self.rows = list(rows)
        self._rebuild()

    def flash(self, incident_ids: list[int], seconds: float) -> None:
        until = time.monotonic() + seconds
        for i in incident_ids:
            self.flashing[i] = until
        if self.flashing and not self._blink.isActive():
            self._blink.start()
        self._restyle()

    def set_stale(self, stale: bool) -> None:
        self.stale = stale
        self._restyle()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._rebuild()

    def _rebuild(self) -> None:
        """As many rows as fit in the height, each elided to the width."""
        for label in self.row_labels:
            self._layout.removeWidget(label)
            label.deleteLater()
        self.row_labels = []
        # The row's border (10 px) and padding (2 × 8 px), and a little room for rounding.
        width = max(10, self.width() - 30)
        available = self.height() - self.title.sizeHint().height() - self._layout.spacing()
        for row in self.rows:
            label = QLabel(self)
            label.setObjectName("wall_ticker_row")
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setProperty("incident_id", row.incident_id)
            label.setProperty("level", row.level)
            self._restyle_one(label, row)  # the font comes with the style sheets, so measure after them
            label.ensurePolished()
            metrics = QFontMetrics(label.font())
            label.setText("\n".join(metrics.elidedText(t, Qt.TextElideMode.ElideRight, width)
                                    for t in (row.head, row.tail)))
            needed = label.sizeHint().height() + self._layout.spacing()
            if needed > available:
                label.deleteLater()
                break
            available -= needed
            self._layout.insertWidget(self._layout.count() - 1, label)
            self.row_labels.append(label)

    def _on_blink(self) -> None:
        now = time.monotonic()
        self.flashing = {i: t for i, t in self.flashing.items() if t > now}
        self._blink_on = not self._blink_on
        if not self.flashing:
            self._blink.stop()
            self._blink_on = False
        self._restyle()

    def _restyle(self) -> None:
        by_id = {r.incident_id: r for r in self.rows}
        for label in self.row_labels:
            row = by_id.get(label.property("incident_id"))
            if row is not None:
                self._restyle_one(label, row)

    def _restyle_one(self, label: QLabel, row: TickerRow) -> None:
        if self.stale:
            state = "stale"
        elif row.incident_id in self.flashing:
            state = "flash_on" if self._blink_on else "flash_off"
        else:
            state = "closed" if row.closed else "open"
        label.setStyleSheet(self._row_style(row.level, state))

    @staticmethod
    def _row_style(level: str, state: str) -> str:
        fill = theme.ui_colors().get("level_fill", {}).get(level, theme.ui_color("alt_base"))
        text, muted = theme.ui_color("text"), theme.ui_color("muted")
        if state == "stale":
            return f"border-left: 10px solid {muted}; color: {muted}; padding: 2px 8px;"
        if state == "flash_on":
            return f"background: {fill}; color: {text}; border-left: 10px solid {text}; padding: 2px 8px;"
        if state == "closed":
            return f"border-left: 10px solid {fill}; color: {muted}; padding: 2px 8px;"
        return f"border-left: 10px solid {fill}; color: {text}; padding: 2px 8px;"
