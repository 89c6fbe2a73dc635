"""Coordinate systems: WGS84 storage, Chinese shifted web-map systems, metric zones.

Everything is stored as WGS84 lon/lat. GCJ-02 (AMap, Tencent) and BD-09 (Baidu)
are obfuscated systems PROJ does not implement (PROJ issue #982), so they are
computed here with the well-known public algorithm. All functions take and
return (x, y) = (lon, lat) order.
"""
from __future__ import annotations

import math
import re
import threading
from functools import lru_cache
from typing import Callable, TypeAlias

from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError as _PyprojCRSError

# A normalised CRS string as returned by parse_crs: "EPSG:4326", "EPSG:4490",
# "gcj02", "bd09" or "EPSG:NNNN" for any horizontal CRS pyproj knows.
CrsName: TypeAlias = str
Transform: TypeAlias = Callable[[float, float], tuple[float, float]]

WGS84: CrsName = "EPSG:4326"
CGCS2000: CrsName = "EPSG:4490"
GCJ02: CrsName = "gcj02"
BD09: CrsName = "bd09"

# Bounding box outside of which GCJ-02 applies no shift (part of the algorithm).
CHINA_BBOX = (72.004, 0.8293, 137.8347, 55.8271)

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as used by GCJ-02
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0

# Reverse shifts have no closed form; iterate until the forward image is this
# close (degrees, ~1 cm) to the target. Convergence is geometric with a factor
# of ~1e-3, so the cap is never reached inside China.
_TOL_DEG = 1e-7
_MAX_ITER = 30


class CrsError(ValueError):
    """An unknown or unusable coordinate reference system."""


def in_china(lon: float, lat: float) -> bool:
    """True inside the bounding box where GCJ-02 shifts coordinates."""
    minx, miny, maxx, maxy = CHINA_BBOX
    return minx <= lon <= maxx and miny <= lat <= maxy


# --- GCJ-02 -----------------------------------------------------------------

