import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import CRS, Transformer

from core.crs import (
    CHINA_BBOX,
    CrsError,
    bd09_to_gcj02,
    bd09_to_wgs84,
    crs_bounds,
    gauss_kruger_zone_epsg,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    in_china,
    metric_transformer,
    parse_crs,
    shift_for_basemap,
    to_wgs84_transformer,
    unshift_from_basemap,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from core.geodesy import distance_m

# (wgs lon, wgs lat, gcj lon, gcj lat) from googollee/eviltransform's test suite.
GCJ_REFERENCE = [
    (121.5272106, 31.1774276, 121.531541859215, 31.17530398364597),  # Shanghai
    (113.912316, 22.543847, 113.9171764808363, 22.540796131694766),  # Shenzhen
    (116.377817, 39.911954, 116.38404722455657, 39.91334545536069),  # Beijing
]

# Points comfortably inside the bbox, so the shifted image (< ~0.01 deg away)
# stays inside it too and the round trip is well defined.
china_lons = st.floats(min_value=73.0, max_value=137.0)
china_lats = st.floats(min_value=1.0, max_value=55.0)


@pytest.mark.parametrize("wlon, wlat, glon, glat", GCJ_REFERENCE)
def test_wgs84_to_gcj02_matches_published_values(wlon, wlat, glon, glat):
    lon, lat = wgs84_to_gcj02(wlon, wlat)
    assert lon == pytest.approx(glon, abs=1e-9)
    assert lat == pytest.approx(glat, abs=1e-9)


@pytest.mark.parametrize("wlon, wlat, glon, glat", GCJ_REFERENCE)
def test_gcj02_to_wgs84_recovers_published_values(wlon, wlat, glon, glat):
    assert distance_m(*gcj02_to_wgs84(glon, glat), wlon, wlat) < 0.05


def test_wgs84_to_gcj02_wandergis_example():
    # wandergis/coordtransform README: wgs84togcj02(116.404, 39.915).
    lon, lat = wgs84_to_gcj02(116.404, 39.915)
    assert lon == pytest.approx(116.41024449916938, abs=1e-9)
    assert lat == pytest.approx(39.91640428150164, abs=1e-9)


def test_gcj02_to_bd09_wandergis_example():
    # wandergis/coordtransform README: gcj02tobd09(116.404, 39.915).
    lon, lat = gcj02_to_bd09(116.404, 39.915)
    assert lon == pytest.approx(116.41036949371029, abs=1e-9)
    assert lat == pytest.approx(39.92133699351021, abs=1e-9)


def test_dengzhou_offset_is_about_600_m():
    lon, lat = wgs84_to_gcj02(112.08, 32.68)
    assert 500.0 < distance_m(112.08, 32.68, lon, lat) < 700.0


@pytest.mark.parametrize("func", [wgs84_to_gcj02, gcj02_to_wgs84, wgs84_to_bd09,
                                  bd09_to_wgs84, gcj02_to_bd09, bd09_to_gcj02])
@pytest.mark.parametrize("lon, lat", [(2.3522, 48.8566), (-74.006, 40.7128), (151.2, -33.9)])
def test_no_shift_outside_china(func, lon, lat):
    assert func(lon, lat) == (lon, lat)


def test_in_china():
    assert in_china(112.08, 32.68)
    assert not in_china(2.3522, 48.8566)
    assert in_china(CHINA_BBOX[0], CHINA_BBOX[1])
    assert not in_china(CHINA_BBOX[2] + 1e-6, 30.0)


def test_bd09_inverse_beats_closed_form_approximation():
    # At this point the closed-form inverse is 0.13 m off; ours must be < 1 cm.
    glon, glat = 112.905, 33.2075
    back = bd09_to_gcj02(*gcj02_to_bd09(glon, glat))
    assert distance_m(*back, glon, glat) < 0.01


@settings(deadline=None)
@given(china_lons, china_lats)
def test_gcj02_round_trip_within_half_metre(lon, lat):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert distance_m(*back, lon, lat) < 0.5


@settings(deadline=None)
@given(china_lons, china_lats)
def test_bd09_round_trip_within_half_metre(lon, lat):
    back = bd09_to_wgs84(*wgs84_to_bd09(lon, lat))
    assert distance_m(*back, lon, lat) < 0.5


@settings(deadline=None)
@given(china_lons, china_lats)
def test_shift_is_real_inside_china(lon, lat):
    # Guards against a round trip passing because both directions are identity.
    assert distance_m(*wgs84_to_gcj02(lon, lat), lon, lat) > 1.0


@settings(deadline=None)
@given(st.floats(min_value=-180.0, max_value=180.0), st.floats(min_value=-90.0, max_value=90.0))
def test_identity_outside_china(lon, lat):
    if in_china(lon, lat):
        return
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)
    assert wgs84_to_bd09(lon, lat) == (lon, lat)
    assert bd09_to_wgs84(lon, lat) == (lon, lat)


