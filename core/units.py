"""Units as the live views see them: who they are and where their newest fix put them."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

AGENCIES = ("police", "city", "joint")
# A unit's status follows its incident; "available" units are on patrol and can be sent.
STATUSES = ("available", "dispatched", "en_route", "on_scene", "off_duty")
TIERS = (1, 2, 3)


@dataclass(frozen=True, slots=True)
class LastFix:
    time: datetime
    lon: float
    lat: float
    accuracy_m: float | None = None
    speed_mps: float | None = None
    heading_deg: float | None = None
    battery_pct: float | None = None
    device_id: str = ""

    def age_s(self, now: datetime) -> float:
        return (now - self.time).total_seconds()


@dataclass(frozen=True, slots=True)
class UnitInfo:
    unit_id: int
    callsign: str
    name: str
    agency: str
    force: str
    tier: int
    travel_mode: str
    status: str
    grid_code: str | None
    members: list[dict[str, Any]] = field(default_factory=list)
    kit: list[dict[str, Any]] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    last_fix: LastFix | None = None

    def with_fix(self, fix: LastFix) -> "UnitInfo":
        # Spelled out: dataclasses.replace costs twice as much, and the live path calls
        # this for every moved unit (5,000 per batch in a big city).
        return UnitInfo(self.unit_id, self.callsign, self.name, self.agency, self.force, self.tier, self.travel_mode,
                        self.status, self.grid_code, self.members, self.kit, self.devices, fix)

    def is_stale(self, now: datetime, stale_after_s: float) -> bool:
        """No fix at all, or the newest one is too old to trust for dispatch."""
        return self.last_fix is None or self.last_fix.age_s(now) > stale_after_s
