"""1/3/5-minute rings on a small known graph, and the straight-mode circles."""
import pytest
from shapely.geometry import Point, shape

from core.dispatch import RING_BUFFER_M, circle_rings, isochrones
from core.geodesy import bbox_of, distance_m
from core.layers import LayerFeature
from core.road_network import RoadNetwork
from core.travel import TravelModel

# A straight east-west street from X0, vertices every 0.001° (~94.4 m at 32°N): 8 segments, ~755 m.
LAT = 32.0
XS = [112.000 + 0.001 * i for i in range(9)]
# 1 m/s on foot, 2 m/s by car, no turn-out: a ring of t seconds reaches t m on foot along the street.
MODEL = TravelModel(speeds_mps=(("foot", 1.0), ("ebike", 2.0), ("car", 2.0)), turnout_s=0.0, detour_factor=1.5)


def along(metres: float, off_m: float = 0.0) -> Point:
    """A point ``metres`` east of the street's west end, ``off_m`` north of it."""
    return Point(112.0 + metres / distance_m(112.0, LAT, 112.001, LAT) * 0.001,
                 LAT + off_m / distance_m(112.0, LAT, 112.0, LAT + 0.001) * 0.001)


def street(coords, oneway=False):
    return LayerFeature("streets", "S", "S", {"type": "LineString", "coordinates": coords}, bbox_of(coords),
                        properties={"oneway": oneway})


@pytest.fixture(scope="module")
def two_way():
    return RoadNetwork.from_features([street([[x, LAT] for x in XS])])


@pytest.fixture(scope="module")
def one_way_out():
    # Driven only eastwards: away from an incident at the west end.
    return RoadNetwork.from_features([street([[x, LAT] for x in XS], oneway=True)])


def rings(net, mode="foot", at=(112.0, LAT), model=MODEL):
    return {k: shape(v) for k, v in isochrones(net, at[0], at[1], model, mode).items()}


def test_reachable_points_lie_inside_their_ring(two_way):
    r = rings(two_way)
    assert set(r) == {1, 3, 5}
    # 60 s on foot: 60 m of street, plus the 50 m corridor.
    assert r[1].contains(along(0)) and r[1].contains(along(55)) and r[1].contains(along(55, off_m=30))
    assert not r[1].contains(along(60 + RING_BUFFER_M + 15))
    assert r[3].contains(along(170)) and not r[3].contains(along(180 + RING_BUFFER_M + 15))
    assert r[5].contains(along(290)) and not r[5].contains(along(300 + RING_BUFFER_M + 15))
    # Off the street by more than the corridor: in no ring, however close in a straight line.
    assert not r[5].contains(along(100, off_m=RING_BUFFER_M + 20))


def test_partially_reached_segments_are_interpolated(two_way):
    # From the middle (vertex 4), 180 s reaches 180 m each way: two vertices out and most of a third segment.
    r = rings(two_way, at=(XS[4], LAT))
    middle = distance_m(112.0, LAT, XS[4], LAT)
    assert r[3].contains(along(middle + 170)) and r[3].contains(along(middle - 170))
    assert not r[3].contains(along(middle + 180 + RING_BUFFER_M + 15))


def test_rings_nest(two_way):
    for mode in ("foot", "car"):
        r = rings(two_way, mode, at=(XS[3] + 0.0004, LAT + 0.0002))
        # Nested up to floating-point noise (1e-7° is ~1 cm).
        assert r[3].buffer(1e-7).covers(r[1]) and r[5].buffer(1e-7).covers(r[3])
        assert r[1].area < r[3].area < r[5].area


def test_one_way_streets_shape_the_car_ring_not_the_foot_ring(one_way_out):
    car, foot = rings(one_way_out, "car"), rings(one_way_out, "foot")
    # A car east of the incident cannot drive back west along the one-way street.
    assert not car[5].contains(along(150))
    assert foot[5].contains(along(150))
    assert car[5].contains(along(0))  # the incident itself


def test_turnout_counts_and_an_unreachable_ring_is_empty(two_way):
    slow = TravelModel(speeds_mps=(("foot", 1.0), ("ebike", 2.0), ("car", 2.0)), turnout_s=90.0, detour_factor=1.5)
    out = isochrones(two_way, 112.0, LAT, slow, "foot")
    assert out[1] == {"type": "Polygon", "coordinates": []}
    r3 = shape(out[3])  # 180 - 90 = 90 s: 90 m
    assert r3.contains(along(80)) and not r3.contains(along(90 + RING_BUFFER_M + 15))


def test_rings_must_be_whole_minutes(two_way):
    with pytest.raises(ValueError):
        isochrones(two_way, 112.0, LAT, MODEL, "foot", rings_s=(90,))


def test_circle_rings_are_geodesic_circles():
    model = TravelModel(speeds_mps=(("foot", 1.0), ("ebike", 5.0), ("car", 10.0)), turnout_s=30.0, detour_factor=1.3)
    out = circle_rings(112.08, 32.68, model, "ebike")
    assert set(out) == {1, 3, 5}
    for minutes, geometry in out.items():
        radius = 5.0 * (minutes * 60 - 30) / 1.3
        ring = geometry["coordinates"][0]
        assert ring[0] == ring[-1] and len(ring) > 32
        for lon, lat in ring:
            assert distance_m(112.08, 32.68, lon, lat) == pytest.approx(radius, abs=0.01)
    assert shape(out[3]).covers(shape(out[1])) and shape(out[5]).covers(shape(out[3]))
    assert shape(out[1]).exterior.is_ccw
    late = circle_rings(112.08, 32.68, TravelModel(turnout_s=120.0), "foot")
    assert late[1] == {"type": "Polygon", "coordinates": []}
