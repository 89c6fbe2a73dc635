"""Nearest-unit recommendation on the 1-3-5 minute rings (docs/domain.md).

``rank_units`` ranks the units that may be sent to a location by ETA, and says
why in one line. Road mode uses street travel time (core.travel.RoadIndex);
straight mode, and units the street search did not reach, use the straight-line
estimate, which every reason labels as such.

``isochrones`` draws the 1/3/5-minute rings from the street network (the parts of
streets from which the location is reached in time, buffered); ``circle_rings``
draws the straight-mode circles. Rings count the turn-out time.
"""
from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import shapely
from pyproj import Geod

from core.geodesy import distances_m
from core.grid_lookup import geojson_from_geometry
from core.road_network import RoadNetwork
from core.travel import MODE_LABELS, VARIANT_OF_MODE, Snap, TravelModel, capable_agencies, road_index
from core.units import UnitInfo

__all__ = ["JSON_FIELDS", "RINGS_S", "RING_BUFFER_M", "ROAD_HORIZON_S", "TIE_S", "Recommendation", "circle_rings",
           "format_distance", "format_duration", "isochrones", "rank_units", "ring_counts", "ring_of"]

RINGS_S = (60, 180, 300)
INF = float("inf")
# The road search stops here; units beyond fall back to the straight-line estimate.
ROAD_HORIZON_S = 600.0
# ETAs this close count as equal: the unit of the incident's own grid goes first.
TIE_S = 1.0
# What `gridcommand recommend --json` (and the API) print, in this order.
JSON_FIELDS = ("callsign", "unit_id", "tier", "status", "agency", "distance_m", "eta_s", "ring", "mode", "reason")


@dataclass(frozen=True, slots=True)
class Recommendation:
    callsign: str
    unit_id: int
    tier: int
    status: str
    agency: str
    distance_m: float  # geodesic straight line, whatever the mode
    eta_s: float  # from the order to arrival, turn-out included
    ring: int | None  # 1, 3, 5 or None
    mode: str  # "road" or "straight" (an estimate)
    note: str | None = None  # a reason given as text; None: written from ``basis`` when asked
    route: list[tuple[float, float]] | None = None  # (lon, lat) unit -> incident, road mode only
    grid_code: str | None = None
    force: str = ""
    travel_mode: str = ""
    # What the reason is written from: (how: road|unreached|straight, ETA s, metres, turn-out s,
    # detour factor, own grid). Kept as facts because a ranking holds every candidate (thousands)
    # and the dock reads the reason of the 20 it shows: formatting them all cost more than ranking.
    basis: tuple | None = None

    @property
    def reason(self) -> str:
        """One line saying why: how far, by road or estimated, the ETA with its turn-out, the grid."""
        if self.note is not None:
            return self.note
        return _reason(self, *self.basis) if self.basis is not None else ""

    def as_json(self) -> dict:
        return {name: getattr(self, name) for name in JSON_FIELDS}


def ring_of(eta_s: float, rings_s: Sequence[int] = RINGS_S) -> int | None:
    """The smallest ring (in minutes) the ETA falls in, or None beyond the last."""
    for limit in rings_s:
        if eta_s <= limit:
            return limit // 60
    return None


