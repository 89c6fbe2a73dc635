"""What a position fix must satisfy before it may move a unit on the map.

Pure rules, shared by every feed parser and by storage:

* numbers in physical ranges (a battery of 1e308 % or a speed of 5e307 m/s is a
  broken or hostile sender, not a measurement);
* a time after ``EARLIEST_FIX_TIME`` (epoch 0 and 1970 are unset clocks) and not
  more than the configured tolerance ahead of the server clock;
* a speed from the unit's last accepted fix that the unit's travel mode can reach
  (``implausible_jump``): otherwise the fix is kept in history, flagged, and does not
  become the unit's live position.
"""
from __future__ import annotations

import math
from datetime import datetime, timezone

from core.fixes import ReportError

__all__ = ["EARLIEST_FIX_TIME", "FLAG_IMPLAUSIBLE_SPEED", "RANGES", "check_range", "check_not_too_old",
           "distance_approx_m", "implausible_jump"]

# Fixes before this are from a device whose clock was never set.
EARLIEST_FIX_TIME = datetime(2000, 1, 1, tzinfo=timezone.utc)
# Kept in the history row's attributes of a fix that did not move its unit for this reason.
FLAG_IMPLAUSIBLE_SPEED = "implausible_speed"

# field -> (lowest, highest) accepted, in the Fix's units.
RANGES = {
    "battery": (0.0, 100.0),  # percent
    "speed": (0.0, 350.0),  # m/s: 1,260 km/h, beyond any police vehicle or helicopter
    "accuracy": (0.0, 10_000_000.0),  # m: CoT clients send up to 9,999,998 for "barely known"
    "altitude": (-1_000.0, 20_000.0),  # m
}
_EARTH_RADIUS_M = 6_371_008.8
# GPS noise on top of the accuracies the devices report: multipath between tall buildings
# moves a fix 100-200 m in a second while the device still claims 5 m. The rule is for
# teleports (kilometres), never for this.
_JUMP_SLACK_M = 200.0


def check_range(name: str, value: float | None, field: str | None = None) -> float | None:
    """``value`` if it is within ``RANGES[name]`` (or None); else ReportError naming ``field``."""
    if value is None:
        return None
    low, high = RANGES[name]
    if not low <= value <= high:
        raise ReportError(f"{field or name} out of range: {value:g} (allowed {low:g} to {high:g})")
    return value


def check_not_too_old(moment: datetime | None, field: str = "timestamp") -> datetime | None:
    if moment is not None and moment < EARLIEST_FIX_TIME:
        raise ReportError(f"{field} {moment.isoformat()} is before {EARLIEST_FIX_TIME.year} (device clock not set?)")
    return moment


def distance_approx_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance: within 0.5 % of the geodesic over city distances, and cheap
    enough for every fix (the exact one is core.geodesy.distance_m)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return _EARTH_RADIUS_M * math.hypot(x, y)


def implausible_jump(last: tuple[datetime, float, float, float | None],
                     new: tuple[datetime, float, float, float | None], max_speed_mps: float) -> bool:
    """Would moving from ``last`` to ``new`` (each (time, lon, lat, accuracy_m)) need more
    than ``max_speed_mps``? Both accuracies and some GPS slack are allowed for, and at
    least one second of travel, so jitter between close fixes never counts."""
    seconds = max(1.0, abs((new[0] - last[0]).total_seconds()))
    reach = max_speed_mps * seconds + (last[3] or 0.0) + (new[3] or 0.0) + _JUMP_SLACK_M
    return distance_approx_m(last[1], last[2], new[1], new[2]) > reach
