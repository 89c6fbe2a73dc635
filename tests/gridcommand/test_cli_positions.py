"""`gridcommand device|track|units|rejects` (both databases)."""
from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from core.fixes import Fix
from db.engine import session_factory
from db.models import AuditLog, ChangeLog, Device, Grid, Unit
from db.positions_repo import Reject, record_rejects, store_fixes
from gridcommand.cli import main

T0 = datetime(2025, 3, 1, 0, 0, 0, tzinfo=timezone.utc)
GPX = "{http://www.topografix.com/GPX/1/1}"


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def make_units(engine) -> dict[str, int]:
    with session_factory(engine)() as s:
        grid = Grid(code="G02", name="二网格", geometry={"type": "Polygon", "coordinates": []}, min_lon=112, min_lat=32,
                    max_lon=113, max_lat=33, created_at=T0)
        s.add(grid)
        s.flush()
        ids = {}
        for callsign, agency, tier, grid_id in (("巡组1", "joint", 1, grid.id), ("特警1", "police", 2, None)):
            unit = Unit(callsign=callsign, name=callsign, agency=agency, force="grid_patrol", tier=tier,
                        status="available", grid_id=grid_id, created_at=T0)
            s.add(unit)
            s.flush()
            ids[callsign] = unit.id
        s.commit()
    return ids


def test_device_add_list_remove(engine, db_url, capsys):
    make_units(engine)
    code, out, _ = cli(capsys, "device", "add", "CAM-1", "--unit", "巡组1", "--kind", "body_camera", "--agency", "police", "--db", db_url)
    assert code == 0 and "CAM-1 added to 巡组1" in out
    assert cli(capsys, "device", "add", "PH-1", "--unit", "巡组1", "--agency", "city", "--db", db_url)[0] == 0
    code, out, _ = cli(capsys, "device", "add", "PH-1", "--unit", "特警1", "--db", db_url)
    assert code == 0 and "moved from 巡组1 to 特警1" in out
    code, _, err = cli(capsys, "device", "add", "X-1", "--unit", "nobody", "--db", db_url)
    assert code == 2 and "no unit with callsign 'nobody'" in err

    code, out, _ = cli(capsys, "device", "list", "--db", db_url)
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["DEVICE_ID", "UNIT", "AGENCY", "KIND", "ACTIVE"]
    assert [line.split()[:4] for line in lines[1:3]] == [["CAM-1", "巡组1", "police", "body_camera"],
                                                         ["PH-1", "特警1", "police", "phone"]]
    assert lines[-1] == "2 devices"
    code, out, _ = cli(capsys, "device", "list", "--unit", "特警1", "--db", db_url)
    assert out.splitlines()[-1] == "1 devices"
    code, out, _ = cli(capsys, "device", "list", "--json", "--db", db_url)
    assert json.loads(out) == [
        {"device_id": "CAM-1", "unit": "巡组1", "agency": "police", "kind": "body_camera", "active": True},
        {"device_id": "PH-1", "unit": "特警1", "agency": "police", "kind": "phone", "active": True}]
    # A joint group's device must say its side; a single-agency unit's device takes the unit's.
    code, _, err = cli(capsys, "device", "add", "X-2", "--unit", "巡组1", "--db", db_url)
    assert code == 2 and err.strip() == ("gridcommand device: agency: 巡组1 is a joint group; "
                                         "say which side the device is (--agency police|city)")
    code, _, err = cli(capsys, "device", "add", "X-2", "--unit", "特警1", "--agency", "city", "--db", db_url)
    assert code == 2 and "agency: 特警1 is a police unit" in err

    code, out, _ = cli(capsys, "device", "remove", "CAM-1", "--db", db_url)
    assert code == 0 and "removed" in out
    assert cli(capsys, "device", "remove", "CAM-1", "--db", db_url)[0] == 2
    with session_factory(engine)() as s:
        assert s.scalars(select(Device.device_id)).all() == ["PH-1"]
        audits = s.execute(select(AuditLog.operation, AuditLog.entity_id).order_by(AuditLog.id)).all()
        assert audits == [("add device", "CAM-1"), ("add device", "PH-1"), ("add device", "PH-1"),
                          ("remove device", "CAM-1")]
        assert set(s.scalars(select(ChangeLog.kind))) == {"units"}


def _store(engine, fixes, now=None):
    with session_factory(engine)() as s:
        assert store_fixes(s, fixes, now or T0 + timedelta(days=1)) == [None] * len(fixes)
        s.commit()


