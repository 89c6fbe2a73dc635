"""Validation and reprojection of features a user imports.

A file is accepted whole or not at all: the first invalid feature stops the import
with its index and the reason, before anything touches the database.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable

from shapely.geometry import shape
from shapely.validation import explain_validity

from core import layers as L
from core.crs import crs_bounds, parse_crs, to_wgs84_transformer
from core.geodesy import bbox_of
from core.patrol_rules import RuleError, check_buffer, check_dwell, check_line, check_radius, parse_windows


class FeatureError(ValueError):
    """An invalid feature; ``index`` is its 0-based position in the file."""

    def __init__(self, index: int, reason: str):
        super().__init__(f"feature {index}: {reason}")
        self.index = index
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ImportedFeature:
    index: int
    geometry: dict[str, Any]  # WGS84
    properties: dict[str, Any]
    bbox: tuple[float, float, float, float]


_REQUIRED: dict[str, tuple[str, ...]] = {
    L.GRIDS: ("name",),
    L.STATIONS: ("name", "kind"),
    L.POINTS: ("name",),
    L.LINES: ("name",),
    L.TARGETS: ("name", "category"),
}
_CHOICES: dict[str, dict[str, tuple[str, ...]]] = {
    L.STATIONS: {"kind": L.STATION_KINDS},
    L.TARGETS: {"category": L.TARGET_CATEGORIES},
}
# Numeric properties that must be positive numbers when present.
_POSITIVE: dict[str, tuple[str, ...]] = {
    L.POINTS: ("radius_m", "visits_per_shift"),
    L.LINES: ("corridor_m", "passes_per_shift"),
}


def _map_coords(coords: Any, fn: Callable[[float, float], tuple[float, float]]) -> Any:
    if coords and isinstance(coords[0], (int, float)):
        x, y = fn(float(coords[0]), float(coords[1]))
        return [round(x, 7), round(y, 7)]
    return [_map_coords(c, fn) for c in coords]


def _iter_positions(coords: Any) -> Iterable[tuple[float, float]]:
    if coords and isinstance(coords[0], (int, float)):
        yield float(coords[0]), float(coords[1])
        return
    for c in coords:
        yield from _iter_positions(c)


def _check_properties(layer: str, index: int, props: dict[str, Any]) -> None:
    for key in _REQUIRED[layer]:
        value = props.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise FeatureError(index, f"missing required property '{key}'")
    for key, allowed in _CHOICES.get(layer, {}).items():
        if props[key] not in allowed:
            raise FeatureError(index, f"property '{key}' is {props[key]!r}; expected one of {', '.join(allowed)}")
    for key in _POSITIVE.get(layer, ()):
        if key in props and props[key] is not None:
            value = props[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
                raise FeatureError(index, f"property '{key}' must be a positive number, got {value!r}")


def _check_duty_rules(layer: str, index: int, props: dict[str, Any], geometry: dict[str, Any]) -> None:
    """Must-visit points and must-patrol lines obey the same duty rules as an edit (core.patrol_rules)."""
    try:
        if layer in (L.POINTS, L.LINES):
            parse_windows(props.get("time_windows"))
        if layer == L.POINTS:
            if props.get("radius_m") is not None:
                check_radius(props["radius_m"])
            if props.get("dwell_s") is not None:
                check_dwell(props["dwell_s"])
        elif layer == L.LINES:
            if props.get("corridor_m") is not None:
                check_buffer(props["corridor_m"])
            check_line(geometry["coordinates"])
    except RuleError as exc:
        raise FeatureError(index, str(exc)) from None


def _check_geometry(layer: str, index: int, geometry: Any, bounds: tuple[float, float, float, float]) -> None:
    if not isinstance(geometry, dict) or "type" not in geometry:
        raise FeatureError(index, "no geometry")
    gtype = geometry.get("type")
    if gtype not in L.GEOMETRY_TYPES[layer]:
        raise FeatureError(index, f"geometry type {gtype} not allowed for layer {layer} (expected {'/'.join(L.GEOMETRY_TYPES[layer])})")
    coords = geometry.get("coordinates")
    if not isinstance(coords, (list, tuple)) or not coords:
        raise FeatureError(index, "empty or missing coordinates")
    minx, miny, maxx, maxy = bounds
    try:
        positions = list(_iter_positions(coords))
    except (TypeError, ValueError, IndexError):
        raise FeatureError(index, "malformed coordinates") from None
    for x, y in positions:
        if not (math.isfinite(x) and math.isfinite(y)):
            raise FeatureError(index, "coordinate is not a finite number")
        if not (minx <= x <= maxx and miny <= y <= maxy):
            raise FeatureError(index, f"coordinate ({x}, {y}) is outside the bounds of the declared CRS")
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed rings
        raise FeatureError(index, f"malformed geometry: {exc}") from None
    if geom.is_empty:
        raise FeatureError(index, "empty geometry")
    if not geom.is_valid:
        raise FeatureError(index, f"invalid geometry: {explain_validity(geom)}")


def validate_features(layer: str, features: list[dict[str, Any]], crs: str = "EPSG:4326") -> list[ImportedFeature]:
    """Check every feature and return them reprojected to WGS84; raise on the first bad one."""
    if layer not in L.IMPORTABLE_LAYERS:
        raise ValueError(f"unknown layer {layer!r}; expected one of {', '.join(L.IMPORTABLE_LAYERS)}")
    crs = parse_crs(crs)
    bounds = crs_bounds(crs)
    to_wgs84 = to_wgs84_transformer(crs)
    out: list[ImportedFeature] = []
    for index, feature in enumerate(features):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise FeatureError(index, "not a GeoJSON Feature")
        props = feature.get("properties") or {}
        if not isinstance(props, dict):
            raise FeatureError(index, "properties is not an object")
        _check_properties(layer, index, props)
        _check_geometry(layer, index, feature.get("geometry"), bounds)
        geometry = {"type": feature["geometry"]["type"], "coordinates": _map_coords(feature["geometry"]["coordinates"], to_wgs84)}
        for lon, lat in _iter_positions(geometry["coordinates"]):
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise FeatureError(index, f"reprojected coordinate ({lon}, {lat}) is not a valid longitude/latitude")
        if not shape(geometry).is_valid:
            raise FeatureError(index, "geometry becomes invalid after reprojection to WGS84")
        _check_duty_rules(layer, index, props, geometry)
        out.append(ImportedFeature(index, geometry, dict(props), bbox_of(geometry["coordinates"])))
    return out


def feature_code(layer: str, feature: ImportedFeature) -> str:
    """The feature's own ``code``, or a stable one derived from name and geometry,
    so importing the same file twice updates instead of duplicating."""
    code = feature.properties.get("code")
    if code is not None and str(code).strip():
        return str(code).strip()
    digest = hashlib.sha1(
        json.dumps([feature.properties.get("name"), feature.geometry], sort_keys=True, ensure_ascii=False).encode()
    ).hexdigest()[:8]
    return f"{L.CODE_PREFIX[layer]}-{digest}"
