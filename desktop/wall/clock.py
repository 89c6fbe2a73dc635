"""The wall's clock: time, date and weekday in the configured time zone, in the UI
language (Chinese by default: 2026年12月2日 星期三)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from PySide6.QtCore import QDate, QLocale, QTime, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from core.clock import Clock


class WallClock(QWidget):
    def __init__(self, clock: Clock, zone: str, parent=None):
        super().__init__(parent)
        self.clock = clock
        self.zone = ZoneInfo(zone)
        self.setObjectName("wall_clock")
        self.time_label = QLabel()
        self.time_label.setObjectName("wall_clock_time")
        self.date_label = QLabel()
        self.date_label.setObjectName("wall_clock_date")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.time_label)
        layout.addWidget(self.date_label)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.tick)
        self._timer.start(1000)
        self.tick()

    def date_text(self) -> str:
        local = self.clock.now().astimezone(self.zone)
        # A format string per language: Qt's locale gives the weekday's name (星期三 / Wednesday).
        return QLocale().toString(QDate(local.year, local.month, local.day), self.tr("dddd, d MMMM yyyy"))

    def time_text(self) -> str:
        local = self.clock.now().astimezone(self.zone)
        return QTime(local.hour, local.minute, local.second).toString("HH:mm:ss")

    def tick(self) -> None:
        self.time_label.setText(self.time_text())
        self.date_label.setText(self.date_text())