@pytest.mark.parametrize("text, expected", [
    ("EPSG:4326", "EPSG:4326"), ("epsg:4326", "EPSG:4326"), ("wgs84", "EPSG:4326"),
    ("WGS84", "EPSG:4326"), (" WGS-84 ", "EPSG:4326"),
    ("urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4326"),
    ("EPSG:4490", "EPSG:4490"), ("cgcs2000", "EPSG:4490"), ("CGCS2000", "EPSG:4490"),
    ("gcj02", "gcj02"), ("GCJ02", "gcj02"), ("gcj-02", "gcj02"), ("GCJ-02", "gcj02"),
    ("bd09", "bd09"), ("BD09", "bd09"), ("bd-09", "bd09"),
    ("EPSG:4546", "EPSG:4546"), ("epsg:32649", "EPSG:32649"),
    ("urn:ogc:def:crs:EPSG::4546", "EPSG:4546"),
])
def test_parse_crs_aliases(text, expected):
    assert parse_crs(text) == expected


@pytest.mark.parametrize("text", ["", "mars", "EPSG:", "EPSG:99999", "EPSG:4326x",
                                  "EPSG:5773",  # vertical (EGM96 height)
                                  "EPSG:4978",  # geocentric
                                  "+proj=longlat"])
def test_parse_crs_rejects_unknown(text):
    with pytest.raises(CrsError) as info:
        parse_crs(text)
    assert repr(text) in str(info.value)


def test_crs_error_is_value_error():
    with pytest.raises(ValueError):
        parse_crs("nope")


def test_crs_bounds_geographic_and_shifted():
    assert crs_bounds("EPSG:4326") == (-180.0, -90.0, 180.0, 90.0)
    assert crs_bounds("cgcs2000") == (-180.0, -90.0, 180.0, 90.0)
    assert crs_bounds("gcj02") == CHINA_BBOX
    assert crs_bounds("bd09") == CHINA_BBOX


def test_crs_bounds_projected_gk_zone():
    minx, miny, maxx, maxy = crs_bounds("EPSG:4546")
    to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4546", always_xy=True)
    # Dengzhou lies well inside; the central meridian maps to x = 500 km.
    x, y = to_gk.transform(112.08, 32.68)
    assert minx < x < maxx and miny < y < maxy
    assert minx < 500_000.0 < maxx
    # Plain lon/lat numbers mistaken for GK metres must fall outside.
    assert not (minx <= 112.08 <= maxx and miny <= 32.68 <= maxy)
    # Shanghai (CM 120E zone) is far outside CM 111E's area of use.
    x, y = to_gk.transform(121.47, 31.23)
    assert not minx <= x <= maxx


def test_to_wgs84_transformer_identity_and_shifted():
    assert to_wgs84_transformer("EPSG:4326")(112.08, 32.68) == (112.08, 32.68)
    assert to_wgs84_transformer("cgcs2000")(112.08, 32.68) == (112.08, 32.68)
    glon, glat = wgs84_to_gcj02(112.08, 32.68)
    assert distance_m(*to_wgs84_transformer("GCJ-02")(glon, glat), 112.08, 32.68) < 0.05
    blon, blat = wgs84_to_bd09(112.08, 32.68)
    assert distance_m(*to_wgs84_transformer("bd09")(blon, blat), 112.08, 32.68) < 0.05


def test_to_wgs84_transformer_gauss_kruger():
    # On the central meridian, GK northing equals the meridian arc length,
    # which a geodesic along the meridian gives independently of PROJ's TM code.
    northing = distance_m(111.0, 0.0, 111.0, 30.0)
    lon, lat = to_wgs84_transformer("EPSG:4546")(500_000.0, northing)
    assert lon == pytest.approx(111.0, abs=1e-9)
    assert lat == pytest.approx(30.0, abs=1e-8)
    # Off the meridian: Dengzhou as projected by pyproj (WGS84 -> EPSG:4546).
    assert to_wgs84_transformer("EPSG:4546")(601294.757, 3617775.040) == pytest.approx((112.08, 32.68), abs=1e-7)


def test_to_wgs84_transformer_rejects_unknown():
    with pytest.raises(CrsError):
        to_wgs84_transformer("mars")


