"""Invariants of the synthetic demo city in resources/demo (made by tools/make_demo_city.py)."""
from __future__ import annotations

import importlib.util
import itertools
import json
import re
import sys
from collections import Counter, defaultdict, deque
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point, shape
from shapely.ops import unary_union
from shapely.strtree import STRtree

ROOT = Path(__file__).parents[1]
DEMO = ROOT / "resources/demo"
LAYERS = ("grids", "streets", "points", "lines", "targets", "stations")
CJK = re.compile(r"[\u4e00-\u9fff]")
WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$")


def _load(name: str):
    with open(DEMO / name, encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture(scope="module")
def layers() -> dict[str, dict]:
    return {name: _load(f"{name}.geojson") for name in LAYERS}


@pytest.fixture(scope="module")
def roster() -> dict:
    return _load("roster.json")


@pytest.fixture(scope="module")
def grids(layers) -> dict:
    return {f["properties"]["code"]: shape(f["geometry"]) for f in layers["grids"]["features"]}


def _names(layer) -> list[str]:
    return [f["properties"]["name"] for f in layer["features"]]


def _has(names, part) -> bool:
    return any(part in n for n in names)


# --------------------------------------------------------------------------- all layers

@pytest.mark.parametrize("name", LAYERS)
def test_collection_header_codes_and_names(layers, name):
    fc = layers[name]
    assert fc["type"] == "FeatureCollection"
    assert fc["name"]
    assert fc["synthetic"] is True
    assert fc["note"] == "合成演示数据 Synthetic demo data, not real geography"
    codes = [f["properties"]["code"] for f in fc["features"]]
    assert all(isinstance(c, str) and c for c in codes)
    assert len(codes) == len(set(codes)), "codes must be unique"
    assert all(CJK.search(n) for n in _names(fc)), "every feature needs a Chinese name"
    for f in fc["features"]:
        geom = shape(f["geometry"])
        assert geom.is_valid and not geom.is_empty
        minx, miny, maxx, maxy = geom.bounds
        assert 111.9 < minx <= maxx < 112.2 and 32.6 < miny <= maxy < 32.75, "WGS84 lon/lat near Dengzhou"


def test_generator_is_deterministic_and_files_are_current():
    spec = importlib.util.spec_from_file_location("make_demo_city", ROOT / "tools/make_demo_city.py")
    module = importlib.util.module_from_spec(spec)
    dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # keep tools/ free of __pycache__
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write
    first, second = module.build(), module.build()
    assert first == second
    for name, text in first.items():
        assert (DEMO / name).read_text(encoding="utf-8") == text, f"{name} is stale: rerun tools/make_demo_city.py"


# --------------------------------------------------------------------------- grids

def test_grids_tile_one_area_without_overlaps(layers, grids):
    assert len(grids) >= 4
    assert "G02" in grids
    g02 = next(f for f in layers["grids"]["features"] if f["properties"]["code"] == "G02")
    assert g02["properties"]["name"] == "城区二网格"
    assert grids["G02"].contains(Point(112.08, 32.68))
    for a, b in itertools.combinations(sorted(grids), 2):
        assert grids[a].intersection(grids[b]).area < 1e-12, f"{a} overlaps {b}"
    union = unary_union(list(grids.values()))
    assert union.geom_type == "Polygon" and not union.interiors
    assert union.area == pytest.approx(sum(g.area for g in grids.values()), abs=1e-12)
    for f in layers["grids"]["features"]:
        p = f["properties"]
        assert p["commander"] and p["political_commissar"]
        assert re.fullmatch(r"0377-6\d{7}", p["phone"])


# --------------------------------------------------------------------------- streets

def test_street_properties_and_names(layers):
    feats = layers["streets"]["features"]
    assert len({f["properties"]["name"] for f in feats}) >= 40
    for f in feats:
        p = f["properties"]
        assert f["geometry"]["type"] == "LineString"
        assert re.fullmatch(r"S\d{3}-\d+", p["code"])
        assert p["road_class"] in ("primary", "secondary", "residential")
        assert isinstance(p["oneway"], bool)
        assert p["name"].endswith(("路", "街", "大道", "巷", "桥"))
    assert any(p["name"] == "穰城大桥" and p.get("bridge") for p in (f["properties"] for f in feats))


def test_streets_meet_only_at_shared_vertices(layers):
    feats = layers["streets"]["features"]
    geoms = [LineString(f["geometry"]["coordinates"]) for f in feats]
    vertices = [set(map(tuple, f["geometry"]["coordinates"])) for f in feats]
    tree = STRtree(geoms)
    for i, g in enumerate(geoms):
        for j in tree.query(g):
            j = int(j)
            if j <= i:
                continue
            inter = g.intersection(geoms[j])
            if inter.is_empty:
                continue
            assert inter.geom_type in ("Point", "MultiPoint"), f"{feats[i]['properties']['code']} overlaps {feats[j]['properties']['code']}"
            for pt in getattr(inter, "geoms", [inter]):
                xy = (pt.x, pt.y)
                assert xy in vertices[i] and xy in vertices[j], (
                    f"{feats[i]['properties']['code']} and {feats[j]['properties']['code']} cross at {xy} "
                    "without a shared vertex")


def test_street_network_is_connected_and_covers_every_grid(layers, grids):
    adj = defaultdict(set)
    for f in layers["streets"]["features"]:
        cs = [(round(x, 6), round(y, 6)) for x, y in f["geometry"]["coordinates"]]
        for a, b in zip(cs, cs[1:]):
            adj[a].add(b)
            adj[b].add(a)
    start = min(adj)
    seen, todo = {start}, deque([start])
    while todo:
        for n in adj[todo.popleft()]:
            if n not in seen:
                seen.add(n)
                todo.append(n)
    assert len(seen) == len(adj), "street network must be one connected component"
    streets = unary_union([shape(f["geometry"]) for f in layers["streets"]["features"]])
    for code, grid in grids.items():
        assert grid.intersection(streets).length > 0.03, f"grid {code} has too few streets"


# --------------------------------------------------------------------------- places

def _assert_in_grid(fc, grids):
    for f in fc["features"]:
        p = f["properties"]
        assert p["grid_code"] in grids, p["code"]
        assert grids[p["grid_code"]].contains(shape(f["geometry"])), f"{p['code']} {p['name']} not inside {p['grid_code']}"


def test_points(layers, grids):
    fc = layers["points"]
    names = _names(fc)
    assert len(names) >= 12
    for part in ("好又多超市", "人民医院北区", "穰城大桥", "一初中", "十一小", "五初中", "夜市", "富侨足浴"):
        assert _has(names, part), part
    for f in fc["features"]:
        p = f["properties"]
        assert f["geometry"]["type"] == "Point"
        assert 30 <= p["radius_m"] <= 80
        assert 1 <= p["visits_per_shift"] <= 4
        assert all(WINDOW.match(w) for w in p["time_windows"])
        assert p["valid_from"] == "2022-08-01" and p["valid_to"] is None
    _assert_in_grid(fc, grids)


def test_lines_follow_streets(layers, grids):
    fc = layers["lines"]
    assert len(fc["features"]) >= 4
    assert "G02" in {f["properties"]["grid_code"] for f in fc["features"]}
    street_vertices = {tuple(c) for f in layers["streets"]["features"] for c in f["geometry"]["coordinates"]}
    for f in fc["features"]:
        p = f["properties"]
        assert f["geometry"]["type"] == "LineString"
        assert all(tuple(c) in street_vertices for c in f["geometry"]["coordinates"]), p["code"]
        assert 30 <= p["corridor_m"] <= 60
        assert 1 <= p["passes_per_shift"] <= 3
        assert all(WINDOW.match(w) for w in p["time_windows"])
        assert p["valid_from"] == "2022-08-01" and p["valid_to"] is None
    _assert_in_grid(fc, grids)


def test_targets(layers, grids):
    fc = layers["targets"]
    assert len(fc["features"]) >= 10
    cats = Counter(f["properties"]["category"] for f in fc["features"])
    assert set(cats) == {"government", "business", "school", "hospital", "night_market", "complex_order", "crowded_place"}
    # The pilot's named key targets are there, each with its category.
    by_name = {f["properties"]["name"]: f["properties"]["category"] for f in fc["features"]}
    assert [c for n, c in by_name.items() if "党政" in n] == ["government"]
    assert {c for n, c in by_name.items() if "商圈" in n} == {"business"} and cats["business"] >= 2
    assert {c for n, c in by_name.items() if "夜市" in n} == {"night_market"}
    _assert_in_grid(fc, grids)


def test_stations(layers, grids):
    fc = layers["stations"]
    kinds = Counter(f["properties"]["kind"] for f in fc["features"])
    assert set(kinds) == {"joint_service_station", "swat_post", "police_station", "traffic_post"}
    assert kinds["swat_post"] >= 3 and kinds["police_station"] >= 2 and kinds["traffic_post"] >= 1
    jss = {f["properties"]["grid_code"] for f in fc["features"] if f["properties"]["kind"] == "joint_service_station"}
    assert jss == set(grids), "one joint service station per grid"
    assert all(f["properties"]["phone"] for f in fc["features"])
    _assert_in_grid(fc, grids)


# --------------------------------------------------------------------------- roster

def test_roster(layers, roster, grids):
    assert roster["synthetic"] is True and roster["note"]
    units = roster["units"]
    stations = {f["properties"]["code"] for f in layers["stations"]["features"]}
    callsigns = [u["callsign"] for u in units]
    assert len(callsigns) == len(set(callsigns))
    ids = [d["device_id"] for u in units for d in u["devices"]]
    assert len(ids) == len(set(ids)), "device ids must be unique across the roster"
    for u in units:
        assert u["agency"] in ("police", "city", "joint")
        assert u["force"] in ("grid_patrol", "swat", "station_police", "traffic_police", "youth_commando", "city_emergency")
        assert u["tier"] in (1, 2, 3)
        assert u["travel_mode"] in ("foot", "ebike", "car")
        assert u["grid_code"] in grids and u["home_station"] in stations
        assert u["devices"] and all(d["kind"] in ("body_camera", "radio", "phone") for d in u["devices"])
        assert u["members"] and all(m["agency"] in ("police", "city") and m["name"] and m["role"] for m in u["members"])
        assert all(k["item"] and k["count"] >= 1 for k in u["kit"])

    joint = [u for u in units if u["tier"] == 1 and u["agency"] == "joint" and u["force"] == "grid_patrol"]
    assert len(joint) >= 8
    assert sum(u["grid_code"] == "G02" for u in joint) >= 2
    assert {u["travel_mode"] for u in joint} >= {"foot", "ebike"}
    for u in joint:
        assert Counter(m["agency"] for m in u["members"]) == {"police": 2, "city": 2}
        kit = defaultdict(int)
        for k in u["kit"]:
            kit[k["item"]] += k["count"]
        assert kit["4G执法记录仪"] == 2 and kit["对讲机"] == 2 and kit["执法PDA终端"] == 1
        assert kit["单警装备"] >= 1 and kit["简易行政处罚决定书"] >= 1
        assert {k.get("agency") for k in u["kit"] if k["item"] == "4G执法记录仪"} == {"police", "city"}

    swat = [u for u in units if u["tier"] == 1 and u["force"] == "swat"]
    assert len(swat) >= 3 and all(u["agency"] == "police" and u["travel_mode"] == "car" for u in swat)
    tier2 = Counter(u["force"] for u in units if u["tier"] == 2)
    assert tier2["station_police"] >= 3 and tier2["traffic_police"] >= 2 and tier2["grid_patrol"] >= 1
    tier3 = {u["force"]: u for u in units if u["tier"] == 3}
    assert tier3["youth_commando"]["agency"] == "police" and tier3["city_emergency"]["agency"] == "city"
