"""The static map layers: names, kinds and the feature record every layer shares.

One place defines which layers exist and which categories each may carry, so the
importer, the seed, the page builder and the layers dock cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GRIDS = "grids"
STATIONS = "stations"
POINTS = "points"  # must-visit points (必到点)
LINES = "lines"  # must-patrol lines (必巡线)
TARGETS = "targets"  # key targets (重要目标)
STREETS = "streets"

# The layers a user may import with `gridcommand db import --layer`.
IMPORTABLE_LAYERS = (GRIDS, STATIONS, POINTS, LINES, TARGETS)
ALL_LAYERS = (GRIDS, STREETS, LINES, POINTS, TARGETS, STATIONS)

STATION_KINDS = ("joint_service_station", "swat_post", "police_station", "traffic_post")
TARGET_CATEGORIES = (
    "government",  # 党政中心区
    "business",  # 繁华商圈
    "school",
    "hospital",
    "night_market",
    "complex_order",  # 治安复杂地区
    "crowded_place",  # 人员密集场所
)
ROAD_CLASSES = ("primary", "secondary", "residential")

# Geometry types accepted per layer (GeoJSON type names).
GEOMETRY_TYPES: dict[str, tuple[str, ...]] = {
    GRIDS: ("Polygon", "MultiPolygon"),
    STATIONS: ("Point",),
    POINTS: ("Point",),
    LINES: ("LineString", "MultiLineString"),
    TARGETS: ("Point", "Polygon", "MultiPolygon"),
    STREETS: ("LineString", "MultiLineString"),
}

# Short prefixes for codes generated when an imported feature has none.
CODE_PREFIX = {GRIDS: "G", STATIONS: "ST", POINTS: "P", LINES: "L", TARGETS: "T", STREETS: "S"}


@dataclass(frozen=True, slots=True)
class LayerFeature:
    """One feature of a static layer, in WGS84, ready to draw or list."""

    layer: str
    code: str
    name: str
    geometry: dict[str, Any]  # GeoJSON geometry, WGS84 lon/lat
    bbox: tuple[float, float, float, float]
    kind: str | None = None  # station kind, target category or road class
    grid_code: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)

    @property
    def center(self) -> tuple[float, float]:
        minx, miny, maxx, maxy = self.bbox
        return ((minx + maxx) / 2, (miny + maxy) / 2)

    def to_geojson(self) -> dict[str, Any]:
        props = dict(self.properties)
        props.update(code=self.code, name=self.name, layer=self.layer)
        if self.kind is not None:
            props["kind"] = self.kind
        if self.grid_code is not None:
            props["grid_code"] = self.grid_code
        return {"type": "Feature", "geometry": self.geometry, "properties": props}


def feature_collection(features: list[LayerFeature]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [f.to_geojson() for f in features]}
