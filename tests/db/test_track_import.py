"""`gridcommand track import` (GPX 1.0/1.1 and CSV) on both databases: refused whole with a
one-line reason, re-import adds nothing, imported fixes never move a live unit back,
tracks anywhere on Earth, audited through the operation runner."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.fixes import Fix
from db.engine import session_factory
from db.models import AuditLog, Device, Position, Unit, UnitLastPosition
from db.positions_repo import store_fixes
from db.track_import import TrackImportError, parse_track
from gridcommand.cli import main

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)

GPX11_GARMIN = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="Garmin Connect" xmlns="http://www.topografix.com/GPX/1/1"
     xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
 <rte><name>plan</name><rtept lat="32.6" lon="112.0"/></rte>
 <trk><name>Morning</name><trkseg>
  <trkpt lat="51.5007" lon="-0.1246"><ele>12.0</ele><time>2025-03-01T08:00:00Z</time>
   <extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>120</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions>
  </trkpt>
  <trkpt lat="51.5010" lon="-0.1240"><time>2025-03-01T08:00:10Z</time></trkpt>
 </trkseg><trkseg>
  <trkpt lat="51.5020" lon="-0.1230"><time>2025-03-01T08:00:20Z</time></trkpt>
 </trkseg></trk>
</gpx>
"""
GPX10 = """<?xml version="1.0"?>
<gpx version="1.0" creator="old" xmlns="http://www.topografix.com/GPX/1/0">
 <trk><trkseg>
  <trkpt lat="-33.8568" lon="151.2153"><time>2025-03-01T08:00:00Z</time><speed>1.5</speed></trkpt>
  <trkpt lat="-33.8570" lon="151.2160"><time>2025-03-01T08:00:05Z</time></trkpt>
 </trkseg></trk>
</gpx>
"""
CSV = "time,lat,lon,accuracy_m,speed_mps\n2025-03-01T08:00:00Z,32.68,112.08,5,1.2\n" \
      "2025-03-01T16:00:30+08:00,32.681,112.081,,\n"


def cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def unit(engine) -> int:
    with session_factory(engine)() as s:
        u = Unit(callsign="巡组1", name="巡组1", agency="joint", force="grid_patrol", tier=1, status="available",
                 created_at=T0)
        s.add(u)
        s.flush()
        s.add(Device(device_id="PH-1", unit_id=u.id, kind="phone", active=True, created_at=T0))
        s.commit()
        return u.id


def _positions(engine, device):
    with session_factory(engine)() as s:
        return s.execute(select(Position.fix_time, Position.lat, Position.lon, Position.protocol)
                         .where(Position.device_id == device).order_by(Position.fix_time)).all()


def test_gpx_1_1_with_extensions_and_a_route_imports_tracks_and_reimport_adds_nothing(engine, db_url, unit, capsys,
                                                                                         tmp_path):
    path = tmp_path / "london.gpx"
    path.write_text(GPX11_GARMIN, encoding="utf-8")
    code, out, err = cli(capsys, "track", "import", str(path), "--device", "GPX-9", "--unit", "巡组1", "--db", db_url)
    assert code == 0, err
    assert out.splitlines()[0].startswith("3 of 3 fixes added to GPX-9 (巡组1) from london.gpx (GPX 1.1")
    assert "note: 1 route(s) ignored" in out
    rows = _positions(engine, "GPX-9")
    assert [(r.lat, r.lon, r.protocol) for r in rows] == [(51.5007, -0.1246, "gpx"), (51.501, -0.124, "gpx"),
                                                          (51.502, -0.123, "gpx")]
    assert rows[0].fix_time == T0
    code, out, _ = cli(capsys, "track", "import", str(path), "--device", "GPX-9", "--db", db_url)
    assert code == 0 and out.startswith("0 of 3 fixes added") and "3 already stored" in out
    assert len(_positions(engine, "GPX-9")) == 3
    with session_factory(engine)() as s:
        audits = s.execute(select(AuditLog.operation, AuditLog.entity, AuditLog.after).order_by(AuditLog.id)).all()
    assert [(a.operation, a.entity) for a in audits] == [("import track london.gpx", "devices"),
                                                         ("import track london.gpx", "positions"),
                                                         ("import track london.gpx", "positions")]
    assert audits[1].after["added"] == 3 and audits[2].after["added"] == 0


