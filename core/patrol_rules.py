"""Patrol duty rules: must-visit point and must-patrol line rules, time windows,
shifts (班次) and roster entries; their validation and their local-time arithmetic.

Validation raises :class:`RuleError` naming the field, one line, before anything is
written. Windows and shifts are local clock times (the configured zone, default
Asia/Shanghai); detection and reports work in UTC instants.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Sequence
from zoneinfo import ZoneInfo

from shapely import LineString, STRtree, unary_union

from core.crs import metric_transformer

MAX_RADIUS_M = 1000.0
MAX_BUFFER_M = 1000.0
DEFAULT_ZONE = "Asia/Shanghai"


class RuleError(ValueError):
    """A rule that cannot be stored; ``field`` names the offending input."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A daily window in local clock minutes (end may be 1440 = 24:00) and the visits expected in it."""

    start_min: int
    end_min: int
    visits: int = 1

    @property
    def label(self) -> str:
        return f"{_hhmm(self.start_min)}-{_hhmm(self.end_min)}"

    def to_json(self) -> dict[str, Any]:
        return {"start": _hhmm(self.start_min), "end": _hhmm(self.end_min), "visits": self.visits}


@dataclass(frozen=True, slots=True)
class ShiftRule:
    code: str
    name: str
    start_min: int
    end_min: int  # at or before start_min: the shift ends the next day

    @property
    def crosses_midnight(self) -> bool:
        return self.end_min <= self.start_min


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_clock(field: str, text: Any, allow_24: bool = False) -> int:
    """"HH:MM" -> minutes after local midnight."""
    try:
        hh, mm = str(text).strip().split(":")
        h, m = int(hh), int(mm)
    except (ValueError, AttributeError):
        raise RuleError(field, f"expected a clock time HH:MM, got {text!r}") from None
    if not (0 <= m < 60 and (0 <= h < 24 or (allow_24 and h == 24 and m == 0))):
        raise RuleError(field, f"{text!r} is not a time of day")
    return h * 60 + m


def parse_window(value: Any, field: str = "time_windows") -> TimeWindow:
    """``"19:00-23:00"``, ``"19:00-23:00*2"`` or ``{"start", "end", "visits"}``."""
    visits: Any = 1
    if isinstance(value, dict):
        start, end, visits = value.get("start"), value.get("end"), value.get("visits", 1)
    elif isinstance(value, str):
        text, _, count = value.partition("*")
        start, _, end = text.partition("-")
        if count:
            visits = count.strip()
    else:
        raise RuleError(field, f"expected 'HH:MM-HH:MM' or {{start, end, visits}}, got {value!r}")
    start_min = parse_clock(field, start)
    end_min = parse_clock(field, end, allow_24=True)
    if end_min <= start_min:
        raise RuleError(field, f"window {_hhmm(start_min)}-{_hhmm(end_min)} ends before it starts")
    try:
        visits_n = int(visits)
    except (TypeError, ValueError):
        raise RuleError(field, f"visits must be a whole number, got {visits!r}") from None
    if isinstance(visits, bool) or visits_n < 1 or str(visits_n) != str(visits).strip():
        raise RuleError(field, f"visits must be a whole number ≥ 1, got {visits!r}")
    return TimeWindow(start_min, end_min, visits_n)


def parse_windows(values: Iterable[Any] | None, field: str = "time_windows") -> list[TimeWindow]:
    return [parse_window(v, f"{field}[{i}]") for i, v in enumerate(values or [])]


