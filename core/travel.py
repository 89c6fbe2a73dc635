"""Travel times for dispatch: speeds per travel mode, turn-out, detour, and road ETAs.

Two estimates (DOMAIN.md, the 1-3-5 minute rule):

- straight: geodesic distance x detour factor / speed + turn-out; always labelled
  an estimate;
- road: the shortest street distance / speed + turn-out, where a point off the
  network is snapped to its nearest street *segment* (not node: demo segments run
  up to ~570 m, and snapping to a node would cost up to a minute at e-bike speed).

``RoadIndex`` holds the per-network arrays the road estimate needs (segments, a
spatial tree, reverse adjacency) and runs one multi-source reverse Dijkstra per
incident and direction variant: "drive" respects one-way streets (cars and
e-bikes), "walk" ignores them. Everything is vectorised over units.
"""
from __future__ import annotations

import heapq
import math
import threading
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import shapely

from core.crs import metric_transformer
from core.road_network import NodeId, RoadNetwork
from core.settings import DispatchSettings

MODES = ("foot", "ebike", "car")
MODE_LABELS = {"foot": "on foot", "ebike": "e-bike", "car": "car"}
# Which street graph a mode routes on: people on foot ignore one-way signs.
VARIANT_OF_MODE = {"foot": "walk", "ebike": "drive", "car": "drive"}

# A category's "needs" (code table ``category.extra.needs``) -> agencies able to serve it.
CAPABILITY: dict[str, frozenset[str]] = {
    "police": frozenset({"police", "joint"}),
    "city": frozenset({"city", "joint"}),
    "joint": frozenset({"joint"}),
    "any": frozenset({"police", "city", "joint"}),
}

# WGS84, for the local planar approximation used to snap points to segments.
_A = 6378137.0
_E2 = 0.00669437999014


def capable_agencies(needs: str) -> frozenset[str]:
    try:
        return CAPABILITY[needs]
    except KeyError:
        raise ValueError(f"unknown capability {needs!r}; expected one of {sorted(CAPABILITY)}") from None


def can_serve(agency: str, needs: str) -> bool:
    """Whether a unit of ``agency`` (police, city, joint) may answer a category that needs ``needs``."""
    return agency in capable_agencies(needs)


@dataclass(frozen=True)
class TravelModel:
    """Speeds in m/s per travel mode, turn-out seconds and the straight-line detour factor."""

    speeds_mps: tuple[tuple[str, float], ...] = (("foot", 5 / 3.6), ("ebike", 20 / 3.6), ("car", 30 / 3.6))
    turnout_s: float = 30.0
    detour_factor: float = 1.3

    @classmethod
    def from_settings(cls, s: DispatchSettings) -> "TravelModel":
        return cls(speeds_mps=(("foot", s.speed_foot_kmh / 3.6), ("ebike", s.speed_ebike_kmh / 3.6),
                               ("car", s.speed_car_kmh / 3.6)),
                   turnout_s=float(s.turnout_s), detour_factor=float(s.detour_factor))

    def speed(self, mode: str) -> float:
        """m/s; an unknown mode travels at foot speed (the cautious guess)."""
        speeds = dict(self.speeds_mps)
        return speeds.get(mode, speeds["foot"])

    def straight_eta_s(self, distance_m, mode: str):
        """Seconds from the order to arrival over a straight-line distance (scalar or array)."""
        return distance_m * self.detour_factor / self.speed(mode) + self.turnout_s

    def road_eta_s(self, route_m, mode: str):
        """Seconds from the order to arrival over ``route_m`` metres of street."""
        return route_m / self.speed(mode) + self.turnout_s

    def reach_m(self, seconds: float, mode: str, *, straight: bool = False) -> float:
        """How far a unit gets within ``seconds`` of the order (turn-out included), 0 if not at all."""
        metres = max(0.0, seconds - self.turnout_s) * self.speed(mode)
        return metres / self.detour_factor if straight else metres


class Snap(NamedTuple):
    """Points snapped to street segments (arrays, one entry per point)."""

    edge: np.ndarray  # segment index in RoadIndex
    t: np.ndarray  # 0..1 along the segment from its node a to node b
    perp_m: np.ndarray  # metres from the point to the street


class Search(NamedTuple):
    """A reverse search: metres from every node to the incident, and the next node towards it."""

    dist: np.ndarray  # inf where not reached within the cutoff
    nxt: np.ndarray  # -1 at the nodes next to the incident
    incident: Snap
    variant: str
    max_m: float


