"""`db seed-history` reproduces the pilot's table for 城区二网格 in August 2022 by
computation, on both databases; the incident figures are recounted from `incidents
export` and the joint patrols from the stored tracks, independently of the stats code.
(The other grids' volume is scaled down to keep the test fast; the pilot grid is whole.)"""
from __future__ import annotations

import csv
import io
import json
import math
from collections import defaultdict

import numpy as np
from sqlalchemy import select

from core.synthetic_history import DEVICES, PILOT_TARGETS
from db.engine import make_engine, session_factory
from db.models import Position, Station

PERIOD = ("--from", "2022-08-01", "--to", "2022-08-31", "--grid", "G02")


def _export(cli, url, start, end):
    code, out, err = cli("incidents", "export", "--db", url, "--from", start, "--to", end, "--grid", "G02",
                         "--format", "csv")
    assert code == 0, err
    return list(csv.DictReader(io.StringIO(out)))


def _counted(rows):
    return [r for r in rows if r["state"] != "invalid" and r["drill"] == "false"]


def _recount_joint(url) -> int:
    """Joint patrols straight from the fixes (docs/domain.md): per minute, each device's
    newest fix; a police and a city device within 50 m of each other, both more than 100 m
    from every station, are together; together minutes with gaps of at most 2 minutes make
    a run; a run of at least 10 minutes is one joint patrol."""
    engine = make_engine(url)
    with session_factory(engine)() as s:
        stations = np.array([st.geometry["coordinates"][:2] for st in s.scalars(select(Station))])
        fixes = defaultdict(list)
        for device, t, lon, lat in s.execute(select(Position.device_id, Position.fix_time, Position.lon,
                                                    Position.lat)):
            fixes[device].append((t.timestamp(), lon, lat))
    engine.dispose()
    k = math.cos(math.radians(32.68))

    def metres(ax, ay, bx, by):
        return np.hypot((ax - bx) * 111_320 * k, (ay - by) * 110_574)

    def per_minute(device):
        rows = sorted(fixes[device])
        out = {}
        for t, x, y in rows:
            out[int(t // 60)] = (x, y)
        return out

    police = {p: per_minute(p) for p, _ in DEVICES.values()}
    city = {c: per_minute(c) for _, c in DEVICES.values()}
    total = 0
    for p, pm in police.items():
        for c, cm in city.items():
            steps = []
            for minute in sorted(set(pm) & set(cm)):
                (px, py), (cx, cy) = pm[minute], cm[minute]
                away = (metres(stations[:, 0], stations[:, 1], px, py).min() > 100
                        and metres(stations[:, 0], stations[:, 1], cx, cy).min() > 100)
                if away and metres(px, py, cx, cy) <= 50:
                    steps.append(minute)
            run_start = prev = None
            for m in steps + [None]:
                if m is not None and prev is not None and m - prev <= 3:
                    prev = m
                    continue
                if run_start is not None and prev - run_start >= 10:
                    total += 1
                run_start = prev = m
    return total


def test_seed_history_reproduces_the_pilot_table(cli, db_url):
    code, out, err = cli("db", "seed-history", "--db", db_url, "--scale", "0.05")
    assert code == 0, err
    assert "patrol detection" in out and "synthetic" in out  # progress, and labelled synthetic

    code, out, err = cli("stats", "--db", db_url, *PERIOD, "--json")
    assert code == 0, err
    figures = json.loads(out)
    for key, value in PILOT_TARGETS.items():
        assert figures[key] == value, key
    assert figures["incidents_yoy_pct"] == -34.5 and figures["incidents_mom_pct"] == -21.7
    assert figures["joint_patrols"] >= 600 and figures["problems_found"] >= 200

    # The incident figures again, from the export alone.
    august = _counted(_export(cli, db_url, "2022-08-01", "2022-08-31"))
    year_before = _counted(_export(cli, db_url, "2021-08-01", "2021-08-31"))
    july = _counted(_export(cli, db_url, "2022-07-01", "2022-07-31"))
    assert len(august) == figures["incidents"] == 144
    assert round(100 * (len(august) - len(year_before)) / len(year_before), 1) == -34.5
    assert round(100 * (len(august) - len(july)) / len(july), 1) == -21.7
    assert sum(r["nearest_dispatch"] == "true" for r in august) == 23
    assert sum(r["accident_on_scene"] == "true" for r in august) == 6
    assert sum(r["mediated"] == "true" for r in august) == 11
    assert sum(int(r["rescued"] or 0) for r in august) == 12
    assert sum(float(r["property_recovered_cny"] or 0) for r in august) == 2000.0
    assert all(r["received_utc"] and r["closed_utc"] and r["units"] for r in august)  # full lifecycles

    # The joint patrols again, from the stored tracks alone.
    assert _recount_joint(db_url) == figures["joint_patrols"]

    code, out, _ = cli("db", "seed-history", "--db", db_url)
    assert code == 0 and "already present" in out
