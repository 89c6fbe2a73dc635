"""The wall display's rules, pure: which views the map cycles through, which incident
it shows and flashes, how the layout shifts against burn-in, how long to wait
before the next reconnect, and where a window spanning several screens goes."""
from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from core.incidents import TERMINAL

Bbox = tuple[float, float, float, float]  # min lon, min lat, max lon, max lat (WGS84)

# Severity order of the default level codes (一般 / 较大 / 重大); unknown codes rank lowest.
LEVEL_ORDER = ("general", "major", "serious")
# An incident view shows about this much around the incident: its 5-minute ring by e-bike.
INCIDENT_VIEW_HALF_M = 1500.0


@dataclass(frozen=True)
class WallView:
    kind: str  # city | grid | incident
    key: str  # "" for the city, a grid code, an incident id
    bbox: Bbox


def union_bbox(boxes: Iterable[Bbox]) -> Bbox | None:
    boxes = list(boxes)
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def around(lon: float, lat: float, half_m: float = INCIDENT_VIEW_HALF_M) -> Bbox:
    """A box of ±``half_m`` metres around a point (small-area approximation)."""
    dlat = half_m / 111_320.0
    dlon = half_m / (111_320.0 * max(0.01, math.cos(math.radians(lat))))
    return (lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def severity(level: str) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else -1


def focus_incident(incidents: Iterable[Any]) -> Any | None:
    """The incident the cycle shows: the most severe open one, newest first among equals."""
    open_ = [i for i in incidents if i.state not in TERMINAL]
    if not open_:
        return None
    return max(open_, key=lambda i: (severity(i.level), i.received_at, i.id))


def cycle_views(grids: Sequence[tuple[str, Bbox]], focus: Any | None = None) -> list[WallView]:
    """Whole city, then each grid (in the order given), then the chosen incident."""
    views = []
    city = union_bbox(b for _, b in grids)
    if city is not None:
        views.append(WallView("city", "", city))
    views.extend(WallView("grid", code, bbox) for code, bbox in grids)
    if focus is not None:
        views.append(WallView("incident", str(focus.id), around(focus.lon, focus.lat)))
    return views


def newest_first(incidents: Iterable[Any], limit: int) -> list[Any]:
    """The ticker's rows: newest received first (ties: higher id first)."""
    return sorted(incidents, key=lambda i: (i.received_at, i.id), reverse=True)[:limit]


def to_flash(previous_ids: set[int] | None, incidents: Iterable[Any], levels: Sequence[str]) -> list[Any]:
    """Incidents not seen in the previous read whose level flashes, newest first. On the
    first read (``previous_ids`` None) nothing is new: a wall switched on does not flash history."""
    if previous_ids is None:
        return []
    new = [i for i in incidents if i.id not in previous_ids and i.level in levels and i.state not in TERMINAL]
    return newest_first(new, len(new))


def burn_in_offset(step: int, amplitude_px: int) -> tuple[int, int]:
    """Where the layout sits at burn-in step ``step``: walks a (2a+1)×(2a+1) square of
    pixel offsets, visiting each once per round, so no edge stays on the same pixels."""
    a = max(0, int(amplitude_px))
    if a == 0:
        return (0, 0)
    side = 2 * a + 1
    # A stride coprime to side² spreads consecutive steps across the square.
    cells = side * side
    stride = next(s for s in range(side + 1, cells + side + 2) if math.gcd(s, cells) == 1)
    cell = (step * stride) % cells
    return (cell % side - a, cell // side - a)


def backoff_s(attempt: int, base_s: float = 1.0, cap_s: float = 30.0) -> float:
    """Seconds before reconnect attempt ``attempt`` (1, 2, 3, …): doubling from ``base_s`` up to ``cap_s``."""
    return min(cap_s, base_s * (2 ** max(0, attempt - 1)))


Rect = tuple[int, int, int, int]  # x, y, width, height in virtual-desktop pixels


def span_rect(screens: Sequence[Rect]) -> Rect:
    """The rectangle covering every screen of a video wall (their bounding box)."""
    if not screens:
        raise ValueError("no screens")
    x0 = min(r[0] for r in screens)
    y0 = min(r[1] for r in screens)
    x1 = max(r[0] + r[2] for r in screens)
    y1 = max(r[1] + r[3] for r in screens)
    return (x0, y0, x1 - x0, y1 - y0)