class RoadIndex:
    """Per-network arrays for road ETAs; build with :func:`road_index` (cached per network)."""

    def __init__(self, network: RoadNetwork):
        self.network = network
        n = len(network)
        xy = np.array([network.node_coord(i) for i in range(n)], dtype=float).reshape(-1, 2)
        self.lonlat = xy
        lat0 = float(xy[:, 1].mean()) if n else 0.0
        self._lon0, self._lat0 = (float(xy[:, 0].mean()), lat0) if n else (0.0, 0.0)
        sin2 = math.sin(math.radians(lat0)) ** 2
        # Metres per degree from the meridian and prime-vertical radii at the centre.
        self._ky = math.radians(1) * _A * (1 - _E2) / (1 - _E2 * sin2) ** 1.5
        self._kx = math.radians(1) * _A / math.sqrt(1 - _E2 * sin2) * math.cos(math.radians(lat0))
        self.xy = self.to_local(xy[:, 0], xy[:, 1])

        ea, eb, length, fwd, bwd = [], [], [], [], []
        walk: list[list[tuple[NodeId, float]]] = [[] for _ in range(n)]
        drive_rev: list[list[tuple[NodeId, float]]] = [[] for _ in range(n)]
        for u in range(n):
            drive_u = network.neighbors(u, oneway=True)
            for v, metres in network.neighbors(u, oneway=False).items():
                walk[u].append((v, metres))
                if v in drive_u:
                    drive_rev[v].append((u, drive_u[v]))
                if u < v:
                    ea.append(u)
                    eb.append(v)
                    length.append(metres)
                    fwd.append(v in drive_u)
                    bwd.append(u in network.neighbors(v, oneway=True))
        self.ea = np.array(ea, dtype=np.intp)
        self.eb = np.array(eb, dtype=np.intp)
        self.length = np.array(length, dtype=float)
        # Per variant: may a unit travel the segment a->b / b->a?
        self.forward = {"drive": np.array(fwd, dtype=bool), "walk": np.ones(len(ea), dtype=bool)}
        self.backward = {"drive": np.array(bwd, dtype=bool), "walk": np.ones(len(ea), dtype=bool)}
        # Reverse adjacency: node -> [(node that can step onto it, metres)].
        self._reverse = {"walk": walk, "drive": drive_rev}
        self._tree = shapely.STRtree(shapely.linestrings(
            np.stack([self.xy[self.ea], self.xy[self.eb]], axis=1))) if ea else None
        self._searches: OrderedDict[tuple, Search] = OrderedDict()
        self._lock = threading.Lock()
        self._metric: tuple | None = None

    def __len__(self) -> int:
        return len(self.ea)

    def to_local(self, lons, lats) -> np.ndarray:
        """Planar metres around the network's centre (good to ~0.1 % across a city)."""
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        return np.column_stack([(lons - self._lon0) * self._kx, (lats - self._lat0) * self._ky])

    def snap(self, lons, lats) -> Snap:
        """The nearest street segment to each point, where along it, and how far off."""
        if self._tree is None:
            raise ValueError("the road network has no streets")
        p = self.to_local(lons, lats)
        k = len(p)
        edge = np.zeros(k, dtype=np.intp)
        if k:
            which, tree_idx = self._tree.query_nearest(shapely.points(p), all_matches=False)
            edge[which] = tree_idx
        a, b = self.xy[self.ea[edge]], self.xy[self.eb[edge]]
        ab = b - a
        den = np.einsum("ij,ij->i", ab, ab)
        t = np.clip(np.einsum("ij,ij->i", p - a, ab) / np.where(den > 0, den, 1.0), 0.0, 1.0)
        t = np.where(den > 0, t, 0.0)
        foot = a + ab * t[:, None]
        return Snap(edge, t, np.hypot(*(p - foot).T))

    def metric(self):
        """(node x/y in metres of the network's Gauss-Krüger zone, forward, inverse) for buffers."""
        if self._metric is None:
            fwd, inv = metric_transformer(self._lon0)
            x, y = fwd(self.lonlat[:, 0], self.lonlat[:, 1])
            self._metric = (np.column_stack([x, y]), fwd, inv)
        return self._metric

    def point_on(self, edge: int, t: float) -> tuple[float, float]:
        """(lon, lat) at fraction ``t`` along a segment."""
        a, b = self.lonlat[self.ea[edge]], self.lonlat[self.eb[edge]]
        return float(a[0] + (b[0] - a[0]) * t), float(a[1] + (b[1] - a[1]) * t)

    # ------------------------------------------------------------ the reverse search

    def search(self, lon: float, lat: float, variant: str, max_m: float) -> Search:
        """Street metres from every node *to* the incident at (lon, lat), up to ``max_m``.

        One multi-source Dijkstra over the reversed graph: the sources are the two
        ends of the incident's segment, seeded with the metres from each end to the
        incident (only from an end a unit may drive away from towards it). Results
        are cached per incident point, so ranking and rings share one search."""
        key = (variant, round(lon, 7), round(lat, 7))
        with self._lock:
            cached = self._searches.get(key)
            if cached is not None and cached.max_m >= max_m:
                self._searches.move_to_end(key)
                return cached
        inc = self.snap([lon], [lat])
        e, t, perp = int(inc.edge[0]), float(inc.t[0]), float(inc.perp_m[0])
        seeds = []
        if self.forward[variant][e]:
            seeds.append((int(self.ea[e]), perp + t * self.length[e]))
        if self.backward[variant][e]:
            seeds.append((int(self.eb[e]), perp + (1 - t) * self.length[e]))
        dist, nxt = _dijkstra(self._reverse[variant], seeds, max_m)
        found = Search(dist, nxt, inc, variant, max_m)
        with self._lock:
            self._searches[key] = found
            while len(self._searches) > 16:
                self._searches.popitem(last=False)
        return found

    def costs(self, found: Search, units: Snap) -> tuple[np.ndarray, np.ndarray]:
        """(metres, exit node) for each snapped unit to reach the incident of ``found``.

        A unit leaves its segment by an end it may drive towards; the exit node is
        -2 when it drives straight along the incident's own segment, and the
        metres are inf when the incident was not reached within the cutoff."""
        e, t = units.edge, units.t
        fwd, bwd = self.forward[found.variant][e], self.backward[found.variant][e]
        length = self.length[e]
        via_b = np.where(fwd, (1 - t) * length + found.dist[self.eb[e]], np.inf)
        via_a = np.where(bwd, t * length + found.dist[self.ea[e]], np.inf)
        metres = np.minimum(via_a, via_b)
        exit_node = np.where(via_b <= via_a, self.eb[e], self.ea[e])
        # Both on the incident's segment: straight along it if the direction allows.
        ie, it, iperp = int(found.incident.edge[0]), float(found.incident.t[0]), float(found.incident.perp_m[0])
        same = e == ie
        if same.any():
            ahead = np.where(it >= t, fwd, bwd)
            direct = np.where(ahead, np.abs(it - t) * self.length[ie] + iperp, np.inf)
            better = same & (direct < metres)
            metres = np.where(better, direct, metres)
            exit_node = np.where(better, -2, exit_node)
        return units.perp_m + metres, exit_node

    def route(self, found: Search, unit_lon: float, unit_lat: float, unit: Snap, i: int,
              exit_node: int) -> list[tuple[float, float]]:
        """(lon, lat) points from a unit along the streets to the incident."""
        coords = [(unit_lon, unit_lat), self.point_on(int(unit.edge[i]), float(unit.t[i]))]
        node = int(exit_node)
        while node >= 0:
            coords.append(self.network.node_coord(node))
            node = int(found.nxt[node])
        inc = found.incident
        coords.append(self.point_on(int(inc.edge[0]), float(inc.t[0])))
        return coords


