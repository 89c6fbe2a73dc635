"""Which patrol grid contains a point, via a shapely STRtree."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

import numpy as np
import shapely
from numpy.typing import ArrayLike
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.errors import ShapelyError
from shapely.geometry.base import BaseGeometry

GridId: TypeAlias = Any  # str or int; ids in one index must be mutually orderable


def _polygonal(grid_id: GridId, geom: BaseGeometry) -> BaseGeometry:
    if not isinstance(geom, (Polygon, MultiPolygon)):
        raise TypeError(f"grid {grid_id!r}: expected Polygon or MultiPolygon, got {geom.geom_type}")
    if geom.is_valid:
        return geom
    # Surveyed grid boundaries are often slightly invalid (self-touching rings);
    # covered_by on invalid input is unreliable, so repair and keep the areas.
    fixed = shapely.make_valid(geom)
    parts = [g for g in shapely.get_parts(fixed) if isinstance(g, (Polygon, MultiPolygon))]
    if not parts:
        raise ValueError(f"grid {grid_id!r}: geometry has no area")
    return shapely.union_all(parts)


class GridIndex:
    """Point-in-grid lookup.

    Geometries are stored sorted by grid id, so the lowest tree index among the
    hits is the lowest id: a point on a shared boundary always resolves to the
    same grid, and every covered point belongs to exactly one grid.
    """

    def __init__(self, grids: Iterable[tuple[GridId, BaseGeometry]]):
        items = sorted(grids, key=lambda item: item[0])
        ids = [grid_id for grid_id, _ in items]
        if len(set(ids)) != len(ids):
            raise ValueError("duplicate grid ids")
        self._ids: list[GridId] = ids
        self._geoms = [_polygonal(grid_id, geom) for grid_id, geom in items]
        self._tree = shapely.STRtree(self._geoms)

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[GridId]:
        return list(self._ids)

    def grid_of(self, lon: float, lat: float) -> GridId | None:
        """Id of the grid covering (lon, lat), boundary included, else None."""
        hits = self._tree.query(shapely.Point(lon, lat), predicate="covered_by")
        return self._ids[int(hits.min())] if len(hits) else None

    def grids_of(self, lons: ArrayLike, lats: ArrayLike) -> list[GridId | None]:
        """grid_of for many points at once, in input order."""
        lons_a = np.asarray(lons, dtype=float).ravel()
        lats_a = np.asarray(lats, dtype=float).ravel()
        if lons_a.shape != lats_a.shape:
            raise ValueError("lons and lats differ in length")
        n = len(lons_a)
        if n == 0:
            return []
        points = shapely.points(lons_a, lats_a)
        point_idx, tree_idx = self._tree.query(points, predicate="covered_by")
        best = np.full(n, len(self._ids), dtype=np.intp)  # sentinel: no grid
        np.minimum.at(best, point_idx, tree_idx)
        return [self._ids[i] if i < len(self._ids) else None for i in best.tolist()]


def geometry_from_geojson(obj: Mapping[str, Any]) -> BaseGeometry:
    """Shapely geometry from a GeoJSON geometry (or Feature) mapping."""
    if isinstance(obj, Mapping) and obj.get("type") == "Feature":
        obj = obj.get("geometry")
    if not isinstance(obj, Mapping) or not isinstance(obj.get("type"), str):
        raise ValueError("invalid GeoJSON geometry: expected a mapping with a 'type'")
    try:
        return shape(obj)
    except (ShapelyError, KeyError, TypeError, IndexError) as exc:
        raise ValueError(f"invalid GeoJSON geometry: {exc}") from exc


def _listify(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_listify(v) for v in value]
    return value


def geojson_from_geometry(geom: BaseGeometry) -> dict[str, Any]:
    """GeoJSON geometry mapping with lists (not tuples), ready for json.dumps."""
    return _listify_mapping(mapping(geom))


def _listify_mapping(obj: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "geometries":
            out[key] = [_listify_mapping(g) for g in value]
        else:
            out[key] = _listify(value)
    return out
