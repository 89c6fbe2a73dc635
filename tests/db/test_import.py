"""`db import`: good files land, any bad feature rejects the whole file and writes nothing."""
import json
from datetime import timedelta

import pytest
import shapefile
from sqlalchemy import func, select

from core.crs import wgs84_to_gcj02
from core.feature_validation import FeatureError
from db.engine import session_factory
from db.importer import ImportFileError, import_file
from db.models import AuditLog, KeyTarget, MustVisitPoint, Station
from db.places_repo import load_layer


def _write(tmp_path, features, name="layer.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False), encoding="utf-8")
    return path


def _point(lon, lat, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def _count(engine, model):
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_good_geojson_lands_and_is_placed_in_its_grid(seeded, engine, tmp_path):
    path = _write(tmp_path, [_point(112.0805, 32.6805, name="测试学校", category="school", code="TX1")])
    result = import_file(seeded, path, "targets")
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    with session_factory(engine)() as s:
        features = {f.code: f for f in load_layer(s, "targets")}
    assert features["TX1"].name == "测试学校"
    assert features["TX1"].grid_code is not None


def test_reimporting_the_same_file_changes_nothing(runner, engine, tmp_path):
    path = _write(tmp_path, [_point(112.08, 32.68, name="无编号站", kind="police_station")])
    assert import_file(runner, path, "stations").created == 1
    audits = _count(engine, AuditLog)
    result = import_file(runner, path, "stations")
    assert (result.created, result.unchanged) == (0, 1)
    assert _count(engine, Station) == 1
    assert _count(engine, AuditLog) == audits


def test_gcj02_input_is_reprojected_to_wgs84(runner, engine, tmp_path):
    lon, lat = 112.08, 32.68
    glon, glat = wgs84_to_gcj02(lon, lat)
    path = _write(tmp_path, [_point(glon, glat, name="火星坐标点", code="PG1")])
    import_file(runner, path, "points", crs="gcj02")
    with session_factory(engine)() as s:
        row = s.scalar(select(MustVisitPoint).where(MustVisitPoint.code == "PG1"))
    assert row.geometry["coordinates"] == pytest.approx([lon, lat], abs=5e-6)
    assert row.source_crs == "gcj02"


def test_projected_crs_input(runner, engine, tmp_path):
    # (500000, 3617000) in CGCS2000 / 3-degree GK CM 111E is near 111.0E 32.7N.
    path = _write(tmp_path, [_point(500000.0, 3617000.0, name="投影点", category="hospital", code="TP1")])
    import_file(runner, path, "targets", crs="EPSG:4546")
    with session_factory(engine)() as s:
        row = s.scalar(select(KeyTarget).where(KeyTarget.code == "TP1"))
    lon, lat = row.geometry["coordinates"]
    assert lon == pytest.approx(111.0, abs=1e-6)
    assert 32.6 < lat < 32.8


def test_shapefile_import(runner, engine, tmp_path):
    base = tmp_path / "stations"
    with shapefile.Writer(str(base), shapeType=shapefile.POINT, encoding="utf-8") as w:
        w.field("name", "C", 50)
        w.field("kind", "C", 32)
        w.field("code", "C", 16)
        w.point(112.081, 32.681)
        w.record("城关派出所", "police_station", "SHP1")
        w.point(112.085, 32.683)
        w.record("二网格服务站", "joint_service_station", "SHP2")
    result = import_file(runner, base.with_suffix(".shp"), "stations")
    assert result.created == 2
    with session_factory(engine)() as s:
        names = {f.code: (f.name, f.kind) for f in load_layer(s, "stations")}
    assert names == {"SHP1": ("城关派出所", "police_station"), "SHP2": ("二网格服务站", "joint_service_station")}


BAD_FEATURES = [
    ({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[112.0, 32.0], [112.1, 32.1]]},
      "properties": {"name": "x", "kind": "police_station"}}, "geometry type LineString"),
    (_point(112.08, 32.68, kind="police_station"), "missing required property 'name'"),
    (_point(112.08, 32.68, name="x", kind="castle"), "property 'kind'"),
    (_point(212.08, 32.68, name="x", kind="police_station"), "outside the bounds"),
    ({"type": "Feature", "geometry": None, "properties": {"name": "x", "kind": "police_station"}}, "no geometry"),
    (_point(float("nan"), 32.68, name="x", kind="police_station"), "finite"),
]


