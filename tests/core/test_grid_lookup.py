import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import MultiPolygon, Point, Polygon, box

from core.grid_lookup import GridIndex, geojson_from_geometry, geometry_from_geojson

# Two adjacent squares sharing the edge x = 112.1; "B" is listed first so that
# the lowest-id rule, not insertion order, decides the shared edge.
WEST = box(112.0, 32.6, 112.1, 32.7)
EAST = box(112.1, 32.6, 112.2, 32.7)


@pytest.fixture
def index():
    return GridIndex([("B-east", EAST), ("A-west", WEST)])


def test_interior_points(index):
    assert index.grid_of(112.05, 32.65) == "A-west"
    assert index.grid_of(112.15, 32.65) == "B-east"


def test_outside_point_is_none(index):
    assert index.grid_of(112.25, 32.65) is None
    assert index.grid_of(0.0, 0.0) is None


def test_shared_edge_resolves_to_lowest_id(index):
    assert index.grid_of(112.1, 32.65) == "A-west"
    assert index.grid_of(112.1, 32.6) == "A-west"  # shared corner


def test_outer_boundary_is_covered(index):
    assert index.grid_of(112.2, 32.65) == "B-east"
    assert index.grid_of(112.0, 32.6) == "A-west"


def test_shared_edge_independent_of_input_order():
    forward = GridIndex([("A-west", WEST), ("B-east", EAST)])
    backward = GridIndex([("B-east", EAST), ("A-west", WEST)])
    assert forward.grid_of(112.1, 32.65) == backward.grid_of(112.1, 32.65) == "A-west"


def test_integer_ids_use_numeric_order():
    index = GridIndex([(10, WEST), (9, EAST)])
    assert index.grid_of(112.1, 32.65) == 9


def test_hole_and_multipolygon():
    ring = Polygon([(0, 0), (4, 0), (4, 4), (0, 4)], [[(1, 1), (3, 1), (3, 3), (1, 3)]])
    islands = MultiPolygon([box(10, 0, 11, 1), box(12, 0, 13, 1)])
    index = GridIndex([("ring", ring), ("islands", islands)])
    assert index.grid_of(0.5, 0.5) == "ring"
    assert index.grid_of(2.0, 2.0) is None  # in the hole
    assert index.grid_of(12.5, 0.5) == "islands"
    assert index.grid_of(11.5, 0.5) is None


def test_invalid_polygon_is_repaired():
    bowtie = Polygon([(0, 0), (2, 2), (2, 0), (0, 2)])
    index = GridIndex([("bowtie", bowtie)])
    assert index.grid_of(0.2, 1.0) == "bowtie"
    assert index.grid_of(1.0, 0.2) is None


def test_rejects_duplicates_and_non_polygons():
    with pytest.raises(ValueError):
        GridIndex([("a", WEST), ("a", EAST)])
    with pytest.raises(TypeError):
        GridIndex([("a", Point(0, 0))])


def test_len_and_ids(index):
    assert len(index) == 2
    assert index.ids == ["A-west", "B-east"]


def test_empty_index():
    index = GridIndex([])
    assert index.grid_of(1.0, 1.0) is None
    assert index.grids_of([1.0], [1.0]) == [None]


def test_grids_of_matches_scalar(index):
    lons = [112.05, 112.15, 112.1, 112.25, 112.1, 112.2, float("nan")]
    lats = [32.65, 32.65, 32.65, 32.65, 32.6, 32.7, 32.65]
    expected = [index.grid_of(lo, la) for lo, la in zip(lons, lats)]
    assert expected == ["A-west", "B-east", "A-west", None, "A-west", "B-east", None]
    assert index.grids_of(lons, lats) == expected
    assert index.grids_of(np.array(lons), np.array(lats)) == expected
    assert index.grids_of([], []) == []


# A 3x3 partition: every point of the covered area belongs to exactly one grid.
PARTITION = [(f"g{i}{j}", box(i, j, i + 1, j + 1)) for i in range(3) for j in range(3)]


@settings(deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 3.5]) | st.floats(-0.5, 3.5),
                          st.sampled_from([0.0, 1.0, 2.0, 3.0, -0.5]) | st.floats(-0.5, 3.5)),
                min_size=1, max_size=50))
def test_partition_exactly_one_grid(points):
    index = GridIndex(PARTITION)
    lons, lats = zip(*points)
    got = index.grids_of(lons, lats)
    for (lon, lat), grid in zip(points, got):
        covering = sorted(gid for gid, geom in PARTITION if geom.covers(Point(lon, lat)))
        assert grid == (covering[0] if covering else None)
        assert grid == index.grid_of(lon, lat)


def test_geojson_round_trip():
    doc = {"type": "Polygon", "coordinates": [[[112.0, 32.6], [112.1, 32.6], [112.1, 32.7], [112.0, 32.6]]]}
    geom = geometry_from_geojson(doc)
    assert isinstance(geom, Polygon) and geom.area == pytest.approx(0.005)
    out = geojson_from_geometry(geom)
    assert out == doc
    assert json.loads(json.dumps(out)) == doc


def test_geometry_from_feature():
    feature = {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1.0, 2.0]}}
    assert geometry_from_geojson(feature).equals(Point(1.0, 2.0))


@pytest.mark.parametrize("bad", [
    {}, {"type": "Mars", "coordinates": [1, 2]}, {"type": "Point"},
    {"type": "Feature", "geometry": None}, None,
])
def test_geometry_from_geojson_rejects_invalid(bad):
    with pytest.raises(ValueError):
        geometry_from_geojson(bad)
