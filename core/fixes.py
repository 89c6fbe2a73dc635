"""A position fix from a field device, as every feed parser returns it.

Parsers in ``feeds`` turn wire formats (OsmAnd HTTP, CoT XML, ...) into ``Fix``;
storage and rules only ever see this type.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class Fix:
    device_id: str
    lat: float
    lon: float
    # UTC, timezone-aware. None means "the report carried no time": the
    # receiver stamps it with the server clock.
    fix_time: datetime | None
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None
    altitude_m: float | None = None
    battery_pct: float | None = None
    stale_at: datetime | None = None
    protocol: str = "osmand"
    attributes: dict[str, Any] = field(default_factory=dict)


class ReportError(ValueError):
    """A report that cannot be accepted; the message is one line for the sender."""
