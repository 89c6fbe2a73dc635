"""Geodesic distances on WGS84 and bounding boxes of GeoJSON coordinates."""
from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from pyproj import Geod

# One shared instance: building a Geod is far more costly than a query.
_GEOD = Geod(ellps="WGS84")


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance in metres between two WGS84 points."""
    _, _, dist = _GEOD.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def distances_m(lon: float, lat: float, lons: ArrayLike, lats: ArrayLike) -> np.ndarray:
    """Geodesic distances in metres from one point to many (same shape as `lons`)."""
    lons_a = np.asarray(lons, dtype=float)
    lats_a = np.asarray(lats, dtype=float)
    if lons_a.shape != lats_a.shape:
        raise ValueError(f"lons and lats differ in shape: {lons_a.shape} != {lats_a.shape}")
    if lons_a.size == 0:
        return np.zeros(lons_a.shape)
    # Geod.inv wants contiguous 1-D float buffers; it fills the outputs in C.
    flat_lons = np.ascontiguousarray(lons_a.ravel())
    flat_lats = np.ascontiguousarray(lats_a.ravel())
    _, _, dist = _GEOD.inv(
        np.full(flat_lons.shape, float(lon)), np.full(flat_lats.shape, float(lat)),
        flat_lons, flat_lats)
    return np.asarray(dist, dtype=float).reshape(lons_a.shape)


def bbox_of(coords: Sequence[Any]) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of GeoJSON coordinates at any nesting depth.

    Accepts a position ([x, y] or [x, y, z]) or nested lists of positions, as
    found in the "coordinates" member of any GeoJSON geometry.
    """
    minx = miny = float("inf")
    maxx = maxy = float("-inf")
    stack: list[Any] = [coords]
    while stack:
        item = stack.pop()
        if len(item) and isinstance(item[0], numbers.Real):
            x, y = float(item[0]), float(item[1])
            minx, maxx = min(minx, x), max(maxx, x)
            miny, maxy = min(miny, y), max(maxy, y)
        else:
            stack.extend(item)
    if minx > maxx:
        raise ValueError("no positions in coordinates")
    return minx, miny, maxx, maxy