def test_track_export_formats(engine, db_url, capsys, tmp_path):
    make_units(engine)
    cli(capsys, "device", "add", "A", "--unit", "巡组1", "--agency", "police", "--db", db_url)
    cli(capsys, "device", "add", "B", "--unit", "巡组1", "--agency", "city", "--db", db_url)
    cli(capsys, "device", "add", "C", "--unit", "特警1", "--db", db_url)
    _store(engine, [
        Fix("A", 32.681, 112.081, T0 + timedelta(seconds=0), accuracy_m=5, speed_mps=1.5, heading_deg=90, altitude_m=80),
        Fix("B", 32.682, 112.082, T0 + timedelta(seconds=30), accuracy_m=8),
        Fix("A", 32.683, 112.083, T0 + timedelta(seconds=60)),
        Fix("C", 32.7, 112.1, T0 + timedelta(seconds=10)),
    ])
    code, out, _ = cli(capsys, "track", "export", "--unit", "巡组1", "--format", "csv", "--db", db_url)
    assert code == 0
    table = list(csv.DictReader(io.StringIO(out)))
    assert list(table[0])[:8] == ["device_id", "unit", "time_utc", "lat", "lon", "speed_mps", "heading", "accuracy_m"]
    assert [(r["device_id"], r["unit"], r["time_utc"]) for r in table] == [
        ("A", "巡组1", "2025-03-01T00:00:00Z"), ("B", "巡组1", "2025-03-01T00:00:30Z"), ("A", "巡组1", "2025-03-01T00:01:00Z")]
    assert (table[0]["lat"], table[0]["speed_mps"], table[0]["heading"], table[0]["accuracy_m"]) == ("32.681", "1.5", "90.0", "5.0")
    assert table[2]["speed_mps"] == ""

    code, out, _ = cli(capsys, "track", "export", "--device", "A", "--from", "2025-03-01T00:00:30Z",
                       "--format", "csv", "--db", db_url)
    assert [r["time_utc"] for r in csv.DictReader(io.StringIO(out))] == ["2025-03-01T00:01:00Z"]
    # Without an offset, --to is in the configured zone (Asia/Shanghai, UTC+8).
    code, out, _ = cli(capsys, "track", "export", "--unit", "巡组1", "--to", "2025-03-01T08:00:40",
                       "--format", "csv", "--db", db_url)
    assert len(list(csv.DictReader(io.StringIO(out)))) == 2

    target = tmp_path / "out" / "track.geojson"
    code, _, err = cli(capsys, "track", "export", "--unit", "巡组1", "--format", "geojson", "--output", str(target),
                       "--db", db_url)
    assert code == 0 and "3 fixes written" in err
    collection = json.loads(target.read_text(encoding="utf-8"))
    kinds = [(f["geometry"]["type"], f["properties"]["device_id"]) for f in collection["features"]]
    assert kinds == [("Point", "A"), ("Point", "B"), ("Point", "A"), ("LineString", "A")]
    assert collection["features"][0]["geometry"]["coordinates"] == [112.081, 32.681]

    code, out, _ = cli(capsys, "track", "export", "--unit", "巡组1", "--format", "gpx", "--db", db_url)
    root = ET.fromstring(out.encode())
    assert root.tag == f"{GPX}gpx" and root.get("version") == "1.1"
    tracks = root.findall(f"{GPX}trk")
    assert [t.find(f"{GPX}name").text for t in tracks] == ["巡组1 A", "巡组1 B"]
    points = tracks[0].findall(f"{GPX}trkseg/{GPX}trkpt")
    assert [(p.get("lat"), p.find(f"{GPX}time").text) for p in points] == [
        ("32.681", "2025-03-01T00:00:00Z"), ("32.683", "2025-03-01T00:01:00Z")]
    assert [child.tag for child in points[0]] == [f"{GPX}ele", f"{GPX}time"]  # schema order

    code, _, err = cli(capsys, "track", "export", "--unit", "nobody", "--format", "csv", "--db", db_url)
    assert code == 2 and "no unit" in err


def test_units_list(engine, db_url, capsys):
    ids = make_units(engine)
    cli(capsys, "device", "add", "A", "--unit", "巡组1", "--agency", "police", "--db", db_url)
    _store(engine, [Fix("A", 32.68, 112.08, T0, accuracy_m=6)])
    code, out, _ = cli(capsys, "units", "list", "--json", "--db", db_url)
    assert code == 0
    assert json.loads(out) == [
        {"callsign": "巡组1", "unit_id": ids["巡组1"], "agency": "joint", "tier": 1, "status": "available", "grid": "G02",
         "last_fix": {"time_utc": "2025-03-01T00:00:00Z", "lat": 32.68, "lon": 112.08, "accuracy_m": 6.0}},
        {"callsign": "特警1", "unit_id": ids["特警1"], "agency": "police", "tier": 2, "status": "available", "grid": None,
         "last_fix": None},
    ]
    code, out, _ = cli(capsys, "units", "list", "--db", db_url)
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["CALLSIGN", "AGENCY", "TIER", "STATUS", "GRID"]
    assert lines[1].split()[:6] == ["巡组1", "joint", "1", "available", "G02", "2025-03-01T00:00:00Z"]
    assert lines[-1] == "2 units"


def test_rejects_listing(engine, db_url, capsys):
    now = datetime.now(timezone.utc)
    with session_factory(engine)() as s:
        record_rejects(s, [Reject(now - timedelta(hours=3), "osmand", "10.1.1.1:5000", "unknown device: 'X'", "GET /?id=X"),
                           Reject(now - timedelta(minutes=5), "cot", "10.1.1.2:6000", "malformed XML: oops", "<event")],
                       keep=100)
        s.commit()
    code, out, _ = cli(capsys, "rejects", "--db", db_url)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 3 and lines[-1] == "2 rejected reports"
    assert "malformed XML: oops" in lines[0] and "10.1.1.2:6000" in lines[0] and "cot" in lines[0]
    assert "unknown device: 'X'" in lines[1] and "GET /?id=X" in lines[1]
    code, out, _ = cli(capsys, "rejects", "--since", "1h", "--db", db_url)
    assert out.splitlines()[-1].startswith("1 rejected reports since ")
    code, out, _ = cli(capsys, "rejects", "--limit", "1", "--db", db_url)
    assert len(out.splitlines()) == 2
