"""The places patrol detection tests fixes against, projected once into the local
Gauss-Krüger zone and indexed with shapely 2 STRtrees.

Every version of a point or line is indexed with its validity period, so one index
answers for any fix time: a fix counts for the version in force at that moment."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import shapely
from shapely import STRtree

from core.crs import metric_transformer


@dataclass(frozen=True, slots=True)
class PointRule:
    code: str
    lon: float
    lat: float
    radius_m: float
    dwell_s: float
    valid_from: float  # epoch seconds
    valid_to: float = math.inf


@dataclass(frozen=True, slots=True)
class LineRule:
    code: str
    coordinates: Any  # GeoJSON LineString or MultiLineString coordinates, WGS84
    buffer_m: float
    valid_from: float
    valid_to: float = math.inf


def _flat_parts(coords: Any) -> list[list[tuple[float, float]]]:
    if coords and isinstance(coords[0][0], (list, tuple)):
        return [[(float(p[0]), float(p[1])) for p in part] for part in coords]
    return [[(float(p[0]), float(p[1])) for p in coords]]


# Side of the cells of the prefilter grid. A fix whose cell touches no place's zone
# (radius, corridor or station radius) skips shapely altogether: most fixes do.
CELL_M = 50.0


class PlaceIndex:
    """Points, lines and stations in metres, with STRtrees over each, behind a cell grid
    that tells in numpy which fixes may be near a point, a line or a station."""

    def __init__(self, points: Sequence[PointRule], lines: Sequence[LineRule],
                 stations: Sequence[tuple[float, float]], station_radius_m: float,
                 origin_lon: float | None = None):
        lons = [p.lon for p in points] + [s[0] for s in stations]
        lons += [part[0][0] for line in lines for part in _flat_parts(line.coordinates)]
        self.origin_lon = origin_lon if origin_lon is not None else (float(np.median(lons)) if lons else 112.08)
        self.forward, self.inverse = metric_transformer(self.origin_lon)
        self.points = list(points)
        self.lines = list(lines)
        self.station_radius_m = station_radius_m
        # Points
        if self.points:
            px, py = self.forward(np.array([p.lon for p in points]), np.array([p.lat for p in points]))
        else:
            px = py = np.zeros(0)
        self.point_xy = np.column_stack([px, py]) if len(points) else np.zeros((0, 2))
        self.point_radius = np.array([p.radius_m for p in points], dtype=float)
        self.point_dwell = np.array([p.dwell_s for p in points], dtype=float)
        self.point_from = np.array([p.valid_from for p in points], dtype=float)
        self.point_to = np.array([p.valid_to for p in points], dtype=float)
        self.point_codes = [p.code for p in points]
        self.point_tree = STRtree(shapely.points(self.point_xy)) if points else None
        # Lines
        geoms = []
        for line in lines:
            parts = []
            for part in _flat_parts(line.coordinates):
                xs, ys = self.forward(np.array([p[0] for p in part]), np.array([p[1] for p in part]))
                parts.append(shapely.linestrings(np.column_stack([xs, ys])))
            geoms.append(parts[0] if len(parts) == 1 else shapely.multilinestrings(parts))
        self.line_geoms = np.array(geoms, dtype=object)
        self.line_length = shapely.length(self.line_geoms) if geoms else np.zeros(0)
        self.line_buffer = np.array([line.buffer_m for line in lines], dtype=float)
        self.line_from = np.array([line.valid_from for line in lines], dtype=float)
        self.line_to = np.array([line.valid_to for line in lines], dtype=float)
        self.line_codes = [line.code for line in lines]
        self.line_tree = STRtree(self.line_geoms) if geoms else None
        # Stations
        if stations:
            sx, sy = self.forward(np.array([s[0] for s in stations]), np.array([s[1] for s in stations]))
            self.station_geoms = shapely.points(np.column_stack([sx, sy]))
            self.station_tree = STRtree(self.station_geoms)
        else:
            self.station_geoms = np.zeros(0, dtype=object)
            self.station_tree = None
        self._build_cells()

    def _build_cells(self) -> None:
        zones = [shapely.buffer(shapely.points(self.point_xy), self.point_radius) if len(self.point_xy) else None,
                 shapely.buffer(self.line_geoms, self.line_buffer) if len(self.line_geoms) else None,
                 shapely.buffer(self.station_geoms, self.station_radius_m) if len(self.station_geoms) else None]
        zones = [shapely.union_all(z) if z is not None else None for z in zones]
        present = [z for z in zones if z is not None]
        self.cells = None
        if not present:
            return
        x0, y0, x1, y1 = shapely.union_all(present).bounds
        self.cell_origin = (x0 - CELL_M, y0 - CELL_M)
        nx, ny = int((x1 - x0) // CELL_M) + 3, int((y1 - y0) // CELL_M) + 3
        gx, gy = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
        bx, by = self.cell_origin[0] + gx.ravel() * CELL_M, self.cell_origin[1] + gy.ravel() * CELL_M
        boxes = shapely.box(bx, by, bx + CELL_M, by + CELL_M)
        # One bit per kind: 1 points, 2 lines, 4 stations.
        cells = np.zeros(nx * ny, dtype=np.uint8)
        for bit, zone in zip((1, 2, 4), zones):
            if zone is not None:
                cells[shapely.intersects(boxes, zone)] |= bit
        self.cells = cells.reshape(nx, ny)

    def near(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Per fix, the bits of the kinds of place its cell touches (1 points, 2 lines, 4 stations)."""
        out = np.zeros(len(x), dtype=np.uint8)
        if self.cells is None or not len(x):
            return out
        ix = np.floor((x - self.cell_origin[0]) / CELL_M).astype(np.int64)
        iy = np.floor((y - self.cell_origin[1]) / CELL_M).astype(np.int64)
        inside = (ix >= 0) & (iy >= 0) & (ix < self.cells.shape[0]) & (iy < self.cells.shape[1])
        out[inside] = self.cells[ix[inside], iy[inside]]
        return out

    def project(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x, y = self.forward(lon, lat)
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)

    def at_station(self, geoms: np.ndarray) -> np.ndarray:
        """True where a fix lies within the station radius of any station."""
        mask = np.zeros(len(geoms), dtype=bool)
        if self.station_tree is not None and len(geoms):
            hits = self.station_tree.query(geoms, predicate="dwithin", distance=self.station_radius_m)[0]
            mask[hits] = True
        return mask

    def point_hits(self, geoms: np.ndarray, x: np.ndarray, y: np.ndarray, t: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
        """(fix index, point version index) for fixes inside a point's radius while it is in force."""
        if self.point_tree is None or not len(geoms):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        i, j = self.point_tree.query(geoms, predicate="dwithin", distance=float(self.point_radius.max()))
        d = np.hypot(x[i] - self.point_xy[j, 0], y[i] - self.point_xy[j, 1])
        keep = (d <= self.point_radius[j]) & (self.point_from[j] <= t[i]) & (t[i] < self.point_to[j])
        return i[keep], j[keep]

    def line_hits(self, geoms: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(fix index, line version index, metres along the line) for fixes in a line's corridor."""
        if self.line_tree is None or not len(geoms):
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, np.zeros(0)
        i, j = self.line_tree.query(geoms, predicate="dwithin", distance=float(self.line_buffer.max()))
        keep = (self.line_from[j] <= t[i]) & (t[i] < self.line_to[j])
        i, j = i[keep], j[keep]
        d = shapely.distance(geoms[i], self.line_geoms[j])
        keep = d <= self.line_buffer[j]
        i, j = i[keep], j[keep]
        s = shapely.line_locate_point(self.line_geoms[j], geoms[i])
        return i, j, np.asarray(s, dtype=float)


def line_length_m(coordinates: Any) -> float:
    """Length in metres of GeoJSON line coordinates, measured in the local metric zone."""
    parts = _flat_parts(coordinates)
    forward, _ = metric_transformer(parts[0][0][0])
    total = 0.0
    for part in parts:
        xs, ys = forward(np.array([p[0] for p in part]), np.array([p[1] for p in part]))
        total += float(np.hypot(np.diff(xs), np.diff(ys)).sum())
    return total