def _gcj_delta(lon: float, lat: float) -> tuple[float, float]:
    """GCJ-02 offset (dlon, dlat) in degrees at a WGS84 point, no bbox check."""
    x, y = lon - 105.0, lat - 35.0
    sx = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * math.sqrt(abs(x)) + sx
            + (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
            + (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y
            + 0.1 * math.sqrt(abs(x)) + sx
            + (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
            + (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0)
    rad_lat = math.radians(lat)
    magic = 1.0 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    # The polynomial is in metres; convert with the Krasovsky radii of curvature.
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    if not in_china(lon, lat):
        return lon, lat
    dlon, dlat = _gcj_delta(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Inverse of wgs84_to_gcj02 by fixed-point iteration (error ~1 cm)."""
    if not in_china(lon, lat):
        return lon, lat
    # The bbox test is on the input only: the estimate may step just outside
    # the box near its edge, and the unconditional shift keeps the map smooth.
    wlon, wlat = lon, lat
    for _ in range(_MAX_ITER):
        dlon, dlat = _gcj_delta(wlon, wlat)
        err_lon, err_lat = lon - (wlon + dlon), lat - (wlat + dlat)
        if abs(err_lon) < _TOL_DEG and abs(err_lat) < _TOL_DEG:
            break
        wlon, wlat = wlon + err_lon, wlat + err_lat
    return wlon, wlat


# --- BD-09 ------------------------------------------------------------------

def _bd_forward(lon: float, lat: float) -> tuple[float, float]:
    z = math.hypot(lon, lat) + 2e-5 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lon) + 3e-6 * math.cos(lon * _X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    # Like GCJ-02, BD-09 is only meaningful inside China; outside it is identity.
    if not in_china(lon, lat):
        return lon, lat
    return _bd_forward(lon, lat)


def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Inverse of gcj02_to_bd09 (error ~1 cm).

    The usual closed-form "inverse" evaluates the sine terms at the wrong point
    and is off by up to ~0.15 m, a large share of the 0.5 m budget once the
    GCJ-02 reverse is stacked on it, so refine it by fixed-point iteration.
    """
    if not in_china(lon, lat):
        return lon, lat
    x, y = lon - 0.0065, lat - 0.006
    z = math.hypot(x, y) - 2e-5 * math.sin(y * _X_PI)
    theta = math.atan2(y, x) - 3e-6 * math.cos(x * _X_PI)
    glon, glat = z * math.cos(theta), z * math.sin(theta)
    for _ in range(_MAX_ITER):
        blon, blat = _bd_forward(glon, glat)
        err_lon, err_lat = lon - blon, lat - blat
        if abs(err_lon) < _TOL_DEG and abs(err_lat) < _TOL_DEG:
            break
        glon, glat = glon + err_lon, glat + err_lat
    return glon, glat


def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


# --- CRS names ----------------------------------------------------------------

_ALIASES: dict[str, CrsName] = {
    "wgs84": WGS84, "wgs-84": WGS84, "wgs 84": WGS84, "epsg:4326": WGS84,
    # Legacy GeoJSON "crs" members name lon/lat WGS84 this way.
    "crs84": WGS84, "ogc:crs84": WGS84, "urn:ogc:def:crs:ogc:1.3:crs84": WGS84,
    "cgcs2000": CGCS2000, "cgcs-2000": CGCS2000, "epsg:4490": CGCS2000,
    "gcj02": GCJ02, "gcj-02": GCJ02, "gcj_02": GCJ02,
    "bd09": BD09, "bd-09": BD09, "bd_09": BD09,
}
_EPSG_RE = re.compile(r"^(?:epsg:|urn:ogc:def:crs:epsg:[0-9.]*:)(\d{4,6})$")


def _per_thread(fn):
    """lru_cache, one cache per thread: a pyproj Transformer must not be shared between
    threads (it crashes the process), and the desktop reads on background workers what the
    GUI thread or another worker may already have transformed."""
    local = threading.local()

    def cached(*args):
        own = getattr(local, "fn", None)
        if own is None:
            own = local.fn = lru_cache(maxsize=64)(fn)
        return own(*args)

    return cached


@_per_thread
def _pyproj_crs(name: CrsName) -> CRS:
    return CRS.from_user_input(name)


def parse_crs(text: str) -> CrsName:
    """Normalise a CRS string; raise CrsError for anything unsupported."""
    if not isinstance(text, str):
        raise CrsError(f"CRS must be a string, got {type(text).__name__}")
    key = text.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    m = _EPSG_RE.match(key)
    if not m:
        raise CrsError(
            f"unknown CRS {text!r}: expected 'EPSG:NNNN', 'wgs84', 'cgcs2000', 'gcj02' or 'bd09'")
    name = f"EPSG:{int(m.group(1))}"
    if name in (WGS84, CGCS2000):
        return name
    try:
        crs = _pyproj_crs(name)
    except _PyprojCRSError:
        raise CrsError(f"unknown CRS {text!r}: pyproj has no {name}") from None
    # Vertical or geocentric systems cannot describe 2-D map coordinates.
    if not (crs.is_geographic or crs.is_projected):
        raise CrsError(f"CRS {text!r} ({crs.name}) is not a horizontal geographic or projected CRS")
    return name


def _identity(x: float, y: float) -> tuple[float, float]:
    return x, y


@_per_thread
def _to_wgs84(name: CrsName) -> Transform:
    if name in (WGS84, CGCS2000):
        # CGCS2000 differs from WGS84 by centimetres: equal for display.
        return _identity
    if name == GCJ02:
        return gcj02_to_wgs84
    if name == BD09:
        return bd09_to_wgs84
    transformer = Transformer.from_crs(name, WGS84, always_xy=True)
    return transformer.transform


def to_wgs84_transformer(crs: str) -> Transform:
    """Function mapping (x, y) in `crs` to WGS84 (lon, lat)."""
    return _to_wgs84(parse_crs(crs))


_WORLD = (-180.0, -90.0, 180.0, 90.0)
# Margin (degrees) around a projected CRS's area of use: data just across a
# zone edge is still valid in that CRS, data a continent away is not.
_AREA_MARGIN_DEG = 2.0


@lru_cache(maxsize=64)
def _bounds(name: CrsName) -> tuple[float, float, float, float]:
    if name in (GCJ02, BD09):
        # Shifted systems only exist inside China.
        return CHINA_BBOX
    if name in (WGS84, CGCS2000):
        return _WORLD
    crs = _pyproj_crs(name)
    if crs.is_geographic:
        return _WORLD
    area = crs.area_of_use
    if area is None:
        # Nothing to check against: accept everything rather than guess.
        return (-math.inf, -math.inf, math.inf, math.inf)
    to_crs = Transformer.from_crs(WGS84, name, always_xy=True)  # used here only, never kept
    w, s, e, n = area.bounds
    m = _AREA_MARGIN_DEG
    wide = (max(w - m, -180.0), max(s - m, -90.0), min(e + m, 180.0), min(n + m, 90.0))
    for box in (wide, (w, s, e, n)):
        out = to_crs.transform_bounds(*box, densify_pts=21)
        if all(math.isfinite(v) for v in out):
            return tuple(float(v) for v in out)  # type: ignore[return-value]
    return (-math.inf, -math.inf, math.inf, math.inf)


def crs_bounds(crs: str) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of valid coordinates, in the CRS's own units."""
    return _bounds(parse_crs(crs))


# --- Metric zones ---------------------------------------------------------------

_GK_FIRST_ZONE, _GK_LAST_ZONE = 25, 45  # CM 75E .. CM 135E
_GK_FIRST_EPSG = 4534  # CGCS2000 / 3-degree Gauss-Kruger CM 75E


def gauss_kruger_zone_epsg(lon: float) -> int:
    """EPSG code of the CGCS2000 3-degree Gauss-Krüger "CM" zone for `lon`.

    Zone n covers CM 3n ± 1.5°, i.e. n = floor(lon/3 + 0.5). Python's round()
    is banker's rounding and would put 109.5 in zone 36, so it is not used.
    China's extremes clamp to the outermost zones (CM 75E / CM 135E).
    """
    if not (math.isfinite(lon) and CHINA_BBOX[0] <= lon <= CHINA_BBOX[2]):
        raise ValueError(f"longitude {lon!r} is outside China's Gauss-Krüger zones")
    zone = math.floor(lon / 3.0 + 0.5)
    zone = min(max(zone, _GK_FIRST_ZONE), _GK_LAST_ZONE)
    return _GK_FIRST_EPSG + zone - _GK_FIRST_ZONE


@_per_thread
def _metric_pair(epsg: int) -> tuple[Transform, Transform]:
    fwd = Transformer.from_crs(WGS84, f"EPSG:{epsg}", always_xy=True)
    inv = Transformer.from_crs(f"EPSG:{epsg}", WGS84, always_xy=True)
    return fwd.transform, inv.transform


def metric_transformer(lon: float) -> tuple[Transform, Transform]:
    """(forward, inverse): WGS84 lon/lat <-> metres in the zone of `lon`.

    Both accept scalars or numpy arrays.
    """
    return _metric_pair(gauss_kruger_zone_epsg(lon))


# --- Basemaps -----------------------------------------------------------------

_SHIFT = {WGS84: _identity, CGCS2000: _identity, GCJ02: wgs84_to_gcj02, BD09: wgs84_to_bd09}
_UNSHIFT = {WGS84: _identity, CGCS2000: _identity, GCJ02: gcj02_to_wgs84, BD09: bd09_to_wgs84}


def _basemap_key(basemap_crs: str) -> CrsName:
    name = parse_crs(basemap_crs)
    if name not in _SHIFT:
        raise CrsError(f"basemap CRS must be 'wgs84', 'gcj02' or 'bd09', got {basemap_crs!r}")
    return name


def shift_for_basemap(lon: float, lat: float, basemap_crs: str) -> tuple[float, float]:
    """Where a WGS84 overlay point must be drawn on a basemap in `basemap_crs`."""
    return _SHIFT[_basemap_key(basemap_crs)](lon, lat)


def shift_geometry(geometry: dict, basemap_crs: str) -> dict:
    """A WGS84 GeoJSON geometry as it must be drawn on a basemap in `basemap_crs`."""
    if _SHIFT[_basemap_key(basemap_crs)] is _identity:
        return geometry

    def walk(coords):
        if coords and isinstance(coords[0], (int, float)):
            return list(shift_for_basemap(coords[0], coords[1], basemap_crs))
        return [walk(c) for c in coords]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def unshift_from_basemap(lon: float, lat: float, basemap_crs: str) -> tuple[float, float]:
    """WGS84 position of a point clicked on a basemap in `basemap_crs`."""
    return _UNSHIFT[_basemap_key(basemap_crs)](lon, lat)