@pytest.mark.parametrize("bad, reason", BAD_FEATURES)
def test_one_bad_feature_rejects_the_whole_file(runner, engine, tmp_path, bad, reason):
    good = _point(112.08, 32.68, name="好的", kind="police_station", code="OK1")
    path = _write(tmp_path, [good, good | {"properties": {**good["properties"], "code": "OK2"}}, bad])
    before = (_count(engine, Station), _count(engine, AuditLog))
    with pytest.raises(FeatureError) as info:
        import_file(runner, path, "stations")
    assert info.value.index == 2
    assert reason in str(info.value)
    assert (_count(engine, Station), _count(engine, AuditLog)) == before


def test_self_intersecting_grid_is_rejected(runner, engine, tmp_path):
    bowtie = {"type": "Feature", "properties": {"name": "坏网格"}, "geometry": {"type": "Polygon", "coordinates": [
        [[112.0, 32.0], [112.1, 32.1], [112.1, 32.0], [112.0, 32.1], [112.0, 32.0]]]}}
    with pytest.raises(FeatureError, match="feature 0: invalid geometry: Self-intersection"):
        import_file(runner, _write(tmp_path, [bowtie]), "grids")


def test_gcj02_coordinates_outside_china_are_rejected(runner, tmp_path):
    with pytest.raises(FeatureError, match="outside the bounds"):
        import_file(runner, _write(tmp_path, [_point(2.35, 48.85, name="巴黎")]), "points", crs="gcj02")


def test_broken_files_get_a_specific_error(runner, tmp_path):
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(ImportFileError, match="invalid JSON at line 1"):
        import_file(runner, broken, "points")
    with pytest.raises(ImportFileError, match="no such file"):
        import_file(runner, tmp_path / "missing.geojson", "points")
    not_shp = tmp_path / "fake.shp"
    not_shp.write_bytes(b"not a shapefile at all")
    with pytest.raises(ImportFileError, match="missing fake.shx and fake.dbf"):
        import_file(runner, not_shp, "points")
    for ext in (".shx", ".dbf"):
        not_shp.with_suffix(ext).write_bytes(b"garbage")
    with pytest.raises(ImportFileError, match="cannot read the shapefile"):
        import_file(runner, not_shp, "points")


def test_changing_a_point_keeps_its_history(runner, engine, tmp_path):
    path = _write(tmp_path, [_point(112.08, 32.68, name="校门", code="PV1", radius_m=50)])
    import_file(runner, path, "points")
    with session_factory(engine)() as s:
        first = s.scalar(select(MustVisitPoint).where(MustVisitPoint.code == "PV1"))
    path = _write(tmp_path, [_point(112.08, 32.68, name="校门", code="PV1", radius_m=80)])
    assert import_file(runner, path, "points").updated == 1
    with session_factory(engine)() as s:
        rows = s.scalars(select(MustVisitPoint).where(MustVisitPoint.code == "PV1").order_by(MustVisitPoint.revision)).all()
        assert [r.revision for r in rows] == [1, 2]
        assert rows[0].valid_to is not None and rows[1].valid_to is None
        now_features = load_layer(s, "points")
        past_features = load_layer(s, "points", at=rows[0].valid_to - timedelta(microseconds=1))
    assert [f.properties["radius_m"] for f in now_features] == [80]
    assert [f.properties["radius_m"] for f in past_features] == [50]
    assert first.valid_from <= rows[0].valid_to
