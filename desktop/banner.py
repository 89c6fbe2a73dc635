"""A banner across the top of a window: how the wall and the workstation say that the
database is unreachable (since when, and when the next attempt is), in place, without a
dialog that would need a click. A message (``UserMessage``) may show for a while and
goes away by itself; the outage outranks it."""
from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel

from desktop import labels, theme
from desktop.errors import UserMessage

MESSAGE_MS = 15000


class Banner(QLabel):
    """Hidden, an outage (``lost``) or a passing message; subclasses word the outage."""

    def __init__(self, zone: str, object_name: str, parent=None):
        super().__init__(parent)
        self.setObjectName(object_name)
        self.zone = zone
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.kind: str | None = None  # None (hidden) | lost | message
        self._hide_timer = QTimer(self)
        self._hide_timer.setSingleShot(True)
        self._hide_timer.timeout.connect(self._message_expired)
        self.hide()

    def lost_text(self, since: datetime, next_try_s: float | None) -> str:
        raise NotImplementedError

    def show_lost(self, since: datetime, reason: str, next_try_s: float | None) -> None:
        text = self.lost_text(since, next_try_s)
        if reason:
            text += f"\n{reason}"
        self._show("lost", text, "alert")

    def show_message(self, message: UserMessage) -> None:
        if self.kind == "lost":
            return  # the outage is the more important news
        self._show("message", f"{message.title}: {message.text}", "alert" if message.level == "critical" else "warning")
        self._hide_timer.start(MESSAGE_MS)

    def clear_lost(self) -> None:
        if self.kind == "lost":
            self._hide()

    def _message_expired(self) -> None:
        if self.kind == "message":
            self._hide()

    def _show(self, kind: str, text: str, status: str) -> None:
        self.kind = kind
        self.setText(text)
        theme.set_status(self, status)
        self.show()

    def _hide(self) -> None:
        self.kind = None
        self.hide()


class OutageBanner(Banner):
    """The workstation's: writes are refused while it shows, live data is paused."""

    def __init__(self, zone: str, parent=None):
        super().__init__(zone, "outage_banner", parent)

    def lost_text(self, since: datetime, next_try_s: float | None) -> str:
        text = self.tr("Database unreachable since %1 — changes are refused until it is back; "
                       "live data is paused").replace(
            "%1", labels.local_time(since, self.zone, with_date=True))
        if next_try_s is not None:
            text += self.tr("; reconnecting in %1").replace("%1", labels.duration_text(next_try_s))
        return text
