from collections import Counter
from datetime import timedelta

from shapely.geometry import Point, shape

from core.demo_incidents import PLACE_CATEGORIES, STREET_CATEGORIES, IncidentGenerator
from core.geodesy import distance_m
from tests.core.test_simulation import T0, _features


def _generator(per_hour=6.0, seed=1, categories=None):
    return IncidentGenerator(_features("targets"), _features("streets"), per_hour, seed, T0, categories)


def test_rate_places_and_categories_are_plausible():
    gen = _generator(per_hour=6.0)
    day = gen.due(T0 + timedelta(hours=100))
    assert 500 <= len(day) <= 700  # Poisson, 600 expected
    assert [d.at for d in day] == sorted(d.at for d in day) and day[0].at > T0
    targets = {t.name: t for t in _features("targets")}
    streets = {}
    for s in _features("streets"):  # a street's name may cover several pieces
        streets[s.name] = shape(s.geometry).union(streets[s.name]) if s.name in streets else shape(s.geometry)
    street_categories = {c for c, _ in STREET_CATEGORIES}
    for d in day:
        if d.address.endswith("附近"):
            target = targets[d.address[:-2]]
            assert 9.0 <= distance_m(d.lon, d.lat, *target.geometry["coordinates"]) <= 61.0
            assert d.category in {c for c, _ in PLACE_CATEGORIES[target.properties["category"]]}
        else:
            assert streets[d.address].distance(Point(d.lon, d.lat)) < 1e-5  # on the street
            assert d.category in street_categories
        assert d.description.startswith("演示警情：")
        city = d.category in {"city_appearance", "advertising", "construction", "street_order"}
        sources = ("hotline_12345", "video", "patrol") if city else ("110", "walk_in", "patrol")
        assert d.source in sources
    counts = Counter(d.level for d in day)
    assert counts["general"] > 0.8 * len(day) and counts["major"] > 0
    # Night markets raise disputes and street-order cases, never traffic accidents.
    market = [d for d in day if d.address.startswith("古城夜市")]
    assert market and {d.category for d in market} <= {"dispute", "street_order", "public_order", "city_appearance"}


def test_deterministic_per_seed_and_incremental():
    a, b = _generator(seed=3), _generator(seed=3)
    first = a.due(T0 + timedelta(hours=2)) + a.due(T0 + timedelta(hours=5))
    assert first == b.due(T0 + timedelta(hours=5))
    assert _generator(seed=4).due(T0 + timedelta(hours=5)) != first


def test_only_known_categories_and_off_at_zero():
    gen = _generator(per_hour=30.0, categories={"dispute", "traffic_accident"})
    got = gen.due(T0 + timedelta(hours=10))
    assert got and {d.category for d in got} <= {"dispute", "traffic_accident"}
    assert _generator(per_hour=0.0).due(T0 + timedelta(days=30)) == []
    assert _generator(categories=set()).due(T0 + timedelta(days=30)) == []
