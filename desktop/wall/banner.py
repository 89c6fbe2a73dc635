"""The wall's one way to say something: a banner across the top, never a dialog.

Red while the database is unreachable (since when, and when the next attempt is);
a message (``UserMessage``) shows for a while and goes away by itself."""
from __future__ import annotations

from datetime import datetime

from desktop import labels
from desktop.banner import MESSAGE_MS, Banner

__all__ = ["MESSAGE_MS", "WallBanner"]


class WallBanner(Banner):
    def __init__(self, zone: str, parent=None):
        super().__init__(zone, "wall_banner", parent)

    def lost_text(self, since: datetime, next_try_s: float | None) -> str:
        text = self.tr("Database unreachable since %1 — showing the last data read").replace(
            "%1", labels.local_time(since, self.zone, with_date=True))
        if next_try_s is not None:
            text += self.tr("; reconnecting in %1").replace("%1", labels.duration_text(next_try_s))
        return text
