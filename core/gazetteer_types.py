"""A named place for incident intake (kept apart from the search, which needs shapely)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    name: str
    layer: str
    code: str
    lon: float
    lat: float