def ring_counts(recommendations: Iterable[Recommendation], rings_s: Sequence[int] = RINGS_S) -> dict[int, int]:
    """Units within each ring, *cumulative*: {1: ETA <= 60 s, 3: <= 180 s (incl. the 1-minute ones), 5: <= 300 s}."""
    etas = [r.eta_s for r in recommendations]
    return {limit // 60: sum(1 for eta in etas if eta <= limit) for limit in rings_s}


def format_duration(seconds: float) -> str:
    total = int(round(seconds))
    minutes, secs = divmod(total, 60)
    if not minutes:
        return f"{secs} s"
    return f"{minutes} min {secs} s" if secs else f"{minutes} min"


def format_distance(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def _candidates(units: Iterable[UnitInfo], needs: str, now: datetime, stale_after_s: float,
                tiers: Collection[int] | None) -> list[UnitInfo]:
    allowed = capable_agencies(needs)
    # Fresh means age <= stale_after_s (UnitInfo.is_stale), compared once as a time.
    fresh_from = now - timedelta(seconds=stale_after_s)
    tier_set = None if tiers is None else frozenset(tiers)
    return [u for u in units
            if u.status == "available" and u.agency in allowed and u.last_fix is not None
            and u.last_fix.time >= fresh_from and (tier_set is None or u.tier in tier_set)]


# Local equirectangular distances on the ellipsoid stay within 3e-5 of the geodesic up to
# 150 km (checked at 18-53°N); the contender bound assumes APPROX_ERROR within that range.
APPROX_ERROR = 1e-3
_APPROX_MAX_M = 150_000.0
_A, _E2 = 6378137.0, 0.00669437999014


def _approx_distances_m(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    phi = np.radians((lats + lat) / 2)
    w = 1 - _E2 * np.sin(phi) ** 2
    dy = np.radians(lats - lat) * (_A * (1 - _E2) / w ** 1.5)
    dx = np.radians(lons - lon) * (_A / np.sqrt(w)) * np.cos(phi)
    return np.hypot(dx, dy)


def _contenders(eta: np.ndarray, approx_m: np.ndarray, turnout_s: float, limit: int | None) -> np.ndarray:
    """Indices that can still make the top ``limit`` (ties included) once distances are exact.

    With relative error e, the k-th exact ETA is at most c + (A_k - c) / (1 - e) (A_k: the
    k-th approximate ETA, c: turn-out), and a unit that can be listed has an exact ETA
    within TIE_S of that, so an approximate one at most (1 + e) times as far above c."""
    n = len(eta)
    if limit is None or n <= limit:
        return np.arange(n)
    a_k = float(np.partition(eta, limit - 1)[limit - 1])
    bound = turnout_s + (1 + APPROX_ERROR) * ((a_k - turnout_s) / (1 - APPROX_ERROR) + TIE_S)
    chosen = np.flatnonzero(eta <= bound)
    if approx_m[chosen].max() > _APPROX_MAX_M:
        return np.arange(n)  # too far for the approximation's error bound
    return chosen


def _order(eta: np.ndarray, own: list[bool], callsigns: list[str], limit: int | None) -> list[int]:
    """Indices by ETA; within TIE_S of a group's first ETA, own grid first, then callsign."""
    order = np.argsort(eta, kind="stable").tolist()
    etas = eta.tolist()
    out: list[int] = []
    i, n = 0, len(order)
    while i < n and (limit is None or len(out) < limit):
        start = etas[order[i]]
        j = i + 1
        while j < n and etas[order[j]] - start <= TIE_S:
            j += 1
        out.extend(sorted(order[i:j], key=lambda k: (not own[k], callsigns[k])))
        i = j
    return out if limit is None else out[:limit]


def _reason(unit: "Recommendation", how: str, eta_s: float, metres: float, turnout_s: float, detour_factor: float,
            own: bool) -> str:
    label = MODE_LABELS.get(unit.travel_mode, unit.travel_mode or "on foot")
    timing = f"ETA {format_duration(eta_s)} incl. {turnout_s:g} s turn-out"
    estimate = f"estimate: straight line × {detour_factor:g}"
    if how == "road":
        text = f"{label} {format_distance(metres)} by road, {timing}"
    elif how == "unreached":
        text = (f"{label} {format_distance(metres)} away, no street route within "
                f"{ROAD_HORIZON_S / 60:g} min; {timing} ({estimate})")
    else:
        text = f"{label} {format_distance(metres)} away, {timing} ({estimate})"
    if unit.grid_code:
        text += f"; own grid {unit.grid_code}" if own else f"; grid {unit.grid_code}"
    return text


def rank_units(units: Iterable[UnitInfo], lon: float, lat: float, *, incident_grid: str | None, needs: str,
               now: datetime, model: TravelModel, stale_after_s: float, mode: str = "road",
               network: RoadNetwork | None = None, limit: int | None = None,
               tiers: Collection[int] | None = None, routes_for: int | None = None,
               route_tiers: Collection[int] | None = None) -> list[Recommendation]:
    """The units that may be sent to (lon, lat), best first.

    Candidates are available, have a fix no older than ``stale_after_s`` and an
    agency that serves ``needs`` (police, city, joint, any); ``tiers`` narrows
    them. Ranked by ETA; ETAs within TIE_S count as equal and go to units of
    ``incident_grid`` first, then by callsign. ``limit`` keeps the best (None:
    all). Road mode needs ``network``; routes are built for the returned units
    only, and of those only for the first ``routes_for`` whose tier is in
    ``route_tiers`` (None: no bound): a route costs a walk along the search tree
    per unit, so a caller that shows 20 rows asks for 20 routes (the others keep
    ``route=None`` but their road ETA). Raises ValueError for an unknown mode or needs."""
    if mode not in ("road", "straight"):
        raise ValueError(f"mode must be 'road' or 'straight', not {mode!r}")
    if mode == "road" and network is None:
        raise ValueError("road mode needs a street network")
    cands = _candidates(units, needs, now, stale_after_s, tiers)
    if not cands or (limit is not None and limit <= 0):
        return []
    k = len(cands)
    lons = np.fromiter((u.last_fix.lon for u in cands), float, k)
    lats = np.fromiter((u.last_fix.lat for u in cands), float, k)
    modes = [u.travel_mode for u in cands]
    speed_of = {m: model.speed(m) for m in set(modes)}
    speeds = np.fromiter((speed_of[m] for m in modes), float, k)
    # Ranked on a fast local approximation; exact geodesics for the contenders only (below).
    straight = _approx_distances_m(lon, lat, lons, lats)
    eta = straight * model.detour_factor / speeds + model.turnout_s

    road_m = np.full(k, np.inf)
    if mode == "road":
        index = road_index(network)
        snap = index.snap(lons, lats)
        exits = np.full(k, -1, dtype=np.intp)
        searches = {}
        variants = np.array([VARIANT_OF_MODE.get(m, "walk") for m in modes])
        for variant in set(variants.tolist()):
            sel = variants == variant
            fastest = max(speed for m, speed in speed_of.items() if VARIANT_OF_MODE.get(m, "walk") == variant)
            found = searches[variant] = index.search(lon, lat, variant, fastest * ROAD_HORIZON_S)
            road_m[sel], exits[sel] = index.costs(found, Snap(snap.edge[sel], snap.t[sel], snap.perp_m[sel]))
        on_road = np.isfinite(road_m)
        eta = np.where(on_road, road_m / speeds + model.turnout_s, eta)

    contenders = _contenders(eta, straight, model.turnout_s, limit)
    exact = distances_m(lon, lat, lons[contenders], lats[contenders])
    estimated = ~np.isfinite(road_m[contenders])
    eta[contenders] = np.where(estimated, exact * model.detour_factor / speeds[contenders] + model.turnout_s,
                               eta[contenders])
    straight[contenders] = exact
    own = [incident_grid is not None and u.grid_code == incident_grid for u in cands]
    callsigns = [u.callsign for u in cands]
    ranked = [int(contenders[j]) for j in _order(eta[contenders], [own[i] for i in contenders],
                                                 [callsigns[i] for i in contenders], limit)]
    route_tier_set = None if route_tiers is None else frozenset(route_tiers)
    shown = 0  # ranked units in route_tiers so far: the rows a caller lists
    out = []
    etas, straights, roads = eta.tolist(), straight.tolist(), road_m.tolist()
    turnout_s, detour = model.turnout_s, model.detour_factor
    for i in ranked:
        unit, eta_s = cands[i], etas[i]
        route = None
        if route_tier_set is None or unit.tier in route_tier_set:
            shown += 1
        wants_route = ((routes_for is None or shown <= routes_for)
                       and (route_tier_set is None or unit.tier in route_tier_set))
        if mode == "road" and roads[i] != INF:
            how, metres = "road", roads[i]
            if wants_route:
                found = searches[VARIANT_OF_MODE.get(unit.travel_mode, "walk")]
                route = index.route(found, (float(lons[i]), float(lats[i])), snap, i, int(exits[i]), (lon, lat))
        else:
            how, metres = ("unreached" if mode == "road" else "straight"), straights[i]
        rounded = round(eta_s, 1)
        out.append(Recommendation(
            unit.callsign, unit.unit_id, unit.tier, unit.status, unit.agency, round(straights[i], 1), rounded,
            ring_of(rounded), "road" if how == "road" else "straight", None, route, unit.grid_code, unit.force,
            unit.travel_mode, (how, eta_s, metres, turnout_s, detour, own[i])))
    return out


# ---------------------------------------------------------------- ring geometry

# Half-width of a street corridor in a road ring: a unit a little off the street
# (a yard, a square) still counts as on it.
RING_BUFFER_M = 50.0
_EMPTY = {"type": "Polygon", "coordinates": []}
_GEOD = Geod(ellps="WGS84")


def _check_rings(rings_s: Sequence[int]) -> None:
    if any(t <= 0 or t % 60 for t in rings_s):
        raise ValueError(f"rings must be whole minutes in seconds (60, 180, ...), not {tuple(rings_s)}")


def _reachable_segments(index, found, budget: float, xy: np.ndarray, inc_xy: np.ndarray) -> np.ndarray:
    """(k, 2, 2) metric segments of street from which the incident is reached within ``budget`` metres.

    Per segment a->b: moving towards b the stretch nearest b is reached when
    budget - dist[b] > 0, moving towards a the stretch nearest a; on the
    incident's own segment the stretch either side of the incident point."""
    fwd, bwd = index.forward[found.variant], index.backward[found.variant]
    length = np.maximum(index.length, 1e-9)
    ea, eb = index.ea, index.eb
    spans = [
        # (edge indices, start fraction, end fraction)
        (np.arange(len(ea)), np.zeros(len(ea)), np.where(bwd, (budget - found.dist[ea]) / length, -1.0)),
        (np.arange(len(ea)), np.where(fwd, 1 - (budget - found.dist[eb]) / length, 2.0), np.ones(len(ea))),
    ]
    e, t, perp = int(found.incident.edge[0]), float(found.incident.t[0]), float(found.incident.perp_m[0])
    left = (budget - perp) / length[e]
    if fwd[e]:
        spans.append((np.array([e]), np.array([t - left]), np.array([t])))
    if bwd[e]:
        spans.append((np.array([e]), np.array([t]), np.array([t + left])))
    edges = np.concatenate([s[0] for s in spans])
    s0 = np.clip(np.concatenate([s[1] for s in spans]), 0.0, 1.0)
    s1 = np.clip(np.concatenate([s[2] for s in spans]), 0.0, 1.0)
    keep = s1 > s0
    edges, s0, s1 = edges[keep], s0[keep], s1[keep]
    a, d = xy[ea[edges]], xy[eb[edges]] - xy[ea[edges]]
    segs = np.stack([a + d * s0[:, None], a + d * s1[:, None]], axis=1)
    # The walk from the incident to its street, as far as the budget goes.
    foot = xy[ea[e]] + (xy[eb[e]] - xy[ea[e]]) * t
    reach = min(1.0, budget / perp) if perp > 0 else 1.0
    connector = np.array([[inc_xy, inc_xy + (foot - inc_xy) * reach]])
    return np.concatenate([segs, connector])


def isochrones(network: RoadNetwork, lon: float, lat: float, model: TravelModel, mode: str,
               rings_s: Sequence[int] = RINGS_S) -> dict[int, dict]:
    """Travel-time rings around (lon, lat) on the streets, for units travelling by ``mode``.

    Keyed by minutes (60 -> 1); each a WGS84 GeoJSON Polygon or MultiPolygon
    (an empty Polygon when the turn-out alone exceeds the ring). A ring
    contains the smaller ones (up to floating-point noise, well under 1 cm)."""
    _check_rings(rings_s)
    index = road_index(network)
    budgets = [model.reach_m(t, mode) for t in rings_s]
    found = index.search(lon, lat, VARIANT_OF_MODE.get(mode, "walk"), max(budgets))
    xy, fwd, inv = index.metric()
    inc_xy = np.array(fwd(lon, lat), dtype=float)

    def to_wgs84(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(inv(coords[:, 0], coords[:, 1]))

    out: dict[int, dict] = {}
    previous = None
    for limit, budget in sorted(zip(rings_s, budgets)):
        if budget <= 0:
            out[limit // 60] = dict(_EMPTY)
            continue
        pieces = shapely.buffer(shapely.linestrings(_reachable_segments(index, found, budget, xy, inc_xy)),
                                RING_BUFFER_M, quad_segs=4)
        # Buffers are polygonal approximations: union the smaller ring in so rings nest exactly.
        # (Unioning many small buffers is faster than buffering one multi-line.)
        area = shapely.union_all(pieces if previous is None else np.append(pieces, previous))
        previous = area
        out[limit // 60] = geojson_from_geometry(shapely.transform(area, to_wgs84))
    return out


def circle_rings(lon: float, lat: float, model: TravelModel, mode: str, rings_s: Sequence[int] = RINGS_S,
                 vertices: int = 72) -> dict[int, dict]:
    """Straight-mode rings: geodesic circles of radius speed x (t - turn-out) / detour (estimates)."""
    _check_rings(rings_s)
    azimuths = np.linspace(0.0, 360.0, vertices, endpoint=False)
    out: dict[int, dict] = {}
    for limit in rings_s:
        radius = model.reach_m(limit, mode, straight=True)
        if radius <= 0:
            out[limit // 60] = dict(_EMPTY)
            continue
        lons, lats, _ = _GEOD.fwd(np.full(vertices, float(lon)), np.full(vertices, float(lat)), azimuths,
                                  np.full(vertices, radius))
        ring = [[float(x), float(y)] for x, y in zip(lons, lats)]
        # GeoJSON exterior rings run counter-clockwise; azimuths run clockwise.
        ring.reverse()
        out[limit // 60] = {"type": "Polygon", "coordinates": [ring + [ring[0]]]}
    return out
