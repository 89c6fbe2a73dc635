"""`gridcommand bench recommend`: ranking 5,000 units for an incident, straight and by road.

In memory: 5,000 units with fresh fixes at random points within the demo grids
(mixed agencies, tiers and travel modes) and the demo street network, built from
``resources/demo/streets.geojson`` through core. Each sample is a new random
incident inside the grids, so no per-incident cache helps.

- straight: ``rank_units(mode="straight", limit=10)``;
- road: ``rank_units(mode="road", limit=10)`` with routes, plus its 1/3/5-minute
  ``isochrones`` for the ring mode (the work the dispatch dock does per incident);
- baseline (same run): a naive Python loop calling ``distance_m`` once per unit.

Targets (issue 4): straight median <= 5 ms, road + rings median <= 100 ms.
"""
from __future__ import annotations

import json
import random
import time
from datetime import datetime, timedelta, timezone
from importlib import resources

import shapely
from shapely.geometry import shape

from bench.common import median, percentile
from core.dispatch import isochrones, rank_units
from core.geodesy import bbox_of, distance_m
from core.layers import LayerFeature
from core.road_network import RoadNetwork
from core.settings import DispatchSettings
from core.travel import TravelModel
from core.units import LastFix, UnitInfo

UNITS = 5000
SAMPLES_PER_REPEAT = 40
BASELINE_PER_REPEAT = 4
SEED = 20250301
FORCES = (("grid_patrol", 1), ("grid_patrol", 2), ("swat", 1), ("swat", 2), ("station_police", 2),
          ("traffic_police", 2), ("youth_commando", 3), ("city_emergency", 3))


def _demo(name: str) -> dict:
    return json.loads(resources.files("resources").joinpath("demo", f"{name}.geojson").read_text(encoding="utf-8"))


def demo_network() -> RoadNetwork:
    features = [LayerFeature("streets", f["properties"]["code"], f["properties"]["name"], f["geometry"],
                             bbox_of(f["geometry"]["coordinates"]), properties=f["properties"])
                for f in _demo("streets")["features"]]
    return RoadNetwork.from_features(features)


class _GridSampler:
    """Uniform random points inside the demo grids, with the grid each falls in."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.grids = [(f["properties"]["code"], shape(f["geometry"])) for f in _demo("grids")["features"]]
        self.bounds = shapely.union_all([g for _, g in self.grids]).bounds

    def points(self, n: int) -> list[tuple[float, float, str]]:
        out: list[tuple[float, float, str]] = []
        minx, miny, maxx, maxy = self.bounds
        while len(out) < n:
            lon, lat = self.rng.uniform(minx, maxx), self.rng.uniform(miny, maxy)
            code = next((c for c, g in self.grids if shapely.contains_xy(g, lon, lat)), None)
            if code is not None:
                out.append((lon, lat, code))
        return out


def make_units(sampler: _GridSampler, now: datetime, n: int = UNITS) -> list[UnitInfo]:
    rng = sampler.rng
    units = []
    for i, (lon, lat, grid) in enumerate(sampler.points(n)):
        force, tier = rng.choice(FORCES)
        fix = LastFix(time=now - timedelta(seconds=rng.uniform(0, 50)), lon=lon, lat=lat, accuracy_m=8.0)
        units.append(UnitInfo(
            unit_id=i + 1, callsign=f"B{i + 1:04d}", name=f"bench unit {i + 1}",
            agency=rng.choice(("police", "city", "joint")), force=force, tier=tier,
            travel_mode=rng.choice(("foot", "ebike", "car")), status="available", grid_code=grid, last_fix=fix))
    return units


def _ms(samples: list[float]) -> tuple[float, float]:
    return round(median(samples), 2), round(percentile(samples, 99), 2)


def run(repeat: int = 5) -> dict:
    rng = random.Random(SEED)
    settings = DispatchSettings()
    model = TravelModel.from_settings(settings)
    t0 = time.perf_counter()
    network = demo_network()
    build_ms = (time.perf_counter() - t0) * 1000
    sampler = _GridSampler(rng)
    now = datetime.now(timezone.utc)
    units = make_units(sampler, now)
    incidents = sampler.points(max(1, repeat) * SAMPLES_PER_REPEAT)
    common = dict(needs="any", now=now, model=model, stale_after_s=60, limit=10)

    # Warm-up: the per-network routing index is built once, on first use.
    t0 = time.perf_counter()
    rank_units(units, *incidents[0][:2], incident_grid=incidents[0][2], mode="road", network=network, **common)
    index_ms = (time.perf_counter() - t0) * 1000

    straight, road, rings_only = [], [], []
    for lon, lat, grid in incidents:
        t0 = time.perf_counter()
        rank_units(units, lon, lat, incident_grid=grid, mode="straight", **common)
        straight.append((time.perf_counter() - t0) * 1000)
    for lon, lat, grid in incidents:
        t0 = time.perf_counter()
        top = rank_units(units, lon, lat, incident_grid=grid, mode="road", network=network, **common)
        t1 = time.perf_counter()
        isochrones(network, lon, lat, model, settings.ring_mode)
        t2 = time.perf_counter()
        road.append((t2 - t0) * 1000)
        rings_only.append((t2 - t1) * 1000)
        assert len(top) == 10 and all(r.route for r in top if r.mode == "road")

    baseline = []
    lons = [u.last_fix.lon for u in units]
    lats = [u.last_fix.lat for u in units]
    for lon, lat, _ in incidents[:max(1, repeat) * BASELINE_PER_REPEAT]:
        t0 = time.perf_counter()
        dist = [distance_m(lon, lat, x, y) for x, y in zip(lons, lats)]
        min(range(len(dist)), key=dist.__getitem__)
        baseline.append((time.perf_counter() - t0) * 1000)

    straight_med, straight_p99 = _ms(straight)
    road_med, road_p99 = _ms(road)
    return {
        "straight_median_ms": straight_med,
        "straight_p99_ms": straight_p99,
        "road_median_ms": road_med,
        "road_p99_ms": road_p99,
        "baseline_median_ms": round(median(baseline), 2),
        "rings_median_ms": round(median(rings_only), 2),
        "units": len(units),
        "samples": len(incidents),
        "network_nodes": len(network),
        "network_segments": network.edge_count,
        "network_build_ms": round(build_ms, 1),
        "first_road_ranking_ms": round(index_ms, 1),
        "targets": {"straight_median_ms": 5, "road_median_ms": 100},
        "met": bool(straight_med <= 5 and road_med <= 100),
    }
