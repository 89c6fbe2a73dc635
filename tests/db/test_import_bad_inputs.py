"""`db import` with the inputs real files bring: repeated codes, wrong encodings, odd roots,
GBK shapefile attributes, .prj files, missing parts -- and the command's exit codes.
Whatever is wrong, one clear line names it and nothing is written."""
import json
import os
import subprocess
import sys

import pytest
import shapefile
from pyproj import CRS
from pyproj.enums import WktVersion
from sqlalchemy import func, select

from core.feature_validation import FeatureError
from db.engine import session_factory
from db.importer import ImportFileError, import_file
from db.models import AuditLog, Station
from db.places_repo import load_layer


def _count(engine, model):
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def _nothing_written(engine):
    return (_count(engine, Station), _count(engine, AuditLog)) == (0, 0)


def _point(lon, lat, **props):
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]}, "properties": props}


def _geojson(tmp_path, data, name="layer.geojson", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(json.dumps(data, ensure_ascii=False).encode(encoding))
    return path


def _stations_shp(tmp_path, records, *, encoding="utf-8", cpg=None, prj=None, name="stations"):
    """A point shapefile of stations; ``records`` are (x, y, name, kind, code)."""
    base = tmp_path / name
    with shapefile.Writer(str(base), shapeType=shapefile.POINT, encoding=encoding) as w:
        w.field("name", "C", 50)
        w.field("kind", "C", 32)
        w.field("code", "C", 16)
        for x, y, *rec in records:
            w.point(x, y)
            w.record(*rec)
    for ext, text in ((".cpg", cpg), (".prj", prj)):
        base.with_suffix(ext).unlink(missing_ok=True)
        if text is not None:
            base.with_suffix(ext).write_text(text, encoding="ascii")
    return base.with_suffix(".shp")


def _names(engine):
    with session_factory(engine)() as s:
        return {f.code: f.name for f in load_layer(s, "stations")}


def test_a_code_repeated_within_one_file_rejects_it(runner, engine, tmp_path):
    path = _geojson(tmp_path, {"type": "FeatureCollection", "features": [
        _point(112.08, 32.68, name="甲", kind="police_station", code="S1"),
        _point(112.09, 32.68, name="乙", kind="police_station", code="S2"),
        _point(112.08, 32.69, name="丙", kind="police_station", code="S1")]})
    with pytest.raises(FeatureError) as info:
        import_file(runner, path, "stations")
    assert (info.value.index, str(info.value)) == (2, "feature 2: code 'S1' repeats feature 0")
    assert _nothing_written(engine)


def test_non_utf8_geojson_is_refused_not_guessed(runner, engine, tmp_path):
    path = _geojson(tmp_path, {"type": "FeatureCollection", "features": [
        _point(112.08, 32.68, name="城关派出所", kind="police_station")]}, encoding="gbk")
    with pytest.raises(ImportFileError, match=r"layer.geojson: not UTF-8 text \(GeoJSON must be UTF-8; byte \d+"):
        import_file(runner, path, "stations")
    assert _nothing_written(engine)


@pytest.mark.parametrize("root, named", [
    ([_point(112.08, 32.68, name="x", kind="police_station")], "'list'"),
    ({"type": "Point", "coordinates": [112.08, 32.68]}, "'Point'"),
    ({"type": "FeatureCollection", "features": {"0": "x"}}, "'FeatureCollection'"),
    (42, "'int'"),
])
def test_a_root_that_is_not_a_feature_collection_is_named(runner, engine, tmp_path, root, named):
    with pytest.raises(ImportFileError, match=f"not a GeoJSON FeatureCollection or Feature \\(the root is {named}\\)"):
        import_file(runner, _geojson(tmp_path, root), "stations")
    assert _nothing_written(engine)


GBK_RECORDS = [(112.081, 32.681, "城关派出所", "police_station", "G1"), (112.085, 32.683, "二网格服务站", "joint_service_station", "G2")]
EXPECTED = {"G1": "城关派出所", "G2": "二网格服务站"}


@pytest.mark.parametrize("cpg", ["GBK", "936", "ANSI 936", None])
def test_gbk_shapefile_attributes_read_from_the_cpg_or_by_default(runner, engine, tmp_path, cpg):
    path = _stations_shp(tmp_path, GBK_RECORDS, encoding="gbk", cpg=cpg)
    assert import_file(runner, path, "stations").created == 2
    assert _names(engine) == EXPECTED


def test_utf8_shapefile_without_cpg_still_reads(runner, engine, tmp_path):
    path = _stations_shp(tmp_path, GBK_RECORDS, encoding="utf-8")
    assert import_file(runner, path, "stations").created == 2
    assert _names(engine) == EXPECTED


def test_a_cpg_that_lies_or_is_unknown_is_reported(runner, engine, tmp_path):
    path = _stations_shp(tmp_path, GBK_RECORDS, encoding="gbk", cpg="UTF-8")
    with pytest.raises(ImportFileError, match=r"stations.shp: attributes are not utf-8 \(stations.cpg\)"):
        import_file(runner, path, "stations")
    path = _stations_shp(tmp_path, GBK_RECORDS, encoding="gbk", cpg="KLINGON-1")
    with pytest.raises(ImportFileError, match="stations.cpg: unknown code page 'klingon-1'"):
        import_file(runner, path, "stations")
    assert _nothing_written(engine)


def _esri_wkt(epsg: int) -> str:
    return CRS.from_epsg(epsg).to_wkt(WktVersion.WKT1_ESRI)


def test_the_prj_gives_the_crs_when_none_is_given(runner, engine, tmp_path):
    # (500000, 3617000) in CGCS2000 / 3-degree GK CM 111E is near 111.0E 32.7N.
    path = _stations_shp(tmp_path, [(500000.0, 3617000.0, "投影站", "police_station", "P1")], prj=_esri_wkt(4546))
    result = import_file(runner, path, "stations")
    assert (result.created, result.crs) == (1, "EPSG:4546")
    with session_factory(engine)() as s:
        (feature,) = load_layer(s, "stations")
    lon, lat = feature.geometry["coordinates"]
    assert lon == pytest.approx(111.0, abs=1e-6) and 32.6 < lat < 32.8


def test_a_prj_that_disagrees_with_crs_rejects_the_file(runner, engine, tmp_path):
    path = _stations_shp(tmp_path, [(500000.0, 3617000.0, "投影站", "police_station", "P1")], prj=_esri_wkt(4546))
    with pytest.raises(ImportFileError, match="stations.prj says EPSG:4546 but --crs says EPSG:4326; fix one of them"):
        import_file(runner, path, "stations", crs="EPSG:4326")
    assert _nothing_written(engine)
    # The same CRS spelled another way agrees; GCJ-02 data carry a WGS84 .prj.
    assert import_file(runner, path, "stations", crs="epsg:4546").created == 1
    gcj = _stations_shp(tmp_path, [(112.086, 32.682, "火星站", "police_station", "P2")], prj=_esri_wkt(4326),
                        name="gcj")
    assert import_file(runner, gcj, "stations", crs="gcj02").crs == "gcj02"


def test_an_unidentifiable_prj_asks_for_crs(runner, engine, tmp_path):
    path = _stations_shp(tmp_path, GBK_RECORDS, prj='PROJCS["made up",GEOGCS["nowhere"]]')
    with pytest.raises(ImportFileError, match="stations.prj: cannot identify its coordinate system; give --crs"):
        import_file(runner, path, "stations")
    assert import_file(runner, path, "stations", crs="wgs84").created == 2


@pytest.mark.parametrize("gone, named", [((".dbf",), "missing stations.dbf"), ((".shx",), "missing stations.shx"),
                                         ((".shx", ".dbf"), "missing stations.shx and stations.dbf")])
def test_missing_dbf_or_shx_is_named(runner, engine, tmp_path, gone, named):
    path = _stations_shp(tmp_path, GBK_RECORDS)
    for ext in gone:
        path.with_suffix(ext).unlink()
    with pytest.raises(ImportFileError, match=f"stations.shp: {named} \\(a shapefile is .shp, .shx and .dbf together\\)"):
        import_file(runner, path, "stations")
    assert _nothing_written(engine)


def _cli(tmp_path, *args):
    env = {**os.environ, "GRIDCOMMAND_HOME": str(tmp_path / "home")}
    return subprocess.run([sys.executable, "-m", "gridcommand.cli", "db", "import", *args], capture_output=True,
                          text=True, timeout=120, env=env)


def test_db_import_exit_codes(engine, db_url, tmp_path):
    good = _stations_shp(tmp_path, GBK_RECORDS, encoding="gbk", prj=_esri_wkt(4326))
    done = _cli(tmp_path, str(good), "--layer", "stations", "--db", db_url)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith(f"stations: 2 created, 0 updated, 0 unchanged (2 features from {good}, EPSG:4326)")
    assert _names(engine) == EXPECTED
    audits = _count(engine, AuditLog)

    bad_feature = _geojson(tmp_path, {"type": "FeatureCollection", "features": [
        _point(112.08, 32.68, name="x", kind="castle")]})
    cases = [
        ([str(bad_feature), "--layer", "stations"], 2, "import rejected, nothing was written: "),
        ([str(good), "--layer", "stations", "--crs", "EPSG:4546"], 2, "stations.prj says EPSG:4326 but --crs says EPSG:4546"),
        ([str(good), "--layer", "stations", "--crs", "mars"], 2, "unknown CRS 'mars'"),
        ([str(good), "--layer", "castles"], 2, "invalid choice: 'castles'"),  # argparse
    ]
    for args, code, message in cases:
        done = _cli(tmp_path, *args, "--db", db_url)
        assert done.returncode == code and message in done.stderr, (args, done.returncode, done.stderr)
        lines = done.stderr.strip().splitlines()
        # One line of ours (argparse prints its usage first, then its one error line).
        assert message in lines[-1] and (len(lines) == 1 or lines[0].startswith("usage:")), lines
    assert _count(engine, AuditLog) == audits and _count(engine, Station) == 2
