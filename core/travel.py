"""Travel times for dispatch: speeds per travel mode, turn-out, detour, and road ETAs.

Two estimates (docs/domain.md, the 1-3-5 minute rule):

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

# Bucket size for snapping points to street segments (metres): at most this, smaller on
# dense networks so a cell's neighbourhood holds about _CELL_SEGMENTS segments.
_CELL_M = 150.0
_CELL_SEGMENTS = 30
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

    def __post_init__(self):
        speeds = dict(self.speeds_mps)
        if "foot" not in speeds or any(not v > 0 for v in speeds.values()) or not self.detour_factor > 0:
            raise ValueError(f"travel speeds (with foot) and the detour factor must be positive: {self}")

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
        self._build_cells()
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
        edge, t, perp = self._nearest_in_cells(p)
        # Far from every street (or off the grid): ask the exact, slower tree.
        far = np.flatnonzero(~(perp <= self._cell_m))
        if len(far):
            _, tree_idx = self._tree.query_nearest(shapely.points(p[far]), all_matches=False)
            edge[far] = tree_idx
            t[far], perp[far] = _project(p[far], self.xy[self.ea[tree_idx]], self.xy[self.eb[tree_idx]])
        return Snap(edge, t, perp)

    def _build_cells(self) -> None:
        """A bucket grid: each cell lists the segments within one cell size of it.

        A point's nearest segment, when no further than the cell size, is then among its
        cell's few candidates (exact), and numpy checks them all at once; STRtree's
        nearest query costs ~3 µs a point, too slow for 5,000 units per ranking."""
        self._cell_m = _CELL_M
        if not len(self.ea):
            self._seg_arrays = tuple(np.zeros(1) for _ in range(5))
            self._cells = np.full((1, 1), -1, dtype=np.int32)
            self._origin, self._shape = np.zeros(2), (1, 1)
            return
        span = self.xy.max(axis=0) - self.xy.min(axis=0)
        density = len(self.ea) / max(float(span[0] * span[1]), 1.0)
        # A cell and its margin span 3 x 3 cells.
        cell = self._cell_m = float(np.clip(math.sqrt(_CELL_SEGMENTS / (9 * density)), 25.0, _CELL_M))
        lo = np.minimum(self.xy[self.ea], self.xy[self.eb]) - cell
        hi = np.maximum(self.xy[self.ea], self.xy[self.eb]) + cell
        self._origin = lo.min(axis=0)
        i0 = np.floor((lo - self._origin) / cell).astype(int)
        i1 = np.floor((hi - self._origin) / cell).astype(int)
        nx, ny = int(i1[:, 0].max()) + 1, int(i1[:, 1].max()) + 1
        buckets: list[list[int]] = [[] for _ in range(nx * ny)]
        for seg, ((x0, y0), (x1, y1)) in enumerate(zip(i0.tolist(), i1.tolist())):
            for ix in range(x0, x1 + 1):
                for iy in range(y0, y1 + 1):
                    buckets[ix * ny + iy].append(seg)
        ax, ay = self.xy[self.ea, 0], self.xy[self.ea, 1]
        dx, dy = self.xy[self.eb, 0] - ax, self.xy[self.eb, 1] - ay
        den = dx * dx + dy * dy
        self._seg_arrays = (ax, ay, dx, dy, np.where(den > 0, 1.0 / np.where(den > 0, den, 1.0), 0.0))
        width = max(len(b) for b in buckets)
        cells = np.full((nx * ny + 1, width), -1, dtype=np.int32)  # the last row: "off the grid"
        for cell, segs in enumerate(buckets):
            cells[cell, :len(segs)] = segs
        self._cells, self._shape = cells, (nx, ny)

    def _nearest_in_cells(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        nx, ny = self._shape
        ij = np.floor((p - self._origin) / self._cell_m).astype(np.intp)
        inside = (ij[:, 0] >= 0) & (ij[:, 0] < nx) & (ij[:, 1] >= 0) & (ij[:, 1] < ny)
        cand = self._cells[np.where(inside, ij[:, 0] * ny + ij[:, 1], nx * ny)]  # (points, width), -1 = none
        seg = np.maximum(cand, 0)
        # Separate x/y arrays: numpy is several times slower summing a length-2 last axis.
        ax, ay, dx, dy, inv = self._seg_arrays
        px, py = p[:, 0, None] - ax[seg], p[:, 1, None] - ay[seg]
        sdx, sdy = dx[seg], dy[seg]
        t = np.clip((px * sdx + py * sdy) * inv[seg], 0.0, 1.0)
        ex, ey = px - sdx * t, py - sdy * t
        d2 = ex * ex + ey * ey
        d2[cand < 0] = np.inf
        best = np.argmin(d2, axis=1)
        rows = np.arange(len(p))
        return seg[rows, best].astype(np.intp), t[rows, best], np.sqrt(d2[rows, best])

    def local_xy(self, lons, lats):
        """(x, y) in the local plane; scalars in, scalars out (like a pyproj transform)."""
        return (np.asarray(lons, dtype=float) - self._lon0) * self._kx, (np.asarray(lats, dtype=float) - self._lat0) * self._ky

    def from_local(self, xs, ys):
        """Inverse of :meth:`local_xy`: planar metres around the centre → (lons, lats)."""
        return np.asarray(xs, dtype=float) / self._kx + self._lon0, np.asarray(ys, dtype=float) / self._ky + self._lat0

    def metric(self):
        """(node x/y in metres, forward, inverse) for ring buffers.

        The network's own local plane (the same one snapping and distances use, good to
        ~0.1 % across a city, i.e. ~1 m on a 5-minute ring), not a PROJ transformer:
        rings are computed on the desktop's background thread, and creating PROJ objects
        there crashed inside libproj while QtWebEngine ran in the same process."""
        if self._metric is None:
            self._metric = (self.xy, self.local_xy, self.from_local)
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

    def route(self, found: Search, unit_at: tuple[float, float], unit: Snap, i: int, exit_node: int,
              incident_at: tuple[float, float]) -> list[tuple[float, float]]:
        """(lon, lat) points from a unit (``unit``'s i-th snap) along the streets to the incident."""
        coords = [unit_at, self.point_on(int(unit.edge[i]), float(unit.t[i]))]
        node = int(exit_node)
        while node >= 0:
            coords.append(self.network.node_coord(node))
            node = int(found.nxt[node])
        inc = found.incident
        coords += [self.point_on(int(inc.edge[0]), float(inc.t[0])), incident_at]
        # Points on a street or at a node repeat their snap point: drop repeats.
        return [p for k, p in enumerate(coords) if k == 0 or not _same_point(p, coords[k - 1])]


def _same_point(p: tuple[float, float], q: tuple[float, float]) -> bool:
    return abs(p[0] - q[0]) < 1e-9 and abs(p[1] - q[1]) < 1e-9  # ~0.1 mm


def _project(p: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fraction along segments a->b of the foot of p, and the distance from p to it (broadcasting)."""
    ab = b - a
    den = (ab * ab).sum(axis=-1)
    safe = np.where(den > 0, den, 1.0)
    t = np.where(den > 0, np.clip(((p - a) * ab).sum(axis=-1) / safe, 0.0, 1.0), 0.0)
    d = p - (a + ab * t[..., None])
    return t, np.sqrt((d * d).sum(axis=-1))


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
