import json
import math
import random
from importlib import resources

import pytest
from shapely.geometry import box

from core.geodesy import bbox_of, distance_m
from core.layers import LayerFeature
from core.road_network import RoadNetwork

# A small hand-made town (lon, lat), ~95 m between columns and ~111 m between rows:
#
#   D <-------- F          D-B two-way, F->D one-way
#   |           ^
#   A --- B --- C --> E    A-B-C two-way, C->E->F one-way, E->X one-way (a dead end)
#                      \
#                       X
#   G --- H                isolated
A, B, C = (112.000, 32.000), (112.001, 32.000), (112.002, 32.000)
D, E, F = (112.001, 32.001), (112.003, 32.000), (112.003, 32.001)
X = (112.004, 31.999)
G, H = (112.010, 32.010), (112.011, 32.010)


def street(code, coords, oneway=False, kind="residential", geometry_type="LineString"):
    geometry = {"type": geometry_type, "coordinates": coords}
    return LayerFeature("streets", code, code, geometry, bbox_of(coords), kind=kind, properties={"oneway": oneway})


@pytest.fixture(scope="module")
def town():
    # S2 starts a hair (3e-8 deg, ~3 mm) off B: it must still join S1 there.
    b_off = (B[0] + 3e-8, B[1] - 3e-8)
    net = RoadNetwork.from_features([
        street("S1", [A, B, C], kind="primary"),
        street("S2", [b_off, D]),
        street("S3", [C, E, F], oneway=True),
        street("S4", [F, D], oneway=True),
        street("S5", [E, X], oneway=True),
        street("S6", [[G, H]], geometry_type="MultiLineString"),
    ])
    return net


def n(net, coord):
    node = net.node_at(*coord)
    assert node is not None, coord
    return node


def test_shared_vertices_become_one_node(town):
    assert len(town) == 9
    assert town.edge_count == 8
    assert town.node_at(B[0] + 3e-8, B[1]) == n(town, B)
    assert set(town.neighbors(n(town, B))) == {n(town, A), n(town, C), n(town, D)}


def test_edges_are_geodesic_metres_with_their_road_class(town):
    assert town.edge_length(n(town, A), n(town, B)) == pytest.approx(distance_m(*A, *B), rel=1e-9)
    assert town.edge_class(n(town, B), n(town, A)) == "primary"
    assert town.edge_class(n(town, B), n(town, D)) == "residential"


def test_shortest_path_along_two_way_streets(town):
    length, path = town.shortest_path(n(town, A), n(town, C))
    assert path == [n(town, A), n(town, B), n(town, C)]
    assert length == pytest.approx(distance_m(*A, *B) + distance_m(*B, *C))
    assert town.path_coords(path) == [A, B, C]
    assert town.path_length(path) == pytest.approx(length)


def test_same_node_is_a_zero_path(town):
    assert town.shortest_path(n(town, A), n(town, A)) == (0.0, [n(town, A)])


def test_one_way_streets_are_driven_forwards_only(town):
    e, f, d = n(town, E), n(town, F), n(town, D)
    assert set(town.neighbors(e, oneway=True)) == {f, n(town, X)}
    assert set(town.neighbors(e, oneway=False)) == {f, n(town, C), n(town, X)}
    with pytest.raises(KeyError):
        town.edge_length(e, n(town, C), oneway=True)
    # Driving D -> F must go round by B, C, E; walking goes straight.
    _, drive = town.shortest_path(d, f, oneway=True)
    assert drive == [d, n(town, B), n(town, C), e, f]
    walk_len, walk = town.shortest_path(d, f, oneway=False)
    assert walk == [d, f]
    assert walk_len == pytest.approx(distance_m(*D, *F))
    # F -> E against the one-way street: round by D, B, C.
    assert town.shortest_path(f, e, oneway=True)[1] == [f, d, n(town, B), n(town, C), e]


def test_unreachable_nodes(town):
    assert town.shortest_path(n(town, A), n(town, G)) == (math.inf, [])
    # X is a one-way dead end: you can drive in but not out; on foot you can.
    assert town.shortest_path(n(town, X), n(town, A), oneway=True) == (math.inf, [])
    assert town.shortest_path(n(town, X), n(town, A), oneway=False)[1][-1] == n(town, A)


def test_distances_from_with_cutoff_and_reverse(town):
    a, b = n(town, A), n(town, B)
    near = town.distances_from(a, max_m=150.0)
    assert set(near) == {a, b}
    assert near[b] == pytest.approx(distance_m(*A, *B))
    # Who can drive TO X? Everything connected to C; X cannot drive anywhere.
    x = n(town, X)
    assert town.distances_from(x, oneway=True) == {x: 0.0}
    to_x = town.distances_from(x, oneway=True, reverse=True)
    assert set(to_x) == {n(town, c) for c in (A, B, C, D, E, F, X)}
    assert to_x[n(town, E)] == pytest.approx(distance_m(*E, *X))


def test_nearest_node(town):
    assert town.nearest_node(D[0] + 0.0001, D[1] + 0.0001) == n(town, D)
    assert town.nearest_node(112.0104, 32.0099) == n(town, G)
    assert town.nearest_nodes([A[0], H[0]], [A[1] - 0.0002, H[1]]).tolist() == [n(town, A), n(town, H)]


def test_nodes_within(town):
    inside = town.nodes_within(box(111.9995, 31.9995, 112.0015, 32.0015))
    assert sorted(inside) == sorted(n(town, c) for c in (A, B, D))


def test_random_walk_follows_edges_and_turns_back_only_at_dead_ends(town):
    walk = town.random_walk(n(town, A), 3000.0, random.Random(7), oneway=False)
    assert walk == town.random_walk(n(town, A), 3000.0, random.Random(7), oneway=False)
    assert town.path_length(walk) >= 3000.0
    for prev, here, nxt in zip(walk, walk[1:], walk[2:]):
        assert nxt in town.neighbors(here, oneway=False)
        if nxt == prev:
            assert len(town.neighbors(here, oneway=False)) == 1
    # Kept to the allowed nodes while it can.
    allowed = {n(town, c) for c in (A, B, D)}
    assert set(town.random_walk(n(town, B), 2000.0, random.Random(1), oneway=False, allowed=allowed)) <= allowed
    # A one-way dead end ends the walk.
    assert town.random_walk(n(town, X), 500.0, random.Random(1), oneway=True) == [n(town, X)]


def test_bad_geometry_and_empty_network():
    with pytest.raises(ValueError):
        RoadNetwork.from_features([LayerFeature("streets", "P", "P", {"type": "Point", "coordinates": A}, A + A)])
    with pytest.raises(ValueError):
        RoadNetwork().nearest_node(*A)


def test_demo_streets_form_one_connected_network():
    data = json.loads(resources.files("resources").joinpath("demo", "streets.geojson").read_text(encoding="utf-8"))
    streets = [street(f["properties"]["code"], f["geometry"]["coordinates"], f["properties"]["oneway"])
               for f in data["features"]]
    net = RoadNetwork.from_features(streets)
    assert len(net.distances_from(0, oneway=True)) == len(net)
    assert len(net.distances_from(0, oneway=True, reverse=True)) == len(net)
