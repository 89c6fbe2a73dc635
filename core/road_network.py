"""The street graph: nodes at street vertices, edges between consecutive vertices.

Shared by the simulator (units move along streets) and dispatch (road travel
times for the 1-3-5 minute rings). Pure: built from ``LayerFeature`` streets.

- Vertices are merged by rounding to ``precision`` decimal degrees (1e-7 deg is
  about 1 cm), so streets that share a vertex at a crossing are connected;
  streets that merely cross without a shared vertex are not (a bridge).
- Edge lengths are geodesic metres on WGS84.
- A street with ``properties.oneway`` true can be driven only from its first
  vertex towards its last. Every query takes ``oneway``: drivers respect it,
  people on foot do not.
"""
from __future__ import annotations

import heapq
import math
import random
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import TypeAlias

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from core.layers import LayerFeature

NodeId: TypeAlias = int
Coord: TypeAlias = tuple[float, float]  # (lon, lat)

# Module-level: building a Geod costs far more than a query.
_GEOD = Geod(ellps="WGS84")


def _parts(geometry: Mapping) -> list[Sequence[Sequence[float]]]:
    kind = geometry.get("type")
    if kind == "LineString":
        return [geometry["coordinates"]]
    if kind == "MultiLineString":
        return list(geometry["coordinates"])
    raise ValueError(f"streets must be LineString or MultiLineString, not {kind!r}")


