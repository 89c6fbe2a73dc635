"""Patrol figures from detected events: slots due at must-visit points, missed windows,
line coverage, and the per-grid, per-shift status the 巡防 dock and the map overlay show.

Definitions (README "Patrol duty"):
* a point's **slots**: each time window on each local day (the window's visits), or,
  for a point without windows, each shift in force (``visits_per_shift``), or with no
  shifts either, each local day;
* a slot is **met** when at least that many distinct check-ins overlap it (arrived
  before the slot ends and left after it starts); **missed** when it has ended unmet;
  **due** while it is open or still ahead and unmet;
* a line's **coverage**: the union of the stretches its passes covered, over the line's
  length, in percent; a **full pass** covers at least ``line_pass_min_pct`` of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Sequence

from core.patrol_rules import DEFAULT_ZONE, ShiftRule, TimeWindow, local_days, shift_instance, window_instance

VISITED, DUE, MISSED = "visited", "due", "missed"

# The overlay's colours, in one place: points by state, lines by coverage band (lowest first).
COLORS = {
    VISITED: "#2e9e44",
    DUE: "#f0a020",
    MISSED: "#d7301f",
    "line_bands": ((0.0, "#d7301f"), (50.0, "#f0a020"), (90.0, "#2e9e44")),
}


@dataclass(frozen=True, slots=True)
class PointDuty:
    code: str
    name: str
    grid_code: str | None
    lon: float
    lat: float
    radius_m: float
    windows: tuple[TimeWindow, ...] = ()
    visits_per_shift: int = 1


@dataclass(frozen=True, slots=True)
class LineDuty:
    code: str
    name: str
    grid_code: str | None
    coordinates: list
    length_m: float
    passes_per_shift: int = 1


@dataclass(frozen=True, slots=True)
class Visit:
    """A check-in as the figures need it."""

    point_code: str
    callsign: str
    device_id: str
    arrived: datetime
    left: datetime


@dataclass(frozen=True, slots=True)
class Pass:
    line_code: str
    callsign: str
    start: datetime
    end: datetime
    span_from_m: float
    span_to_m: float


@dataclass(frozen=True, slots=True)
class Slot:
    start: datetime
    end: datetime
    visits: int


def point_slots(point: PointDuty, shifts: Sequence[ShiftRule], start: datetime, end: datetime,
                zone: str = DEFAULT_ZONE) -> list[Slot]:
    """The slots of ``point`` that overlap [start, end)."""
    out = []
    for day in local_days(start, end, zone):
        if point.windows:
            spans = [(*window_instance(w, day, zone), w.visits) for w in point.windows]
        elif shifts:
            spans = [(*shift_instance(s, day, zone), point.visits_per_shift) for s in shifts]
        else:
            spans = [(*window_instance(TimeWindow(0, 1440), day, zone), point.visits_per_shift)]
        out.extend(Slot(a, b, n) for a, b, n in spans if a < end and b > start and n > 0)
    return sorted(out, key=lambda s: s.start)


def visits_in(slot: Slot, visits: Iterable[Visit]) -> list[Visit]:
    return [v for v in visits if v.arrived < slot.end and v.left >= slot.start]


def slot_state(slot: Slot, visits: Iterable[Visit], now: datetime) -> str:
    if len(visits_in(slot, visits)) >= slot.visits:
        return VISITED
    return MISSED if slot.end <= now else DUE


def missed_slots(points: Sequence[PointDuty], visits: Sequence[Visit], shifts: Sequence[ShiftRule],
                 start: datetime, end: datetime, now: datetime, zone: str = DEFAULT_ZONE
                 ) -> list[tuple[str, Slot]]:
    """(point code, slot) for slots lying within [start, end) that ended unmet by ``now``."""
    by_point: dict[str, list[Visit]] = {}
    for v in visits:
        by_point.setdefault(v.point_code, []).append(v)
    out = []
    for p in points:
        for slot in point_slots(p, shifts, start, end, zone):
            if slot.start >= start and slot.end <= end and slot_state(slot, by_point.get(p.code, ()), now) == MISSED:
                out.append((p.code, slot))
    return sorted(out, key=lambda item: (item[1].start, item[0]))


def covered_m(spans: Iterable[tuple[float, float]]) -> float:
    """Length of the union of [from, to] stretches along a line."""
    total, reach = 0.0, float("-inf")
    for a, b in sorted(spans):
        if b <= reach:
            continue
        total += b - max(a, reach)
        reach = b
    return total


def coverage_pct(length_m: float, spans: Iterable[tuple[float, float]]) -> float:
    if length_m <= 0:
        return 0.0
    return round(min(100.0, 100.0 * covered_m(spans) / length_m), 1)


def full_passes(line: LineDuty, passes: Iterable[Pass], min_pct: float) -> int:
    return sum(1 for p in passes if line.length_m > 0 and
               100.0 * (p.span_to_m - p.span_from_m) / line.length_m >= min_pct)


# --- what the dock and the overlay show ------------------------------------------------

@dataclass(frozen=True, slots=True)
class PointStatus:
    code: str
    name: str
    lon: float
    lat: float
    radius_m: float
    state: str  # visited | due | missed (the worst slot of the shift so far)
    slots: tuple[tuple[datetime, datetime, int, int, str], ...]  # (start, end, needed, done, state)
    visits: tuple[Visit, ...] = ()


@dataclass(frozen=True, slots=True)
class LineStatus:
    code: str
    name: str
    coordinates: list
    covered_pct: float
    passes_done: int
    passes_due: int


@dataclass(frozen=True, slots=True)
class JointStatus:
    police_callsign: str
    city_callsign: str
    start: datetime
    end: datetime

    @property
    def minutes(self) -> float:
        return round((self.end - self.start).total_seconds() / 60.0, 1)


@dataclass(frozen=True, slots=True)
class UnseenUnit:
    callsign: str
    last_seen: datetime | None  # None: no fix in the grid this shift


@dataclass(frozen=True, slots=True)
class PatrolStatus:
    grid_code: str
    shift_code: str
    shift_name: str
    shift_start: datetime
    shift_end: datetime
    now: datetime
    points: tuple[PointStatus, ...] = ()
    lines: tuple[LineStatus, ...] = ()
    joint_patrols: tuple[JointStatus, ...] = ()
    unseen: tuple[UnseenUnit, ...] = ()


_STATE_ORDER = {MISSED: 0, DUE: 1, VISITED: 2}


def point_status(point: PointDuty, shift: ShiftRule, shift_start: datetime, shift_end: datetime,
                 visits: Sequence[Visit], now: datetime, zone: str = DEFAULT_ZONE) -> PointStatus:
    mine = [v for v in visits if v.point_code == point.code]
    slots = []
    for slot in point_slots(point, [shift], shift_start, shift_end, zone):
        done = len(visits_in(slot, mine))
        slots.append((slot.start, slot.end, slot.visits, done, slot_state(slot, mine, now)))
    state = min((s[4] for s in slots), key=_STATE_ORDER.__getitem__, default=VISITED)
    return PointStatus(point.code, point.name, point.lon, point.lat, point.radius_m, state, tuple(slots),
                       tuple(sorted(mine, key=lambda v: v.arrived)))


def line_status(line: LineDuty, passes: Sequence[Pass], min_pct: float) -> LineStatus:
    mine = [p for p in passes if p.line_code == line.code]
    return LineStatus(line.code, line.name, line.coordinates,
                      coverage_pct(line.length_m, [(p.span_from_m, p.span_to_m) for p in mine]),
                      full_passes(line, mine, min_pct), line.passes_per_shift)


def line_color(covered_pct: float) -> str:
    color = COLORS["line_bands"][0][1]
    for floor, band in COLORS["line_bands"]:
        if covered_pct >= floor:
            color = band
    return color


def patrol_map_features(status: PatrolStatus) -> list[dict]:
    """GeoJSON Features for the overlay: points coloured by state, lines by coverage."""
    out = []
    for p in status.points:
        done = sum(s[3] for s in p.slots)
        needed = sum(s[2] for s in p.slots)
        color = COLORS[p.state]
        out.append({
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
            "properties": {"id": f"point:{p.code}", "tooltip": f"{p.name} {done}/{needed}", "state": p.state,
                           "style": {"color": color, "fillColor": color, "weight": 2, "radius": 8}},
        })
    for line in status.lines:
        color = line_color(line.covered_pct)
        gtype = "MultiLineString" if line.coordinates and isinstance(line.coordinates[0][0], (list, tuple)) \
            else "LineString"
        out.append({
            "type": "Feature", "geometry": {"type": gtype, "coordinates": line.coordinates},
            "properties": {"id": f"line:{line.code}", "tooltip": f"{line.name} {line.covered_pct:g}%",
                           "state": "covered" if line.covered_pct >= 90 else "partial",
                           "style": {"color": color, "fillColor": color, "weight": 5, "radius": 0}},
        })
    return out

