"""What a dispatcher asks for, as typed values: the docks emit these, the incident
controller turns them into operations. Keeping them plain dataclasses lets a dock be
tested without the database and an operation be tested without a dock."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IncidentDraft:
    """A call taken in the intake dock, location in WGS84."""

    lon: float
    lat: float
    category: str
    level: str | None = None
    source: str | None = None
    caller: str | None = None
    caller_phone: str | None = None
    address: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class TransitionRequest:
    incident_id: int
    target: str  # a state code name, e.g. "on_scene"
    version: int  # the version the dispatcher saw (optimistic locking)


@dataclass(frozen=True)
class SupportRequest:
    incident_id: int
    note: str


@dataclass(frozen=True)
class EscalationOrder:
    incident_id: int
    to_tier: int
    reason: str
    rule: str | None
    version: int


@dataclass(frozen=True)
class TypedCoordinates:
    """Coordinates as the dispatcher typed them, and the system they were read in."""

    text: str
    crs: str = "wgs84"  # wgs84 | gcj02 (a phone map)


class CoordinateInputError(ValueError):
    """``kind`` is one of FORMAT, RANGE, OUTSIDE_CHINA; the UI words it."""

    FORMAT, RANGE, OUTSIDE_CHINA = "format", "range", "outside_china"

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def parse_coordinates(typed: TypedCoordinates) -> tuple[float, float]:
    """Typed "lon, lat" (full-width comma and spaces accepted; "lat, lon" copied from a
    phone is recognised) → WGS84 lon, lat. GCJ-02 input is converted."""
    text = typed.text.replace("，", ",").replace(" ", ",")
    parts = [p for p in text.split(",") if p]
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except (ValueError, IndexError):
        raise CoordinateInputError(CoordinateInputError.FORMAT) from None
    if abs(lat) > 90 and abs(lon) <= 90:
        lon, lat = lat, lon
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CoordinateInputError(CoordinateInputError.RANGE)
    if typed.crs == "gcj02":
        from core.crs import gcj02_to_wgs84, in_china

        if not in_china(lon, lat):
            raise CoordinateInputError(CoordinateInputError.OUTSIDE_CHINA)
        lon, lat = gcj02_to_wgs84(lon, lat)
    return lon, lat