@pytest.mark.parametrize("lon, epsg, cm", [
    (72.5, 4534, 75), (75.0, 4534, 75), (76.4, 4534, 75), (76.6, 4535, 78),
    (109.5, 4546, 111),  # zone edge rounds half up (banker's round() would give 108)
    (111.0, 4546, 111), (112.08, 4546, 111), (112.49, 4546, 111),
    (112.5, 4547, 114),  # round(112.5 / 3) = round(37.5) -> zone 38, CM 114
    (116.4, 4548, 117), (121.47, 4549, 120), (122.0, 4550, 123), (135.0, 4554, 135), (137.8, 4554, 135),
])
def test_gauss_kruger_zone_epsg(lon, epsg, cm):
    assert gauss_kruger_zone_epsg(lon) == epsg
    crs = CRS.from_epsg(epsg)
    assert "CGCS2000 / 3-degree Gauss-Kruger CM" in crs.name
    params = {p.name: p.value for p in crs.coordinate_operation.params}
    assert params["Longitude of natural origin"] == cm
    assert params["False easting"] == 500_000.0


@pytest.mark.parametrize("lon", [0.0, 60.0, 140.0, math.nan])
def test_gauss_kruger_zone_rejects_outside_china(lon):
    with pytest.raises(ValueError):
        gauss_kruger_zone_epsg(lon)


def test_metric_transformer_round_trip_and_scale():
    fwd, inv = metric_transformer(112.08)
    x, y = fwd(112.08, 32.68)
    assert x == pytest.approx(601294.757, abs=0.01)
    assert y == pytest.approx(3617775.040, abs=0.01)
    assert inv(x, y) == pytest.approx((112.08, 32.68), abs=1e-9)
    # Near the central meridian GK scale is ~1: planar and geodesic agree.
    x2, y2 = fwd(112.09, 32.69)
    planar = math.hypot(x2 - x, y2 - y)
    assert planar == pytest.approx(distance_m(112.08, 32.68, 112.09, 32.69), rel=2e-4)


def test_metric_transformer_picks_zone_from_longitude():
    fwd, _ = metric_transformer(121.47)  # Shanghai -> CM 120E
    x, _ = fwd(120.0, 31.0)
    assert x == pytest.approx(500_000.0, abs=1e-6)


@pytest.mark.parametrize("basemap", ["wgs84", "EPSG:4326", "cgcs2000"])
def test_basemap_wgs84_is_identity(basemap):
    assert shift_for_basemap(112.08, 32.68, basemap) == (112.08, 32.68)
    assert unshift_from_basemap(112.08, 32.68, basemap) == (112.08, 32.68)


def test_basemap_gcj02_and_bd09():
    assert shift_for_basemap(112.08, 32.68, "gcj02") == wgs84_to_gcj02(112.08, 32.68)
    assert shift_for_basemap(112.08, 32.68, "bd09") == wgs84_to_bd09(112.08, 32.68)
    for basemap in ("gcj02", "bd09"):
        drawn = shift_for_basemap(112.08, 32.68, basemap)
        assert distance_m(*drawn, 112.08, 32.68) > 500.0
        back = unshift_from_basemap(*drawn, basemap)
        assert distance_m(*back, 112.08, 32.68) < 0.05


def test_basemap_rejects_projected():
    with pytest.raises(CrsError):
        shift_for_basemap(112.08, 32.68, "EPSG:4546")


def test_shift_geometry_moves_every_vertex_and_leaves_wgs84_alone():
    from core.crs import shift_for_basemap, shift_geometry

    line = {"type": "LineString", "coordinates": [[112.08, 32.68], [112.09, 32.69]]}
    assert shift_geometry(line, "wgs84") is line
    shifted = shift_geometry(line, "gcj02")
    assert shifted["type"] == "LineString"
    assert shifted["coordinates"] == [list(shift_for_basemap(x, y, "gcj02")) for x, y in line["coordinates"]]
    assert shifted["coordinates"][0] != line["coordinates"][0]


def test_each_thread_has_its_own_transformers():
    """pyproj objects crash the process when shared between threads; the desktop's background
    workers transform what the GUI thread already has."""
    import threading

    from core.crs import metric_transformer

    here = metric_transformer(112.08)[0]
    there: list = []
    worker = threading.Thread(target=lambda: there.append((metric_transformer(112.08)[0],
                                                           metric_transformer(112.08)[0](112.08, 32.68))))
    worker.start()
    worker.join()
    (theirs, xy), = there
    assert theirs is not here and metric_transformer(112.08)[0] is here  # cached per thread
    assert xy == here(112.08, 32.68)