def test_gpx_1_0_and_csv_are_read(engine, db_url, unit, capsys, tmp_path):
    (tmp_path / "sydney.gpx").write_text(GPX10, encoding="utf-8")
    (tmp_path / "walk.csv").write_text(CSV, encoding="utf-8")
    code, out, _ = cli(capsys, "track", "import", str(tmp_path / "sydney.gpx"), "--device", "PH-1", "--db", db_url)
    assert code == 0 and "(GPX 1.0," in out
    code, out, _ = cli(capsys, "track", "import", str(tmp_path / "walk.csv"), "--device", "PH-1", "--db", db_url)
    assert code == 0 and out.startswith("1 of 2 fixes added")  # 08:00:00Z is already there from the GPX
    rows = _positions(engine, "PH-1")
    assert [(r.fix_time - T0).total_seconds() for r in rows] == [0, 5, 30]
    with session_factory(engine)() as s:
        speed = s.scalar(select(Position.speed_mps).where(Position.device_id == "PH-1", Position.fix_time == T0))
    assert speed == 1.5


@pytest.mark.parametrize("text,reason", [
    (GPX10.replace("<time>2025-03-01T08:00:05Z</time>", ""), "point 2 (track 1, segment 1) has no time"),
    (GPX10.replace('lat="-33.8570"', 'lat="-93.8570"'), "point 2: latitude -93.857 is out of range"),
    ("time,lat,lon\n2025-03-01T08:00:00Z,32.68,190\n", "point 1: longitude 190.0 is out of range"),
    ("time,lat,lon\n,32.68,112.08\n", "row 2: time is empty"),
    ("time,lat,lon\n2025-03-01T08:00:00,32.68,112.08\n", "row 2: time '2025-03-01T08:00:00' has no UTC offset"),
    ("name,x,y\na,1,2\n", "not a GPX or CSV track"),
    ('<?xml version="1.0"?><kml></kml>', "not a GPX or CSV track: an XML file without a <gpx> root"),
    ("<gpx version='1.1'><trk><trkseg><trkpt lat='1'", "not valid GPX"),
    ('<gpx version="1.1" xmlns="http://www.topografix.com/GPX/1/1"><rte><rtept lat="1" lon="2"/></rte></gpx>',
     "GPX 1.1 file has no track points"),
])
def test_bad_files_are_refused_whole_with_one_line(engine, db_url, unit, capsys, tmp_path, text, reason):
    path = tmp_path / "bad.gpx"
    path.write_text(text, encoding="utf-8")
    code, out, err = cli(capsys, "track", "import", str(path), "--device", "PH-1", "--db", db_url)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and reason in err, err
    assert _positions(engine, "PH-1") == []


def test_a_binary_file_is_refused(tmp_path):
    path = tmp_path / "photo.jpg"
    path.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00")
    from db.track_import import read_track

    with pytest.raises(TrackImportError, match="not a GPX or CSV track: the file is not UTF-8 text"):
        read_track(path)


def test_unknown_device_needs_a_unit_and_a_device_of_another_unit_is_refused(engine, db_url, unit, capsys, tmp_path):
    path = tmp_path / "walk.csv"
    path.write_text(CSV, encoding="utf-8")
    code, _, err = cli(capsys, "track", "import", str(path), "--device", "NEW-1", "--db", db_url)
    assert code == 2 and "unknown device 'NEW-1'; give --unit CALLSIGN" in err
    with session_factory(engine)() as s:
        s.add(Unit(callsign="特警1", name="特警1", agency="police", force="swat", tier=2, status="available",
                   created_at=T0))
        s.commit()
    code, _, err = cli(capsys, "track", "import", str(path), "--device", "PH-1", "--unit", "特警1", "--db", db_url)
    assert code == 2 and "device 'PH-1' belongs to 巡组1, not '特警1'" in err
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Position)) == 0
        assert s.scalar(select(func.count()).select_from(AuditLog)) == 0


def test_imported_history_never_moves_a_unit_with_a_newer_live_fix(engine, db_url, unit, capsys, tmp_path):
    live = T0 + timedelta(hours=2)
    with session_factory(engine)() as s:
        store_fixes(s, [Fix("PH-1", 32.7, 112.1, live)], live)
        s.commit()
    path = tmp_path / "walk.csv"
    path.write_text(CSV, encoding="utf-8")
    assert cli(capsys, "track", "import", str(path), "--device", "PH-1", "--db", db_url)[0] == 0
    with session_factory(engine)() as s:
        last = s.get(UnitLastPosition, unit)
    assert (last.fix_time, last.lat, last.lon) == (live, 32.7, 112.1)
    assert len(_positions(engine, "PH-1")) == 3


def test_points_repeating_a_time_keep_the_first():
    track = parse_track("time,lat,lon\n2025-03-01T08:00:00Z,1,2\n2025-03-01T08:00:00Z,3,4\n")
    assert [(p["lat"], p["lon"]) for p in track.points] == [(1.0, 2.0)]
    assert "1 point(s) repeating an earlier time ignored" in track.notes
