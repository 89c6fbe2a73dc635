"""Plausible incidents for the demo city, so a wall or a trainer sees a living city.

Pure and deterministic per seed: incidents arrive as a Poisson process at
``per_hour``; each is placed near one of the city's key targets (a night market
raises disputes and street-order cases, a school traffic and assistance calls) or
somewhere along a street (traffic accidents, construction, advertising), with a
category drawn for that kind of place, a level (mostly 一般) and a source (110 for
police matters; the 12345 hotline, video or patrols for city-management ones)."""
from __future__ import annotations

import math
import random
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.geodesy import distance_m
from core.layers import LayerFeature

__all__ = ["PLACE_CATEGORIES", "STREET_CATEGORIES", "DemoIncident", "IncidentGenerator"]

# Key-target category -> (incident category, weight).
PLACE_CATEGORIES: dict[str, tuple[tuple[str, int], ...]] = {
    "government": (("public_order", 3), ("complaint", 2), ("street_order", 1)),
    "business": (("public_order", 3), ("dispute", 3), ("criminal", 1), ("city_appearance", 2), ("advertising", 2),
                 ("street_order", 2)),
    "school": (("traffic_accident", 2), ("assistance", 3), ("street_order", 2), ("public_order", 1)),
    "hospital": (("dispute", 3), ("assistance", 2), ("traffic_accident", 1)),
    "night_market": (("dispute", 4), ("street_order", 4), ("public_order", 2), ("city_appearance", 2)),
    "complex_order": (("public_order", 4), ("criminal", 2), ("dispute", 2)),
    "crowded_place": (("dispute", 2), ("assistance", 2), ("criminal", 1), ("street_order", 2)),
}
STREET_CATEGORIES: tuple[tuple[str, int], ...] = (
    ("traffic_accident", 4), ("construction", 2), ("city_appearance", 2), ("advertising", 1), ("assistance", 1),
    ("dispute", 1))
_CITY_CATEGORIES = frozenset({"city_appearance", "advertising", "construction", "street_order", "city_emergency"})
_DESCRIPTIONS: dict[str, tuple[str, ...]] = {
    "criminal": ("群众报称手机被盗", "电动车电瓶被盗", "商户报称收银台现金被盗"),
    "public_order": ("多人聚集争吵，影响秩序", "有人酒后滋事", "有人在店门口寻衅滋事"),
    "dispute": ("顾客与商户发生口角", "邻里因停车发生纠纷", "买卖双方因价格争执不下"),
    "traffic_accident": ("两车轻微刮擦，无人员受伤", "电动车与行人碰撞，行人轻伤", "车辆追尾，堵塞路口"),
    "assistance": ("老人走失，家属求助", "儿童与家长走散", "群众钥匙锁在车内求助"),
    "complaint": ("群众投诉噪音扰民", "群众举报占道经营"),
    "city_appearance": ("路边堆放垃圾", "沿街店铺跨门经营"),
    "advertising": ("违规张贴小广告", "人行道上摆放流动广告牌"),
    "construction": ("施工围挡占用人行道", "夜间施工噪音扰民"),
    "street_order": ("流动摊贩占道经营", "夜市摊位越线经营，通道堵塞"),
}
_JITTER_M = (10.0, 60.0)  # around a target: its entrance, the pavement outside
_TARGET_SHARE = 0.65  # the rest happen along a street
_LEVELS = (("general", 90), ("major", 9), ("serious", 1))
_M_PER_DEG_LAT = 110_574.0


@dataclass(frozen=True)
class DemoIncident:
    at: datetime
    lon: float
    lat: float
    category: str
    level: str
    source: str
    address: str
    description: str


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    return rng.choices([k for k, _ in weighted], [w for _, w in weighted])[0]


def _point_along(rng: random.Random, coords: Sequence[Sequence[float]]) -> tuple[float, float]:
    """A point uniformly along a polyline (by length)."""
    lengths = [distance_m(a[0], a[1], b[0], b[1]) for a, b in zip(coords, coords[1:])]
    total = sum(lengths)
    if total <= 0:
        return float(coords[0][0]), float(coords[0][1])
    left = rng.uniform(0.0, total)
    for (a, b), length in zip(zip(coords, coords[1:]), lengths):
        if left <= length and length > 0:
            f = left / length
            return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
        left -= length
    return float(coords[-1][0]), float(coords[-1][1])


class IncidentGenerator:
    """``due(now)`` gives the incidents raised since the last call, in time order."""

    def __init__(self, targets: Iterable[LayerFeature], streets: Iterable[LayerFeature], per_hour: float,
                 seed: int, start: datetime, categories: Collection[str] | None = None):
        if start.tzinfo is None:
            raise ValueError("the generator needs an aware start time (UTC)")
        allowed = None if categories is None else frozenset(categories)

        def usable(weighted):
            return tuple((c, w) for c, w in weighted if allowed is None or c in allowed)

        self.places = [(t, usable(PLACE_CATEGORIES.get(str(t.properties.get("category")), ())))
                       for t in targets if t.geometry.get("type") == "Point"]
        self.places = [(t, weighted) for t, weighted in self.places if weighted]
        self.streets = [s for s in streets if s.geometry.get("type") == "LineString"]
        self.street_categories = usable(STREET_CATEGORIES)
        if not self.streets:
            self.street_categories = ()
        self.per_hour = max(0.0, per_hour)
        self.rng = random.Random(f"{seed}/incidents")
        self.active = self.per_hour > 0 and bool(self.places or self.street_categories)
        self._next = start + self._gap() if self.active else start

    def _gap(self) -> timedelta:
        return timedelta(seconds=self.rng.expovariate(self.per_hour / 3600.0))

    def due(self, now: datetime) -> list[DemoIncident]:
        out: list[DemoIncident] = []
        while self.active and self._next <= now:
            out.append(self._draw(self._next))
            self._next += self._gap()
        return out

    def _draw(self, at: datetime) -> DemoIncident:
        rng = self.rng
        if self.places and (not self.street_categories or rng.random() < _TARGET_SHARE):
            target, weighted = rng.choice(self.places)
            category = _pick(rng, weighted)
            lon, lat = (float(v) for v in target.geometry["coordinates"][:2])
            dist, angle = rng.uniform(*_JITTER_M), rng.uniform(0.0, 2 * math.pi)
            lat += dist * math.cos(angle) / _M_PER_DEG_LAT
            lon += dist * math.sin(angle) / (_M_PER_DEG_LAT * math.cos(math.radians(lat)))
            address = f"{target.name}附近"
        else:
            street = rng.choice(self.streets)
            category = _pick(rng, self.street_categories)
            lon, lat = _point_along(rng, street.geometry["coordinates"])
            address = street.name
        if category in _CITY_CATEGORIES:
            source = _pick(rng, (("hotline_12345", 3), ("video", 2), ("patrol", 2)))
        else:
            source = _pick(rng, (("110", 8), ("walk_in", 1), ("patrol", 1)))
        description = "演示警情：" + rng.choice(_DESCRIPTIONS.get(category, ("群众报警",)))
        return DemoIncident(at, round(lon, 6), round(lat, 6), category, _pick(rng, _LEVELS), source, address,
                            description)
