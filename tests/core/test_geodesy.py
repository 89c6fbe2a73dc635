import math

import numpy as np
import pytest

from core.geodesy import bbox_of, distance_m, distances_m


def _dms(d, m, s):
    return d + m / 60.0 + s / 3600.0


def test_one_degree_of_latitude_at_equator():
    # Published as 110 574.4 m; tolerance covers that rounding.
    assert distance_m(0.0, 0.0, 0.0, 1.0) == pytest.approx(110574.4, abs=0.05)


def test_one_degree_of_longitude_on_equator_is_exact_arc():
    # The equator is a circle of radius a: a * pi / 180 exactly.
    assert distance_m(0.0, 0.0, 1.0, 0.0) == pytest.approx(6378137.0 * math.pi / 180.0, abs=1e-6)


def test_wgs84_meridian_quadrant():
    # Equator to pole along a meridian on WGS84: 10 001 965.729 m.
    assert distance_m(10.0, 0.0, 10.0, 90.0) == pytest.approx(10001965.729, abs=0.001)


def test_flinders_peak_to_buninyong():
    # Geoscience Australia's classic Vincenty example: 54 972.271 m on GRS80.
    # GRS80 and WGS84 flattening differ by ~1e-11, far below the 1 mm tolerance.
    d = distance_m(_dms(144, 25, 29.52440), -_dms(37, 57, 3.72030),
                   _dms(143, 55, 35.38390), -_dms(37, 39, 10.15610))
    assert d == pytest.approx(54972.271, abs=0.001)


def test_distance_is_zero_for_same_point_and_symmetric():
    assert distance_m(112.08, 32.68, 112.08, 32.68) == 0.0
    a = distance_m(112.08, 32.68, 112.2, 32.5)
    assert a == pytest.approx(distance_m(112.2, 32.5, 112.08, 32.68), abs=1e-9)
    assert a > 20_000.0


def test_distances_m_matches_scalar():
    lons = np.array([112.08, 112.1, 112.2, 111.9, 0.0])
    lats = np.array([32.68, 32.7, 32.5, 32.9, 0.0])
    got = distances_m(112.0, 32.6, lons, lats)
    assert isinstance(got, np.ndarray) and got.shape == (5,)
    expected = [distance_m(112.0, 32.6, lo, la) for lo, la in zip(lons, lats)]
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_distances_m_keeps_shape_and_accepts_lists():
    got = distances_m(0.0, 0.0, [[0.0, 1.0], [0.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]])
    assert got.shape == (2, 2)
    assert got[0, 1] == pytest.approx(111319.49079327357, abs=1e-6)
    assert got[1, 0] == 0.0


def test_distances_m_empty_and_mismatch():
    assert distances_m(0.0, 0.0, [], []).shape == (0,)
    with pytest.raises(ValueError):
        distances_m(0.0, 0.0, [1.0, 2.0], [1.0])


def test_bbox_of_geojson_shapes():
    assert bbox_of([112.08, 32.68]) == (112.08, 32.68, 112.08, 32.68)
    assert bbox_of([[1.0, 2.0], [3.0, -1.0]]) == (1.0, -1.0, 3.0, 2.0)
    polygon_with_hole = [
        [[0, 0], [10, 0], [10, 5], [0, 5], [0, 0]],
        [[2, 2], [3, 2], [3, 3], [2, 2]],
    ]
    assert bbox_of(polygon_with_hole) == (0.0, 0.0, 10.0, 5.0)
    multipolygon = [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[-5, 7], [-4, 7], [-4, 8], [-5, 7]]]]
    assert bbox_of(multipolygon) == (-5.0, 0.0, 1.0, 8.0)


def test_bbox_of_ignores_z_and_accepts_tuples():
    assert bbox_of(((1.0, 2.0, 900.0), (3.0, 4.0, -50.0))) == (1.0, 2.0, 3.0, 4.0)


def test_bbox_of_accepts_numpy_scalars():
    assert bbox_of([[np.float64(1.5), np.int64(2)], [3, 4]]) == (1.5, 2.0, 3.0, 4.0)


@pytest.mark.parametrize("coords", [[], [[]], [[[]], []]])
def test_bbox_of_empty_raises(coords):
    with pytest.raises(ValueError):
        bbox_of(coords)
