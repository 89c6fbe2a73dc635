"""Editing must-visit points and must-patrol lines by hand (the map and the rules form):
the form's values checked with the duty rules of core.patrol_rules, one line naming the
field, and codes for places drawn on the map."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Iterable

from core import layers as L
from core.patrol_rules import (RuleError, check_buffer, check_count, check_dwell, check_line, check_radius,
                               parse_windows)

# Windows in the form: "19:00-23:00*2, 07:00-09:00" (commas, semicolons, full-width ones, or spaces).
_WINDOW_SEPARATORS = re.compile(r"[,;，；、\s]+")


@dataclass(frozen=True, slots=True)
class PlaceRules:
    """What the rules form holds for one point or line, checked."""

    layer: str
    code: str
    name: str
    windows: tuple[str, ...]
    radius_m: float | None = None  # points
    dwell_s: float | None = None  # points
    visits_per_shift: int | None = None  # points
    buffer_m: float | None = None  # lines
    passes_per_shift: int | None = None  # lines


def split_windows(text: str) -> list[str]:
    return [part for part in _WINDOW_SEPARATORS.split(text or "") if part]


def check_rules(layer: str, code: str, name: str, windows_text: str, radius_m: Any = None, dwell_s: Any = None,
                visits_per_shift: Any = None, buffer_m: Any = None, passes_per_shift: Any = None) -> PlaceRules:
    """The form's values as rules, or RuleError naming the first bad field."""
    if layer not in (L.POINTS, L.LINES):
        raise RuleError("layer", f"expected points or lines, got {layer!r}")
    if not code or not str(code).strip():
        raise RuleError("code", "choose a point or a line first")
    if not name or not str(name).strip():
        raise RuleError("name", "a place needs a name")
    windows = split_windows(windows_text)
    canonical = tuple(w.label + (f"*{w.visits}" if w.visits != 1 else "") for w in parse_windows(windows))
    if layer == L.POINTS:
        return PlaceRules(layer, str(code).strip(), str(name).strip(), canonical, radius_m=check_radius(radius_m),
                          dwell_s=check_dwell(dwell_s), visits_per_shift=check_count(visits_per_shift, "visits_per_shift"))
    return PlaceRules(layer, str(code).strip(), str(name).strip(), canonical, buffer_m=check_buffer(buffer_m, "buffer_m"),
                      passes_per_shift=check_count(passes_per_shift, "passes_per_shift"))


def check_drawn(layer: str, geometry: dict) -> list:
    """The coordinates of a shape drawn or moved on the map, as the layer needs them."""
    gtype = geometry.get("type") if isinstance(geometry, dict) else None
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if layer == L.POINTS:
        if gtype != "Point":
            raise RuleError("coordinates", f"a must-visit point is a Point, got {gtype!r}")
        try:
            return [float(coords[0]), float(coords[1])]
        except (TypeError, ValueError, IndexError):
            raise RuleError("coordinates", f"expected lon,lat, got {coords!r}") from None
    if layer == L.LINES:
        if gtype != "LineString":
            raise RuleError("coordinates", f"a must-patrol line is a LineString, got {gtype!r}")
        if not isinstance(coords, (list, tuple)):
            raise RuleError("coordinates", f"expected a list of lon,lat, got {coords!r}")
        check_line(coords)
        return [[float(c[0]), float(c[1])] for c in coords]
    raise RuleError("layer", f"expected points or lines, got {layer!r}")


def next_place_code(layer: str, codes_ever_used: Iterable[str]) -> str:
    """A code for a place drawn on the map (P-E001, L-E001…); never one used before, retired
    ones included, so a new place does not continue an old place's history."""
    used = set(codes_ever_used)
    prefix = f"{L.CODE_PREFIX[layer]}-E"
    n = 1
    while f"{prefix}{n:03d}" in used:
        n += 1
    return f"{prefix}{n:03d}"