def _number(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise RuleError(field, f"expected a number, got {value!r}")
    return float(value)


def check_radius(value: Any, field: str = "radius_m") -> float:
    radius = _number(field, value)
    if not 0 < radius <= MAX_RADIUS_M:
        raise RuleError(field, f"must be more than 0 and at most {MAX_RADIUS_M:g} m, got {value!r}")
    return radius


def check_dwell(value: Any, field: str = "dwell_s") -> float:
    dwell = _number(field, value)
    if dwell < 0:
        raise RuleError(field, f"must be 0 or more seconds, got {value!r}")
    return dwell


def check_buffer(value: Any, field: str = "corridor_m") -> float:
    buffer = _number(field, value)
    if not 0 < buffer <= MAX_BUFFER_M:
        raise RuleError(field, f"must be more than 0 and at most {MAX_BUFFER_M:g} m, got {value!r}")
    return buffer


def check_count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise RuleError(field, f"expected a whole number ≥ 0, got {value!r}")
    return value


def check_line(coordinates: Sequence[Sequence[float]] | Sequence[Sequence[Sequence[float]]],
               field: str = "coordinates") -> None:
    """A must-patrol line needs ≥ 2 distinct vertices per part and may not run over itself
    (measured in the local metric zone)."""
    parts = coordinates if coordinates and coordinates[0] and isinstance(coordinates[0][0], (list, tuple)) else [coordinates]
    lines = []
    for i, part in enumerate(parts):
        label = field if len(parts) == 1 else f"{field}[{i}]"
        try:
            pts = [(float(p[0]), float(p[1])) for p in part]
        except (TypeError, ValueError, IndexError):
            raise RuleError(label, "malformed coordinates") from None
        if len(set(pts)) < 2:
            raise RuleError(label, f"a line needs at least 2 distinct vertices, got {len(set(pts))}")
        fwd, _ = metric_transformer(pts[0][0])
        xs, ys = fwd([p[0] for p in pts], [p[1] for p in pts])
        lines.extend(LineString([(xs[k], ys[k]), (xs[k + 1], ys[k + 1])]) for k in range(len(pts) - 1)
                     if (xs[k], ys[k]) != (xs[k + 1], ys[k + 1]))
    if _overlaps_itself(lines):
        raise RuleError(field, "the line runs over itself (a stretch is drawn twice)")


# A stretch longer than this lying within _OVERLAP_TOLERANCE_M of another part of the line
# is drawn twice. Adjacent segments meet at a vertex and share ~1/tan(angle) m: only
# hairpins sharper than ~11 degrees reach 5 m.
_OVERLAP_TOLERANCE_M = 1.0
_OVERLAP_MIN_M = 5.0


def _overlaps_itself(segments: list) -> bool:
    """Crossing itself is allowed (a loop around a block); retracing a stretch is not:
    it would count twice toward coverage. Segments in metres."""
    tree = STRtree(segments)
    for i, seg in enumerate(segments):
        near = [j for j in tree.query(seg, predicate="dwithin", distance=_OVERLAP_TOLERANCE_M) if j != i]
        if not near:
            continue
        others = unary_union([segments[j].buffer(_OVERLAP_TOLERANCE_M) for j in near])
        if seg.intersection(others).length > _OVERLAP_MIN_M:
            return True
    return False


def check_shift(code: str, name: str, start: str, end: str) -> ShiftRule:
    if not code or not code.strip() or len(code) > 64:
        raise RuleError("code", f"expected 1-64 characters, got {code!r}")
    start_min = parse_clock("start", start)
    end_min = parse_clock("end", end, allow_24=True) % 1440
    if start_min == end_min:
        raise RuleError("end", "a shift cannot start and end at the same time")
    return ShiftRule(code.strip(), (name or code).strip(), start_min, end_min)


def check_roster(callsign: str, known_units: Iterable[str], shift_code: str, known_shifts: Iterable[str],
                 first_day: date, last_day: date) -> None:
    if callsign not in set(known_units):
        raise RuleError("unit", f"no unit with callsign {callsign!r}")
    if shift_code not in set(known_shifts):
        raise RuleError("shift", f"no shift {shift_code!r} in force")
    if last_day < first_day:
        raise RuleError("to", f"the last day {last_day} is before the first day {first_day}")


# --- local time -> UTC instants ----------------------------------------------------------

def _local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    return (datetime.combine(day, time(), zone) + timedelta(minutes=minutes)).astimezone(timezone.utc)


def local_days(start: datetime, end: datetime, zone_name: str = DEFAULT_ZONE) -> list[date]:
    """Local dates touching [start, end), with the day before (a shift may run past midnight)."""
    zone = ZoneInfo(zone_name)
    first = start.astimezone(zone).date() - timedelta(days=1)
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def shift_instance(shift: ShiftRule, day: date, zone_name: str = DEFAULT_ZONE) -> tuple[datetime, datetime]:
    """The UTC interval of ``shift`` starting on local ``day``."""
    zone = ZoneInfo(zone_name)
    end_day = day + timedelta(days=1) if shift.crosses_midnight else day
    return _local(day, shift.start_min, zone), _local(end_day, shift.end_min, zone)


def window_instance(window: TimeWindow, day: date, zone_name: str = DEFAULT_ZONE) -> tuple[datetime, datetime]:
    zone = ZoneInfo(zone_name)
    return _local(day, window.start_min, zone), _local(day, window.end_min, zone)

