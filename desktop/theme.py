"""Colours and Qt style sheets, from one palette file that the map page reads too.

``resources/styles/colors.json`` holds every colour: its ``map`` part goes into the
page's config (so Python and JavaScript can never disagree), its ``ui`` part fills
the ``$names`` in ``light.qss`` (workstations) and ``dark.qss`` (the command-hall
wall). Docks ask for a colour by role (``theme.ui_color("alert")``); none spells a hex."""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from core.settings import THEMES
_current = "light"


@lru_cache(maxsize=1)
def palette() -> dict:
    return json.loads(resources.files("resources").joinpath("styles", "colors.json").read_text(encoding="utf-8"))


def palette_text() -> str:
    """The file's text, for fingerprints of pages that embed the map colours."""
    return resources.files("resources").joinpath("styles", "colors.json").read_text(encoding="utf-8")


def map_colors() -> dict:
    return palette()["map"]


def current() -> str:
    return _current


def ui_colors(theme: str | None = None) -> dict:
    return palette()["ui"][theme or _current]


def ui_color(role: str, key: str | None = None, theme: str | None = None) -> str:
    """A UI colour by role (``alert``, ``muted``…), or one of a keyed group (``ring_fill``, ``1``)."""
    value = ui_colors(theme)[role]
    return value[key] if key is not None else value


def stylesheet(theme: str) -> str:
    if theme not in THEMES:
        raise ValueError(f"unknown theme {theme!r}; choose one of {', '.join(THEMES)}")
    text = resources.files("resources").joinpath("styles", f"{theme}.qss").read_text(encoding="utf-8")
    colors = {k: v for k, v in ui_colors(theme).items() if isinstance(v, str)}
    # Longest names first, so $alert_text is not read as $alert followed by "_text".
    for name in sorted(colors, key=len, reverse=True):
        text = text.replace(f"${name}", colors[name])
    leftover = re.search(r"\$[a-z_]+", text)
    if leftover:
        raise ValueError(f"{theme}.qss names a colour colors.json lacks: {leftover.group(0)}")
    return text


def apply(app, theme: str = "light") -> None:
    """Style the whole application (the wall uses ``dark``)."""
    global _current
    app.setStyleSheet(stylesheet(theme))
    _current = theme


def set_role(widget, role: str) -> None:
    """Mark a widget for the style sheet (``QLabel[role="error"]`` …) and restyle it."""
    _set_property(widget, "role", role)


def set_status(widget, status: str) -> None:
    _set_property(widget, "status", status)


def _set_property(widget, name: str, value: str) -> None:
    if widget.property(name) == value:
        return
    widget.setProperty(name, value)
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