class RoadNetwork:
    """A street graph with one-way edges, nearest-node lookup and shortest paths."""

    def __init__(self, precision: int = 7):
        self.precision = precision
        self._index: dict[Coord, NodeId] = {}
        self._coords: list[Coord] = []
        # node -> {neighbour: metres}. ``_drive`` respects one-way streets,
        # ``_walk`` ignores them; ``_drive_rev`` answers "how far from here TO x".
        self._drive: list[dict[NodeId, float]] = []
        self._drive_rev: list[dict[NodeId, float]] = []
        self._walk: list[dict[NodeId, float]] = []
        self._edge_class: dict[tuple[NodeId, NodeId], str | None] = {}
        self._xy: np.ndarray | None = None
        self._lon_scale = 1.0
        self._tree: shapely.STRtree | None = None

    # ------------------------------------------------------------ building

    @classmethod
    def from_features(cls, streets: Iterable[LayerFeature], precision: int = 7) -> "RoadNetwork":
        net = cls(precision)
        pending: list[tuple[NodeId, NodeId, bool, str | None]] = []
        for feature in streets:
            oneway = bool(feature.properties.get("oneway", False))
            for part in _parts(feature.geometry):
                nodes = [net._node(float(c[0]), float(c[1])) for c in part]
                for a, b in zip(nodes, nodes[1:]):
                    if a != b:
                        pending.append((a, b, oneway, feature.kind))
        net._add_edges(pending)
        return net

    def _node(self, lon: float, lat: float) -> NodeId:
        key = (round(lon, self.precision), round(lat, self.precision))
        node = self._index.get(key)
        if node is None:
            node = len(self._coords)
            self._index[key] = node
            self._coords.append(key)
            for adjacency in (self._drive, self._drive_rev, self._walk):
                adjacency.append({})
        return node

    def _add_edges(self, edges: list[tuple[NodeId, NodeId, bool, str | None]]) -> None:
        if not edges:
            return
        a = np.array([e[0] for e in edges])
        b = np.array([e[1] for e in edges])
        coords = np.array(self._coords)
        # One vectorised geodesic call for every edge.
        _, _, lengths = _GEOD.inv(coords[a, 0], coords[a, 1], coords[b, 0], coords[b, 1])
        for (u, v, oneway, road_class), length in zip(edges, lengths.tolist()):
            # Two streets may share a segment: keep the shorter (they are equal).
            self._link(self._walk, u, v, length)
            self._link(self._walk, v, u, length)
            self._link(self._drive, u, v, length)
            self._link(self._drive_rev, v, u, length)
            if not oneway:
                self._link(self._drive, v, u, length)
                self._link(self._drive_rev, u, v, length)
            self._edge_class.setdefault((min(u, v), max(u, v)), road_class)

    @staticmethod
    def _link(adjacency: list[dict[NodeId, float]], u: NodeId, v: NodeId, length: float) -> None:
        current = adjacency[u].get(v)
        if current is None or length < current:
            adjacency[u][v] = length

    # ------------------------------------------------------------ nodes and edges

    def __len__(self) -> int:
        return len(self._coords)

    @property
    def edge_count(self) -> int:
        """Distinct street segments (a two-way segment counts once)."""
        return len(self._edge_class)

    def node_coord(self, node: NodeId) -> Coord:
        return self._coords[node]

    def node_at(self, lon: float, lat: float) -> NodeId | None:
        """The node exactly at (lon, lat) after rounding, else None."""
        return self._index.get((round(lon, self.precision), round(lat, self.precision)))

    def neighbors(self, node: NodeId, *, oneway: bool = True) -> Mapping[NodeId, float]:
        """Nodes reachable in one edge from ``node`` -> edge length in metres."""
        return (self._drive if oneway else self._walk)[node]

    def edge_length(self, a: NodeId, b: NodeId, *, oneway: bool = False) -> float:
        """Length of the edge a -> b; KeyError if there is none (in that direction)."""
        return (self._drive if oneway else self._walk)[a][b]

    def edge_class(self, a: NodeId, b: NodeId) -> str | None:
        """The road class of the street the edge belongs to (primary, secondary, ...)."""
        return self._edge_class[(min(a, b), max(a, b))]

    def _spatial(self) -> tuple[np.ndarray, shapely.STRtree]:
        if self._tree is None:
            if not self._coords:
                raise ValueError("the road network is empty")
            xy = np.array(self._coords, dtype=float)
            # Shrink longitude by cos(lat) so planar nearest-neighbour is metric
            # enough at city scale (the error is second order across a city).
            self._lon_scale = math.cos(math.radians(float(xy[:, 1].mean())))
            xy[:, 0] *= self._lon_scale
            self._xy = xy
            self._tree = shapely.STRtree(shapely.points(xy))
        return self._xy, self._tree

    def nearest_node(self, lon: float, lat: float) -> NodeId:
        """The node closest to (lon, lat)."""
        return int(self.nearest_nodes([lon], [lat])[0])

    def nearest_nodes(self, lons: Sequence[float], lats: Sequence[float]) -> np.ndarray:
        """The closest node for each point, vectorised."""
        _, tree = self._spatial()
        query = shapely.points(np.asarray(lons, dtype=float) * self._lon_scale, np.asarray(lats, dtype=float))
        return np.asarray(tree.nearest(query), dtype=int)

    def nodes_within(self, area: BaseGeometry) -> list[NodeId]:
        """Nodes inside a (lon/lat) polygon, boundary included."""
        coords = np.array(self._coords, dtype=float).reshape(-1, 2)
        inside = shapely.intersects_xy(area, coords[:, 0], coords[:, 1])
        return np.flatnonzero(inside).tolist()

    # ------------------------------------------------------------ routing

    def _dijkstra(self, source: NodeId, adjacency: list[dict[NodeId, float]], target: NodeId | None,
                  max_m: float) -> tuple[dict[NodeId, float], dict[NodeId, NodeId]]:
        dist: dict[NodeId, float] = {source: 0.0}
        prev: dict[NodeId, NodeId] = {}
        done: set[NodeId] = set()
        heap = [(0.0, source)]
        while heap:
            d, node = heapq.heappop(heap)
            if node in done:
                continue
            done.add(node)
            if node == target:
                break
            for nxt, length in adjacency[node].items():
                nd = d + length
                if nd <= max_m and nd < dist.get(nxt, math.inf):
                    dist[nxt] = nd
                    prev[nxt] = node
                    heapq.heappush(heap, (nd, nxt))
        # Only settled nodes carry final distances.
        return {n: dist[n] for n in done}, prev

    def shortest_path(self, a: NodeId, b: NodeId, *, oneway: bool = True) -> tuple[float, list[NodeId]]:
        """(metres, [a, ..., b]) along the streets; ``(inf, [])`` if b cannot be reached."""
        dist, prev = self._dijkstra(a, self._drive if oneway else self._walk, b, math.inf)
        if b not in dist:
            return math.inf, []
        path = [b]
        while path[-1] != a:
            path.append(prev[path[-1]])
        path.reverse()
        return dist[b], path

    def distances_from(self, source: NodeId, *, max_m: float = math.inf, oneway: bool = True,
                       reverse: bool = False) -> dict[NodeId, float]:
        """Street distance from ``source`` to every node within ``max_m``.

        With ``reverse``, the distance from every node *to* ``source`` (what a
        unit must drive to reach an incident at ``source``)."""
        if reverse and oneway:
            adjacency = self._drive_rev
        else:
            adjacency = self._drive if oneway else self._walk
        return self._dijkstra(source, adjacency, None, max_m)[0]

    def path_coords(self, nodes: Sequence[NodeId]) -> list[Coord]:
        return [self._coords[n] for n in nodes]

    def path_length(self, nodes: Sequence[NodeId], *, oneway: bool = False) -> float:
        """Sum of the edge lengths along ``nodes``; KeyError if two are not adjacent."""
        adjacency = self._drive if oneway else self._walk
        return float(sum(adjacency[u][v] for u, v in zip(nodes, nodes[1:])))

    def random_walk(self, start: NodeId, length_m: float, rng: random.Random, *, oneway: bool = True,
                    allowed: Collection[NodeId] | None = None, previous: NodeId | None = None) -> list[NodeId]:
        """A wander of at least ``length_m`` from ``start`` (shorter at a dead end).

        It turns back only at dead ends, and stays on ``allowed`` nodes while it
        can (a patrol wandering its own grid). ``previous`` is the node the walker
        came from, so it does not start by turning round."""
        adjacency = self._drive if oneway else self._walk
        path = [start]
        walked = 0.0
        came_from = previous
        while walked < length_m:
            here = path[-1]
            options = sorted(adjacency[here])
            if allowed is not None:
                options = [n for n in options if n in allowed] or options
            forward = [n for n in options if n != came_from]
            choices = forward or options
            if not choices:
                break
            nxt = rng.choice(choices)
            walked += adjacency[here][nxt]
            came_from = here
            path.append(nxt)
        return path