def _dijkstra(reverse: list[list[tuple[NodeId, float]]], seeds: list[tuple[NodeId, float]],
              max_m: float) -> tuple[np.ndarray, np.ndarray]:
    dist = [math.inf] * len(reverse)
    nxt = [-1] * len(reverse)
    heap = []
    for node, d in seeds:
        if d <= max_m and d < dist[node]:
            dist[node] = d
            heap.append((d, node))
    heapq.heapify(heap)
    done = bytearray(len(reverse))
    while heap:
        d, node = heapq.heappop(heap)
        if done[node]:
            continue
        done[node] = 1
        for prev, metres in reverse[node]:
            nd = d + metres
            if nd < dist[prev] and nd <= max_m:
                dist[prev] = nd
                nxt[prev] = node
                heapq.heappush(heap, (nd, prev))
    return np.array(dist, dtype=float), np.array(nxt, dtype=np.intp)


_INDEXES: "weakref.WeakKeyDictionary[RoadNetwork, RoadIndex]" = weakref.WeakKeyDictionary()
_INDEX_LOCK = threading.Lock()


def road_index(network: RoadNetwork) -> RoadIndex:
    """The network's RoadIndex, built on first use and kept as long as the network lives."""
    with _INDEX_LOCK:
        index = _INDEXES.get(network)
        if index is None:
            index = _INDEXES[network] = RoadIndex(network)
        return index
