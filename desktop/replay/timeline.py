"""The timeline bar under the replay map: a slider over the window with a tick for each
event (incidents received, dispatches, arrivals, escalations, check-ins), play/pause,
the speeds, the previous/next event and a typed time to jump to.

It shows the replay time and says what the user asked for through signals; the
replay controller moves the clock."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import (
    QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSlider, QStyle, QStyleOptionSlider, QVBoxLayout, QWidget,
)

from core.playback import SPEEDS
from core.replay_state import Tick
from desktop import theme

SLIDER_STEPS = 10_000
# What each kind of tick looks like (colour role in colors.json's ui palette).
TICK_ROLES = {"received": "alert", "dispatch": "warn", "arrival": "ok", "escalation": "alert", "checkin": "muted"}


class TickSlider(QSlider):
    """A horizontal slider that paints the window's event ticks under its groove. A click
    on the groove goes there (not a page step); a click on an incident's tick goes to the
    incident (``sig_tick_clicked``); hovering a tick says what it was."""

    sig_tick_clicked = Signal(int)  # index into the marks
    NEAR_PX = 4

    def __init__(self, parent=None):
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setRange(0, SLIDER_STEPS)
        self.setMinimumHeight(34)
        self.setMouseTracking(True)
        self.marks: list[tuple[float, str]] = []  # (0..1, kind)
        self.describe = lambda index: ""  # the tooltip of mark ``index``

    def set_marks(self, marks: list[tuple[float, str]]) -> None:
        self.marks = marks
        self.update()

    def _span(self) -> tuple[float, float]:
        """(x of 0, width of 0..1) along the groove, in pixels."""
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        groove = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                             QStyle.SubControl.SC_SliderGroove, self)
        handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                             QStyle.SubControl.SC_SliderHandle, self)
        return groove.left() + handle.width() / 2, max(1.0, groove.width() - handle.width())

    def x_of(self, fraction: float) -> float:
        x0, width = self._span()
        return x0 + fraction * width

    def mark_at(self, x: float, kinds: tuple[str, ...] | None = None) -> int | None:
        """The mark nearest ``x`` within a few pixels (of one of ``kinds``), or None."""
        best = None
        for i, (fraction, kind) in enumerate(self.marks):
            if kinds is not None and kind not in kinds:
                continue
            distance = abs(self.x_of(fraction) - x)
            if distance <= self.NEAR_PX and (best is None or distance < best[0]):
                best = (distance, i)
        return None if best is None else best[1]

    def mousePressEvent(self, event) -> None:
        x = event.position().x()
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        handle = self.style().subControlRect(QStyle.ComplexControl.CC_Slider, option,
                                             QStyle.SubControl.SC_SliderHandle, self)
        if event.button() != Qt.MouseButton.LeftButton or handle.contains(event.position().toPoint()):
            super().mousePressEvent(event)  # dragging the handle
            return
        mark = self.mark_at(x, ("received",))
        if mark is not None:
            self.sig_tick_clicked.emit(mark)
            return
        x0, width = self._span()
        value = round(min(1.0, max(0.0, (x - x0) / width)) * SLIDER_STEPS)
        self.setValue(value)
        self.sliderMoved.emit(value)

    def mouseMoveEvent(self, event) -> None:
        super().mouseMoveEvent(event)
        mark = self.mark_at(event.position().x())
        self.setToolTip(self.describe(mark) if mark is not None else "")

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if not self.marks:
            return
        painter = QPainter(self)
        for fraction, kind in self.marks:
            tall = kind == "received"
            colour = QColor(theme.ui_color(TICK_ROLES.get(kind, "muted")))
            painter.setPen(QPen(colour, 2 if tall else 1))
            x = self.x_of(fraction)
            top = 2 if tall else self.height() - 10
            painter.drawLine(QPointF(x, top), QPointF(x, self.height() - 2))
        painter.end()


class TimelineBar(QWidget):
    sig_play_toggled = Signal(bool)
    sig_speed_chosen = Signal(int)
    sig_seek_requested = Signal(object)  # an aware datetime
    sig_step_requested = Signal(int)  # -1 previous event, +1 next
    sig_incident_requested = Signal(int)  # an incident's tick was clicked: its id

    def __init__(self, zone: str = "Asia/Shanghai", parent=None):
        super().__init__(parent)
        self.setObjectName("replay_timeline")
        self.zone = ZoneInfo(zone)
        self.start: datetime | None = None
        self.end: datetime | None = None
        self.ticks: list[Tick] = []
        self.numbers: dict[int, str] = {}  # incident id -> number, for the ticks' tooltips
        self.slider = TickSlider(self)
        self.play_button = QPushButton(self.tr("Play"))
        self.play_button.setCheckable(True)
        self.previous_button = QPushButton(self.tr("◀ Previous event"))
        self.next_button = QPushButton(self.tr("Next event ▶"))
        self.speed_box = QComboBox()
        for speed in SPEEDS:
            self.speed_box.addItem(f"{speed}×", speed)
        self.time_label = QLabel("—")
        self.time_label.setObjectName("replay_time")
        self.time_label.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.jump_edit = QLineEdit()
        self.jump_edit.setPlaceholderText(self.tr("HH:MM[:SS] or YYYY-MM-DD HH:MM"))
        self.jump_edit.setMaximumWidth(190)
        self.jump_button = QPushButton(self.tr("Jump"))
        self.error_label = QLabel()
        theme.set_status(self.error_label, "alert")
        self.error_label.setVisible(False)
        self.window_label = QLabel()
        self.window_label.setProperty("role", "muted")
        controls = QHBoxLayout()
        for widget in (self.play_button, self.previous_button, self.next_button):
            controls.addWidget(widget)
        controls.addWidget(QLabel(self.tr("Speed")))
        controls.addWidget(self.speed_box)
        controls.addSpacing(12)
        controls.addWidget(self.time_label)
        controls.addStretch(1)
        controls.addWidget(self.error_label)
        controls.addWidget(self.jump_edit)
        controls.addWidget(self.jump_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 8, 4)
        layout.setSpacing(2)
        layout.addWidget(self.slider)
        layout.addLayout(controls)
        layout.addWidget(self.window_label)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.previous_button.clicked.connect(lambda: self.sig_step_requested.emit(-1))
        self.next_button.clicked.connect(lambda: self.sig_step_requested.emit(1))
        self.speed_box.currentIndexChanged.connect(lambda i: self.sig_speed_chosen.emit(self.speed_box.itemData(i)))
        self.slider.sliderMoved.connect(self._on_slider_moved)
        self.jump_button.clicked.connect(self._on_jump)
        self.jump_edit.returnPressed.connect(self._on_jump)
        self.slider.sig_tick_clicked.connect(self._on_tick_clicked)
        self.slider.describe = self.describe_tick
        self.setEnabled(False)

    # --- model → widget ----------------------------------------------------------------
    def set_window(self, start: datetime, end: datetime, ticks: list[Tick], numbers: dict[int, str] | None = None
                   ) -> None:
        self.start, self.end, self.ticks = start, end, ticks
        self.numbers = numbers or {}
        span = (end - start).total_seconds() or 1.0
        self.slider.set_marks([((t.at - start).total_seconds() / span, t.kind) for t in ticks])
        received = sum(1 for t in ticks if t.kind == "received")
        self.window_label.setText(self.tr("Window %1 – %2 · %3 incidents received · %4 events").replace(
            "%1", self._local(start, True)).replace("%2", self._local(end, True)).replace(
            "%3", str(received)).replace("%4", str(len(ticks))))
        self.setEnabled(True)

    def set_speed(self, speed: float) -> None:
        index = self.speed_box.findData(int(speed))
        if index >= 0 and index != self.speed_box.currentIndex():
            self.speed_box.blockSignals(True)
            self.speed_box.setCurrentIndex(index)
            self.speed_box.blockSignals(False)

    def show_time(self, at: datetime, playing: bool) -> None:
        self.time_label.setText(self._local(at, True))
        if self.start is not None and not self.slider.isSliderDown():
            span = (self.end - self.start).total_seconds() or 1.0
            self.slider.blockSignals(True)
            self.slider.setValue(round((at - self.start).total_seconds() / span * SLIDER_STEPS))
            self.slider.blockSignals(False)
        if self.play_button.isChecked() != playing:
            self.play_button.blockSignals(True)
            self.play_button.setChecked(playing)
            self.play_button.blockSignals(False)
        self.play_button.setText(self.tr("Pause") if playing else self.tr("Play"))

    # --- widget → signals ----------------------------------------------------------------
    def _on_play_toggled(self, on: bool) -> None:
        self.play_button.setText(self.tr("Pause") if on else self.tr("Play"))
        self.sig_play_toggled.emit(on)

    def describe_tick(self, index: int) -> str:
        tick = self.ticks[index]
        kinds = {"received": self.tr("Received"), "dispatch": self.tr("Dispatched"), "arrival": self.tr("Arrived"),
                 "escalation": self.tr("Escalation"), "checkin": self.tr("Patrol check-in")}
        number = self.numbers.get(tick.incident_id, "") if tick.incident_id is not None else ""
        return " ".join(filter(None, (tick.at.astimezone(self.zone).strftime("%H:%M:%S"),
                                      kinds.get(tick.kind, tick.kind), number)))

    def tick_x(self, index: int) -> int:
        """Where tick ``index`` is drawn along the slider (tests click there)."""
        return round(self.slider.x_of(self.slider.marks[index][0]))

    def _on_tick_clicked(self, index: int) -> None:
        tick = self.ticks[index]
        if tick.incident_id is not None:
            self.sig_incident_requested.emit(tick.incident_id)
        else:
            self.sig_seek_requested.emit(tick.at)

    def _on_slider_moved(self, value: int) -> None:
        if self.start is not None:
            self.sig_seek_requested.emit(self.start + (self.end - self.start) * (value / SLIDER_STEPS))

    def _on_jump(self) -> None:
        text = self.jump_edit.text().strip()
        at = self.parse_time(text)
        if at is None:
            self._error(self.tr("Time: not understood (%1)").replace("%1", text[:30]))
            return
        if not (self.start <= at <= self.end):
            self._error(self.tr("Time: outside the replay window"))
            return
        self._error("")
        self.sig_seek_requested.emit(at)

    def _error(self, text: str) -> None:
        self.error_label.setText(text)
        self.error_label.setVisible(bool(text))

    def parse_time(self, text: str) -> datetime | None:
        """A typed time in the configured zone: HH:MM[:SS] (on the window's day, or the next
        one if that falls inside the window) or a full ISO date and time."""
        if self.start is None or not text:
            return None
        try:
            moment = datetime.fromisoformat(text.replace("T", " "))
        except ValueError:
            moment = None
        if moment is not None:
            return moment.replace(tzinfo=self.zone) if moment.tzinfo is None else moment
        try:
            parts = [int(p) for p in text.split(":")]
        except ValueError:
            return None
        if not 2 <= len(parts) <= 3 or not (0 <= parts[0] < 24 and 0 <= parts[1] < 60) or \
                (len(parts) == 3 and not 0 <= parts[2] < 60):
            return None
        local_start = self.start.astimezone(self.zone)
        moment = local_start.replace(hour=parts[0], minute=parts[1], second=parts[2] if len(parts) == 3 else 0,
                                     microsecond=0)
        if moment < self.start and moment + timedelta(days=1) <= self.end:
            moment += timedelta(days=1)  # a window across midnight
        return moment

    def _local(self, at: datetime, seconds: bool = False) -> str:
        return at.astimezone(self.zone).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
