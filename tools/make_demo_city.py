#!/usr/bin/env python3
"""Generate the synthetic demo city in ``resources/demo/``.

合成演示数据: a plausible but invented street plan modelled loosely on the pilot's
grid 2 (城区二网格) in central Dengzhou, around 112.08°E 32.68°N. Nothing here is
real geography: street names, places, people and phone numbers are made up.

Run from the repository root::

    .venv/bin/python tools/make_demo_city.py

The output is deterministic: running the script twice gives byte-identical files.
Every invariant other code relies on is checked here and the script fails loudly
(non-zero exit, nothing written) when one does not hold:

* grids tile one continuous area: shared edges, no gaps, no overlaps;
* every street crossing or junction is a vertex present in every street there;
* the street network is one connected component;
* every point, line, target and station lies inside the grid its ``grid_code`` names;
* device ids are unique across the roster; every unit has a device.

Layout: six grids in a 3 x 2 arrangement (G01–G03 north of the 湍河, G04–G06
south of it; the river is the boundary between the rows). Four bridges cross the
river, one of them 穰城大桥 on 新华路 in grid 2.
"""
from __future__ import annotations

import json
import math
import random
import sys
from collections import defaultdict, deque
from pathlib import Path

from shapely.geometry import LineString, Point, Polygon
from shapely.ops import unary_union

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "resources" / "demo"
NOTE = "合成演示数据 Synthetic demo data, not real geography"
VALID_FROM = "2022-08-01"
SCHOOL = ["07:00-08:00", "16:30-17:30"]
NIGHT_MARKET = ["19:00-24:00"]
SUMMER_EVENING = ["19:00-23:00"]

LAT0 = 32.68
M_PER_DEG_LAT = 110_946.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))
EPS = 1e-9  # degrees: "the same vertex" before rounding


class DemoCityError(RuntimeError):
    pass


def fail(msg: str) -> None:
    raise DemoCityError(msg)


def r6(v: float) -> float:
    v = round(v, 6)
    return 0.0 if v == 0 else v


def rc(c) -> tuple[float, float]:
    return (r6(c[0]), r6(c[1]))


def offset(p, east_m: float, north_m: float) -> tuple[float, float]:
    return rc((p[0] + east_m / M_PER_DEG_LON, p[1] + north_m / M_PER_DEG_LAT))


def y_at(poly, x: float) -> float:
    """y of an x-monotone polyline at x (linear interpolation)."""
    for (x0, y0), (x1, y1) in zip(poly, poly[1:]):
        if x0 <= x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    fail(f"x={x} outside polyline")


# --------------------------------------------------------------------------- grids

WEST, EAST, SOUTH_EDGE = 112.0538, 112.1063, 32.6600
# The 湍河 (synthetic course): west to east; it is the boundary between the rows.
# J1 and J2 are where the vertical grid boundaries meet it.
J1 = (112.0714, 32.6746)
J2 = (112.0886, 32.6737)
RIVER = [
    (WEST, 32.6736), (112.0600, 32.6742), (112.0660, 32.6748), J1, (112.0770, 32.6739),
    (112.0830, 32.6735), J2, (112.0940, 32.6745), (112.1000, 32.6748), (EAST, 32.6740),
]
NW, NE = (WEST, 32.6860), (EAST, 32.6858)
SW, SE = (WEST, 32.6600), (EAST, 32.6602)
N1, N2 = (112.0712, 32.6862), (112.0887, 32.6861)  # north ends of the vertical boundaries
S1, S2 = (112.0710, 32.6600), (112.0891, 32.6601)  # south ends

EDGES = {
    "north_a": [NW, (112.0625, 32.6863), N1],
    "north_b": [N1, (112.0800, 32.6864), N2],
    "north_c": [N2, (112.0975, 32.6862), NE],
    "south_a": [SW, (112.0625, 32.6598), S1],
    "south_b": [S1, (112.0800, 32.6597), S2],
    "south_c": [S2, (112.0975, 32.6600), SE],
    "west_n": [RIVER[0], NW],
    "west_s": [SW, RIVER[0]],
    "east_n": [RIVER[-1], NE],
    "east_s": [SE, RIVER[-1]],
    "v1_n": [J1, (112.0719, 32.6800), N1],
    "v1_s": [S1, (112.0716, 32.6650), (112.0709, 32.6700), J1],
    "v2_n": [J2, (112.0882, 32.6790), (112.0890, 32.6830), N2],
    "v2_s": [S2, (112.0884, 32.6660), (112.0889, 32.6700), J2],
    "river_a": RIVER[:4],
    "river_b": RIVER[3:7],
    "river_c": RIVER[6:],
}
# Each ring: edges with a direction flag (True = reversed), walked counter-clockwise.
RINGS = {
    "G01": [("river_a", False), ("v1_n", False), ("north_a", True), ("west_n", True)],
    "G02": [("river_b", False), ("v2_n", False), ("north_b", True), ("v1_n", True)],
    "G03": [("river_c", False), ("east_n", False), ("north_c", True), ("v2_n", True)],
    "G04": [("south_a", False), ("v1_s", False), ("river_a", True), ("west_s", True)],
    "G05": [("south_b", False), ("v2_s", False), ("river_b", True), ("v1_s", True)],
    "G06": [("south_c", False), ("east_s", False), ("river_c", True), ("v2_s", True)],
}
GRID_INFO = {
    "G01": ("城区一网格", "赵国强", "钱立新"),
    "G02": ("城区二网格", "孙建华", "李卫东"),
    "G03": ("城区三网格", "周振国", "吴春生"),
    "G04": ("城区四网格", "郑海涛", "王德胜"),
    "G05": ("城区五网格", "冯志刚", "陈学军"),
    "G06": ("城区六网格", "褚明辉", "卫永刚"),
}


def build_grids() -> dict[str, Polygon]:
    polys = {}
    for code, ring_spec in RINGS.items():
        ring: list = []
        for edge, rev in ring_spec:
            pts = [rc(p) for p in EDGES[edge]]
            if rev:
                pts = pts[::-1]
            if ring and ring[-1] != pts[0]:
                fail(f"{code}: ring edges do not join at {edge}")
            ring.extend(pts if not ring else pts[1:])
        if ring[0] != ring[-1]:
            fail(f"{code}: ring not closed")
        poly = Polygon(ring)
        if not poly.is_valid or not poly.exterior.is_ccw:
            fail(f"{code}: invalid or clockwise polygon")
        polys[code] = poly
    codes = sorted(polys)
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            if polys[a].intersection(polys[b]).area > 1e-12:
                fail(f"grids {a} and {b} overlap")
    union = unary_union(list(polys.values()))
    if union.geom_type != "Polygon" or len(union.interiors) != 0:
        fail(f"grid union is {union.geom_type} with holes/gaps")
    if abs(union.area - sum(p.area for p in polys.values())) > 1e-12:
        fail("grid areas do not add up")
    for code, poly in polys.items():
        minx, miny, maxx, maxy = poly.bounds
        w, h = (maxx - minx) * M_PER_DEG_LON, (maxy - miny) * M_PER_DEG_LAT
        if not (1150 <= w <= 2000 and 1150 <= h <= 2000):
            fail(f"{code} is {w:.0f} x {h:.0f} m; expected 1.2–2 km across")
    if not polys["G02"].contains(Point(112.08, 32.68)):
        fail("G02 does not contain 112.08, 32.68")
    return polys


# --------------------------------------------------------------------------- streets

OVERSHOOT = 0.0003  # degrees a trimmed street is drawn past the street it ends on
BANK = 0.0006  # bank roads run this far north/south of the river centre line
JIT = 0.0001

BANK_X0, BANK_X1 = 112.0546, 112.1056
RIVER_N = [(BANK_X0, y_at(RIVER, BANK_X0) + BANK)] + [(x, y + BANK) for x, y in RIVER[1:-1]] + [(BANK_X1, y_at(RIVER, BANK_X1) + BANK)]
RIVER_S = [(x, y - 2 * BANK) for x, y in RIVER_N]


def south_bank(x: float) -> float:
    return y_at(RIVER_S, x)


def north_bank(x: float) -> float:
    return y_at(RIVER_N, x)


class StreetSpec:
    def __init__(self, key, name, road_class, coords, level=0, trim_start=False, trim_end=False,
                 oneway=False, splits=None):
        self.key = key  # unique id of the drawn line
        self.name = name
        self.road_class = road_class
        self.coords = [tuple(c) for c in coords]
        self.level = level
        self.trim_start = trim_start
        self.trim_end = trim_end
        self.oneway = oneway
        # splits: [(key of the street it is cut at, name, road_class, bridge), ...]
        # pieces after each cut take the given name; the first piece keeps self.name.
        self.splits = splits or []


def street_specs() -> list[StreetSpec]:
    rng = random.Random(20220818)
    specs: list[StreetSpec] = []

    def jx(x):
        return x + rng.uniform(-JIT, JIT)

    def jy(y):
        return y + rng.uniform(-JIT, JIT)

    # East-west main roads (full width).
    xs = [BANK_X0, 112.0585, 112.0640, 112.0700, 112.0760, 112.0820, 112.0880, 112.0940, 112.1000, BANK_X1]
    for name, y, cls in [
        ("南环路", 32.6610, "secondary"), ("工业路", 32.6645, "secondary"), ("中州路", 32.6677, "secondary"),
        ("花洲大道", 32.6705, "primary"), ("解放路", 32.6785, "primary"), ("邓禹路", 32.6820, "secondary"),
        ("北环路", 32.6855, "secondary"),
    ]:
        specs.append(StreetSpec(name, name, cls, [(x, jy(y)) for x in xs]))
    specs.append(StreetSpec("湍河南路", "湍河南路", "secondary", RIVER_S))
    specs.append(StreetSpec("湍河北路", "湍河北路", "secondary", RIVER_N))

    south_ys = [32.6603, 32.6628, 32.6662, 32.6692]
    north_ys = [32.6770, 32.6803, 32.6838, 32.6858]
    # North-south main roads that bridge the river: one line, cut into road / bridge / road.
    for name, x, cls, bridge in [
        ("穰城路", 112.0668, "primary", "湍河大桥"), ("新华路", 112.0800, "primary", "穰城大桥"),
        ("人民路", 112.0925, "primary", "人民桥"), ("东环路", 112.1045, "secondary", "东环大桥"),
    ]:
        coords = [(jx(x), y) for y in south_ys] + [(jx(x), y) for y in north_ys]
        specs.append(StreetSpec(name, name, cls, coords, splits=[
            ("湍河南路", bridge, cls, True), ("湍河北路", name, cls, False)]))
    # North-south roads that end on the river banks (south part / north part).
    for name, x, cls, south_from, north_to in [
        ("西环路", 112.0555, "secondary", None, None),
        ("三贤路", 112.0615, "secondary", 32.6645, None),  # south part starts at 工业路
        ("团结路", 112.0740, "secondary", None, None),
        ("古城路", 112.0850, "secondary", None, None),
        ("建设路", 112.0985, "secondary", None, 32.6820),  # north part ends at 邓禹路
    ]:
        ys = south_ys if south_from is None else [y for y in south_ys if y > south_from]
        start = [] if south_from is None else [(jx(x), south_from - OVERSHOOT)]
        coords = start + [(jx(x), y) for y in ys] + [(jx(x), south_bank(x) + OVERSHOOT)]
        specs.append(StreetSpec(name + "/S", name, cls, coords, level=1,
                                trim_start=south_from is not None, trim_end=True))
        ys = north_ys if north_to is None else [y for y in north_ys if y < north_to]
        end = [] if north_to is None else [(jx(x), north_to + OVERSHOOT)]
        coords = [(jx(x), north_bank(x) - OVERSHOOT)] + [(jx(x), y) for y in ys] + end
        specs.append(StreetSpec(name + "/N", name, cls, coords, level=1,
                                trim_start=True, trim_end=north_to is not None))

    # Side streets: drawn past both ends and trimmed to the streets they join.
    def ew(name, y, x_west, x_east, oneway=False):
        specs.append(StreetSpec(name, name, "residential",
                                [(x_west - OVERSHOOT, jy(y)), ((x_west + x_east) / 2, jy(y)), (x_east + OVERSHOOT, jy(y))],
                                level=2, trim_start=True, trim_end=True, oneway=oneway))

    def ns(name, x, y_south, y_north, oneway=False):
        specs.append(StreetSpec(name, name, "residential",
                                [(jx(x), y_south - OVERSHOOT), (jx(x), (y_south + y_north) / 2), (jx(x), y_north + OVERSHOOT)],
                                level=2, trim_start=True, trim_end=True, oneway=oneway))

    X = {"西环路": 112.0555, "三贤路": 112.0615, "穰城路": 112.0668, "团结路": 112.0740, "新华路": 112.0800,
         "古城路": 112.0850, "人民路": 112.0925, "建设路": 112.0985, "东环路": 112.1045}
    Y = {"南环路": 32.6610, "工业路": 32.6645, "中州路": 32.6677, "花洲大道": 32.6705, "解放路": 32.6785,
         "邓禹路": 32.6820, "北环路": 32.6855}
    # G02: the old town (古城) lanes
    ns("仓巷", 112.0772, north_bank(112.0772), Y["解放路"], oneway=True)
    ns("米市街", 112.0826, Y["解放路"], Y["邓禹路"])
    ew("鼓楼街", 32.6803, X["新华路"], X["古城路"])
    ew("府前街", 32.6838, X["团结路"], X["新华路"])
    ns("城隍庙街", 112.0868, Y["邓禹路"], Y["北环路"], oneway=True)
    ew("书院街", 32.6766, X["团结路"], X["新华路"])
    ns("学府街", 112.0760, Y["邓禹路"], Y["北环路"])
    ns("健康路", 112.0830, Y["邓禹路"], Y["北环路"])
    # G01
    ew("文化街", 32.6802, X["三贤路"], X["穰城路"])
    ns("槐树巷", 112.0588, Y["解放路"], Y["邓禹路"])
    ew("青年路", 32.6838, X["西环路"], X["三贤路"])
    ns("杏花巷", 112.0640, north_bank(112.0640), Y["解放路"])
    ns("北关街", 112.0695, Y["邓禹路"], Y["北环路"])
    # G03
    ew("东关街", 32.6803, X["人民路"], X["建设路"])
    ns("光明路", 112.0955, north_bank(112.0955), Y["解放路"])
    ew("友谊巷", 32.6768, X["建设路"], X["东环路"])
    ew("朝阳路", 32.6838, X["人民路"], X["东环路"])
    ns("幸福巷", 112.1015, Y["解放路"], Y["邓禹路"])
    # G04
    ew("体育路", 32.6627, X["西环路"], X["穰城路"])
    ns("卫生巷", 112.0590, Y["工业路"], Y["中州路"])
    ew("西关街", 32.6690, X["三贤路"], X["穰城路"])
    ns("长安巷", 112.0645, Y["花洲大道"], south_bank(112.0645))
    # G05
    ew("车站路", 32.6661, X["团结路"], X["古城路"])
    ns("商业街", 112.0825, Y["中州路"], Y["花洲大道"])
    ns("南关街", 112.0770, Y["南环路"], Y["工业路"])
    ew("民主路", 32.6720, X["新华路"], X["古城路"])
    ns("翰林巷", 112.0762, Y["中州路"], Y["花洲大道"], oneway=True)
    # G06
    ew("康宁街", 32.6690, X["人民路"], X["建设路"])
    ns("桂花巷", 112.1015, Y["工业路"], Y["中州路"])
    ew("兴隆街", 32.6627, X["人民路"], X["东环路"])
    ns("双井街", 112.0955, Y["花洲大道"], south_bank(112.0955))
    # a diagonal: 光武路 runs from 花洲大道 south-east to 南环路
    a, b = (112.0945, Y["花洲大道"]), (112.1030, Y["南环路"])
    d = ((b[0] - a[0]), (b[1] - a[1]))
    n = math.hypot(*d)
    ov = 0.0005 / n
    specs.append(StreetSpec("光武路", "光武路", "secondary",
                            [(a[0] - d[0] * ov, a[1] - d[1] * ov), (112.0985, 32.6660),
                             (b[0] + d[0] * ov, b[1] + d[1] * ov)],
                            level=2, trim_start=True, trim_end=True))
    for s in specs:
        s.coords = [rc(c) for c in s.coords]
    return specs


def _points_of(geom) -> list[tuple[float, float]]:
    if geom.is_empty:
        return []
    if geom.geom_type == "Point":
        return [(geom.x, geom.y)]
    if geom.geom_type == "MultiPoint":
        return [(g.x, g.y) for g in geom.geoms]
    fail(f"streets overlap along a line ({geom.geom_type})")


def _insert(coords: list, p: tuple[float, float]) -> list:
    """Insert p into the polyline at its position along it (unless a vertex is there)."""
    for c in coords:
        if abs(c[0] - p[0]) < EPS and abs(c[1] - p[1]) < EPS:
            return coords
    line = LineString(coords)
    d = line.project(Point(p))
    acc = 0.0
    for i in range(len(coords) - 1):
        seg = math.dist(coords[i], coords[i + 1])
        if acc + seg >= d - 1e-15:
            return coords[: i + 1] + [p] + coords[i + 1:]
        acc += seg
    fail(f"could not place {p} on a street")


def _vertex_near(coords, p):
    for c in coords:
        if abs(c[0] - p[0]) < EPS and abs(c[1] - p[1]) < EPS:
            return c
    return None


def node_streets(specs: list[StreetSpec]) -> dict[str, list[tuple[float, float]]]:
    """Trim, then node every pair of streets so every crossing is a shared vertex."""
    lines: dict[str, list] = {}
    for level in sorted({s.level for s in specs}):
        base = [k for k, s in ((s.key, s) for s in specs) if s.level < level]
        for s in (s for s in specs if s.level == level):
            coords = list(s.coords)
            if s.trim_start or s.trim_end:
                geom = LineString(coords)
                hits = []
                for k in base:
                    for p in _points_of(geom.intersection(LineString(lines[k]))):
                        hits.append((geom.project(Point(p)), p, k))
                if not hits:
                    fail(f"{s.key} meets no street")
                hits.sort()
                d0 = hits[0][0] if s.trim_start else 0.0
                d1 = hits[-1][0] if s.trim_end else geom.length
                acc, kept = 0.0, []
                for i, c in enumerate(coords):
                    if i:
                        acc += math.dist(coords[i - 1], c)
                    if d0 + 1e-12 < acc < d1 - 1e-12:
                        kept.append(c)
                coords = ([hits[0][1]] if s.trim_start else [coords[0]]) + kept + \
                         ([hits[-1][1]] if s.trim_end else [coords[-1]])
                if s.trim_start and s.trim_end and len(hits) < 2:
                    fail(f"{s.key} needs two streets to end on")
                # the street it ends on gets the end point as a vertex (a T-junction's
                # end point may lie a rounding error off that street, so noding below
                # would not see it)
                if s.trim_start:
                    lines[hits[0][2]] = _insert(lines[hits[0][2]], hits[0][1])
                if s.trim_end:
                    lines[hits[-1][2]] = _insert(lines[hits[-1][2]], hits[-1][1])
            lines[s.key] = coords
    keys = [s.key for s in specs]
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            inter = LineString(lines[a]).intersection(LineString(lines[b]))
            for p in _points_of(inter):
                va, vb = _vertex_near(lines[a], p), _vertex_near(lines[b], p)
                canon = va or vb or p
                if va and vb and va != vb:
                    lines[b] = [va if c == vb else c for c in lines[b]]
                lines[a] = _insert(lines[a], canon)
                lines[b] = _insert(lines[b], canon)
    out = {}
    for k, coords in lines.items():
        rounded = []
        for c in coords:
            c = rc(c)
            if not rounded or rounded[-1] != c:
                rounded.append(c)
        out[k] = rounded
    return out


def build_streets(grids: dict[str, Polygon]) -> list[dict]:
    specs = street_specs()
    lines = node_streets(specs)
    river = LineString([rc(c) for c in RIVER])
    features: list[dict] = []
    name_code: dict[str, str] = {}
    seg_count: dict[str, int] = defaultdict(int)

    def add(name, cls, coords, oneway, bridge):
        if name not in name_code:
            name_code[name] = f"S{len(name_code) + 1:03d}"
        code = name_code[name]
        seg_count[code] += 1
        features.append({"type": "Feature",
                         "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
                         "properties": {"code": f"{code}-{seg_count[code]}", "name": name, "road_class": cls,
                                        "oneway": oneway, "bridge": bridge}})

    for s in specs:
        coords = lines[s.key]
        start, name, cls, bridge = 0, s.name, s.road_class, False
        for at_key, next_name, next_cls, next_bridge in s.splits:
            shared = set(coords) & set(lines[at_key])
            if len(shared) != 1:
                fail(f"{s.key} meets {at_key} {len(shared)} times; expected once")
            idx = coords.index(shared.pop())
            add(name, cls, coords[start: idx + 1], s.oneway, bridge)
            start, name, cls, bridge = idx, next_name, next_cls, next_bridge
        add(name, cls, coords[start:], s.oneway, bridge)

    # --- checks
    geoms = [LineString(f["geometry"]["coordinates"]) for f in features]
    vsets = [set(map(tuple, f["geometry"]["coordinates"])) for f in features]
    for i in range(len(geoms)):
        for j in range(i + 1, len(geoms)):
            for p in _points_of(geoms[i].intersection(geoms[j])):
                if p not in vsets[i] or p not in vsets[j]:
                    a, b = features[i]["properties"]["code"], features[j]["properties"]["code"]
                    fail(f"streets {a} and {b} cross at {p}, which is not a vertex of both")
    for f, g in zip(features, geoms):
        crosses = g.intersects(river)
        if crosses != f["properties"]["bridge"]:
            fail(f"{f['properties']['code']} {f['properties']['name']}: crosses river={crosses} but bridge={f['properties']['bridge']}")
        if f["properties"]["name"] == "穰城大桥" and not grids["G02"].intersects(g):
            fail("穰城大桥 is not at grid 2")
    union = unary_union(list(grids.values()))
    for f, g in zip(features, geoms):
        if not union.contains(g):
            fail(f"street {f['properties']['code']} leaves the grid area")
    for code, poly in grids.items():
        if sum(poly.intersection(g).length for g in geoms) * M_PER_DEG_LON < 5000:
            fail(f"grid {code} has too few streets")
    check_connected(features)
    if len({f["properties"]["name"] for f in features}) < 40:
        fail("fewer than 40 street names")
    return features


def check_connected(features: list[dict]) -> None:
    adj: dict = defaultdict(set)
    for f in features:
        cs = [tuple(c) for c in f["geometry"]["coordinates"]]
        for a, b in zip(cs, cs[1:]):
            adj[a].add(b)
            adj[b].add(a)
    start = next(iter(sorted(adj)))
    seen, todo = {start}, deque([start])
    while todo:
        for n in adj[todo.popleft()]:
            if n not in seen:
                seen.add(n)
                todo.append(n)
    if len(seen) != len(adj):
        fail(f"street network is not connected: {len(seen)} of {len(adj)} vertices reachable")


class Network:
    """Lookups on the finished street features: junctions and walks along one street."""

    def __init__(self, features: list[dict]):
        self.by_name: dict[str, list[list[tuple]]] = defaultdict(list)
        for f in features:
            self.by_name[f["properties"]["name"]].append([tuple(c) for c in f["geometry"]["coordinates"]])

    def node(self, a: str, b: str) -> tuple[float, float]:
        va = {c for line in self.by_name[a] for c in line}
        vb = {c for line in self.by_name[b] for c in line}
        common = va & vb
        if len(common) != 1:
            fail(f"{a} and {b} meet {len(common)} times; expected once")
        return next(iter(common))

    def walk(self, street: str, frm: tuple, to: tuple) -> list[tuple]:
        adj: dict = defaultdict(set)
        for line in self.by_name[street]:
            for a, b in zip(line, line[1:]):
                adj[a].add(b)
                adj[b].add(a)
        prev = {frm: None}
        todo = deque([frm])
        while todo:
            n = todo.popleft()
            if n == to:
                break
            for m in sorted(adj[n]):
                if m not in prev:
                    prev[m] = n
                    todo.append(m)
        if to not in prev:
            fail(f"cannot walk {street} from {frm} to {to}")
        path = [to]
        while path[-1] != frm:
            path.append(prev[path[-1]])
        return path[::-1]


# --------------------------------------------------------------------------- places

def point_feature(coord, props) -> dict:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": list(coord)}, "properties": props}


def check_in_grid(kind: str, features: list[dict], grids: dict[str, Polygon]) -> None:
    for f in features:
        p = f["properties"]
        g = f["geometry"]
        geom = Point(g["coordinates"]) if g["type"] == "Point" else LineString(g["coordinates"])
        if p["grid_code"] not in grids or not grids[p["grid_code"]].contains(geom):
            fail(f"{kind} {p['code']} {p['name']} is not inside grid {p['grid_code']}")


def build_points(net: Network, grids) -> list[dict]:
    N = net.node
    spec = [
        # name, grid, anchor, (east m, north m), radius, visits, windows
        ("好又多超市", "G02", N("新华路", "解放路"), (45, 40), 60, 3, []),
        ("人民医院北区", "G02", N("古城路", "邓禹路"), (-45, 40), 60, 2, []),
        ("穰城大桥桥下", "G02", N("穰城大桥", "湍河北路"), (35, -25), 50, 2, SUMMER_EVENING),
        ("一初中校门", "G02", N("团结路", "邓禹路"), (45, -35), 40, 2, SCHOOL),
        ("十一小校门", "G02", N("团结路", "解放路"), (40, 35), 40, 2, SCHOOL),
        ("五初中校门", "G02", N("古城路", "北环路"), (-40, -40), 40, 2, SCHOOL),
        ("古城夜市", "G02", N("鼓楼街", "米市街"), (0, 25), 80, 3, NIGHT_MARKET),
        ("富侨足浴", "G02", N("新华路", "邓禹路"), (40, -35), 40, 2, ["18:00-24:00"]),
        ("汽车站出站口", "G05", N("古城路", "中州路"), (-50, -30), 80, 3, []),
        ("商业街步行街口", "G05", N("商业街", "花洲大道"), (0, -30), 60, 2, ["18:00-22:00"]),
        ("湍河南岸游园", "G05", N("穰城大桥", "湍河南路"), (-40, 25), 60, 1, SUMMER_EVENING),
        ("二初中校门", "G01", N("三贤路", "解放路"), (40, 35), 40, 2, SCHOOL),
        ("万家福超市", "G03", N("人民路", "解放路"), (40, 35), 60, 2, []),
        ("东关夜市", "G03", N("人民路", "东关街"), (60, 25), 80, 3, NIGHT_MARKET),
        ("实验小学校门", "G04", N("穰城路", "西关街"), (-40, 30), 40, 2, SCHOOL),
        ("体育场广场", "G04", N("西环路", "体育路"), (60, 40), 70, 1, ["18:00-21:00"]),
        ("中医院门口", "G06", N("人民路", "康宁街"), (40, 30), 50, 2, []),
        ("建设路农贸市场", "G06", N("建设路", "工业路"), (40, -35), 70, 2, ["05:30-08:30"]),
    ]
    feats = []
    for i, (name, grid, anchor, (e, n), radius, visits, windows) in enumerate(spec, 1):
        feats.append(point_feature(offset(anchor, e, n), {
            "code": f"P{i:02d}", "name": name, "grid_code": grid, "radius_m": radius,
            "visits_per_shift": visits, "time_windows": list(windows), "valid_from": VALID_FROM, "valid_to": None}))
    check_in_grid("point", feats, grids)
    return feats


def build_lines(net: Network, grids) -> list[dict]:
    N = net.node
    spec = [
        # name, grid, legs [(street, from (a, b), to (a, b))], corridor, passes, windows
        ("新华路—邓禹路夜间必巡线", "G02",
         [("新华路", ("新华路", "湍河北路"), ("新华路", "邓禹路")), ("邓禹路", ("新华路", "邓禹路"), ("古城路", "邓禹路"))],
         40, 2, ["20:00-24:00"]),
        ("团结路校园周边必巡线", "G02",
         [("团结路", ("团结路", "解放路"), ("团结路", "邓禹路"))], 30, 2, SCHOOL),
        ("湍河北路滨河纳凉必巡线", "G02",
         [("湍河北路", ("团结路", "湍河北路"), ("古城路", "湍河北路"))], 50, 2, SUMMER_EVENING),
        ("古城夜市鼓楼街必巡线", "G02",
         [("解放路", ("新华路", "解放路"), ("古城路", "解放路")), ("古城路", ("古城路", "解放路"), ("古城路", "鼓楼街")),
          ("鼓楼街", ("古城路", "鼓楼街"), ("新华路", "鼓楼街"))], 30, 3, NIGHT_MARKET),
        ("花洲大道商圈必巡线", "G05",
         [("花洲大道", ("团结路", "花洲大道"), ("古城路", "花洲大道"))], 50, 2, []),
        ("车站路汽车站周边必巡线", "G05",
         [("车站路", ("团结路", "车站路"), ("古城路", "车站路"))], 40, 2, []),
        ("人民路—解放路必巡线", "G03",
         [("人民路", ("人民路", "湍河北路"), ("人民路", "解放路")), ("解放路", ("人民路", "解放路"), ("建设路", "解放路"))],
         40, 2, []),
        ("穰城路必巡线", "G01", [("穰城路", ("穰城路", "湍河北路"), ("穰城路", "北环路"))], 40, 1, []),
        ("体育路必巡线", "G04", [("体育路", ("西环路", "体育路"), ("穰城路", "体育路"))], 40, 1, []),
        ("康宁街医院周边必巡线", "G06", [("康宁街", ("人民路", "康宁街"), ("建设路", "康宁街"))], 30, 2, []),
    ]
    feats = []
    for i, (name, grid, legs, corridor, passes, windows) in enumerate(spec, 1):
        coords: list = []
        for street, a, b in legs:
            path = net.walk(street, N(*a), N(*b))
            if coords and coords[-1] != path[0]:
                fail(f"line {name}: legs do not join")
            coords.extend(path if not coords else path[1:])
        feats.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
                      "properties": {"code": f"L{i:02d}", "name": name, "grid_code": grid, "corridor_m": corridor,
                                     "passes_per_shift": passes, "time_windows": list(windows),
                                     "valid_from": VALID_FROM, "valid_to": None}})
    check_in_grid("line", feats, grids)
    return feats


def build_targets(net: Network, grids) -> list[dict]:
    N = net.node
    spec = [
        ("市委市政府(党政中心区)", "government", "G02", N("新华路", "府前街"), (-90, 40)),
        ("市公安局", "government", "G03", N("人民路", "邓禹路"), (45, 40)),
        ("新华路繁华商圈", "business", "G02", N("新华路", "解放路"), (-40, -40)),
        ("花洲大道商圈", "business", "G05", N("商业街", "花洲大道"), (0, -90)),
        ("一初中", "school", "G02", N("团结路", "邓禹路"), (90, -70)),
        ("十一小", "school", "G02", N("团结路", "解放路"), (80, 70)),
        ("五初中", "school", "G02", N("古城路", "北环路"), (-80, -80)),
        ("二初中", "school", "G01", N("三贤路", "解放路"), (80, 70)),
        ("实验小学", "school", "G04", N("穰城路", "西关街"), (-80, 60)),
        ("人民医院北区", "hospital", "G02", N("古城路", "邓禹路"), (-90, 80)),
        ("中医院", "hospital", "G06", N("人民路", "康宁街"), (90, 60)),
        ("古城夜市", "night_market", "G02", N("鼓楼街", "米市街"), (-40, 20)),
        ("东关夜市", "night_market", "G03", N("人民路", "东关街"), (120, 20)),
        ("汽车站周边(治安复杂地区)", "complex_order", "G05", N("古城路", "中州路"), (-100, -60)),
        ("富侨足浴周边娱乐场所", "complex_order", "G02", N("新华路", "邓禹路"), (80, -60)),
        ("好又多超市", "crowded_place", "G02", N("新华路", "解放路"), (90, 80)),
        ("万家福超市", "crowded_place", "G03", N("人民路", "解放路"), (90, 70)),
        ("体育场", "crowded_place", "G04", N("西环路", "体育路"), (120, 80)),
        ("建设路农贸市场", "crowded_place", "G06", N("建设路", "工业路"), (90, -70)),
    ]
    feats = [point_feature(offset(anchor, e, n), {"code": f"T{i:02d}", "name": name, "category": cat, "grid_code": grid})
             for i, (name, cat, grid, anchor, (e, n)) in enumerate(spec, 1)]
    check_in_grid("target", feats, grids)
    return feats


def build_stations(net: Network, grids) -> list[dict]:
    N = net.node
    spec = [
        ("城区一网格联勤服务站", "joint_service_station", "G01", N("穰城路", "解放路"), (-40, -40)),
        ("城区二网格联勤服务站", "joint_service_station", "G02", N("新华路", "鼓楼街"), (-40, 0)),
        ("城区三网格联勤服务站", "joint_service_station", "G03", N("人民路", "解放路"), (-40, -40)),
        ("城区四网格联勤服务站", "joint_service_station", "G04", N("穰城路", "中州路"), (-40, 35)),
        ("城区五网格联勤服务站", "joint_service_station", "G05", N("新华路", "花洲大道"), (-45, -40)),
        ("城区六网格联勤服务站", "joint_service_station", "G06", N("人民路", "中州路"), (40, -35)),
        ("市委市政府特警驻守点", "swat_post", "G02", N("新华路", "府前街"), (-40, -30)),
        ("新华路商圈特警驻守点", "swat_post", "G02", N("新华路", "解放路"), (45, -40)),
        ("汽车站特警驻守点", "swat_post", "G05", N("古城路", "中州路"), (-40, 40)),
        ("东关夜市特警驻守点", "swat_post", "G03", N("人民路", "东关街"), (40, -30)),
        ("古城派出所", "police_station", "G02", N("古城路", "解放路"), (40, -40)),
        ("花洲派出所", "police_station", "G05", N("团结路", "中州路"), (40, 40)),
        ("三贤派出所", "police_station", "G04", N("三贤路", "花洲大道"), (-40, -40)),
        ("东城派出所", "police_station", "G06", N("建设路", "花洲大道"), (40, -40)),
        ("新华路花洲大道交警岗", "traffic_post", "G05", N("新华路", "花洲大道"), (25, -25)),
        ("人民路解放路交警岗", "traffic_post", "G03", N("人民路", "解放路"), (-25, 25)),
    ]
    feats = [point_feature(offset(anchor, e, n), {"code": f"ST{i:02d}", "name": name, "kind": kind, "grid_code": grid,
                                                   "phone": f"0377-6221{i:04d}"})
             for i, (name, kind, grid, anchor, (e, n)) in enumerate(spec, 1)]
    check_in_grid("station", feats, grids)
    return feats


# --------------------------------------------------------------------------- roster

SURNAMES = "王李张刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = ["建国", "卫东", "志强", "海涛", "晓明", "国庆", "红梅", "丽娟", "文斌", "永刚", "春生", "学军", "振华",
         "立新", "玉兰", "德胜", "俊杰", "明辉", "伟", "磊", "静", "敏", "军", "勇", "芳", "涛", "超", "鹏", "洋",
         "杰", "娜", "强", "浩", "宇", "思远", "家豪", "雪梅", "建军", "保国", "新民", "爱华", "云飞", "向阳",
         "秀英", "文静", "海燕", "志刚", "晓东", "建平", "春燕", "国强", "宏伟", "利民", "少华", "红旗", "胜利"]


class NamePool:
    def __init__(self, seed: int, taken: set[str]):
        self.rng = random.Random(seed)
        self.used = set(taken)

    def next(self) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if name not in self.used:
                self.used.add(name)
                return name


JOINT_KIT = [
    {"item": "4G执法记录仪", "count": 1, "agency": "police"},
    {"item": "4G执法记录仪", "count": 1, "agency": "city"},
    {"item": "对讲机", "count": 1, "agency": "police"},
    {"item": "对讲机", "count": 1, "agency": "city"},
    {"item": "单警装备", "count": 2, "agency": "police"},
    {"item": "执法PDA终端", "count": 1},
    {"item": "简易行政处罚决定书", "count": 1},
]


def build_roster(stations: list[dict], grids) -> dict:
    names = NamePool(818, {n for info in GRID_INFO.values() for n in info[1:]})
    st = {f["properties"]["code"]: f["properties"] for f in stations}

    def station(grid: str, kind: str, name_part: str = "") -> str:
        for code in sorted(st):
            p = st[code]
            if p["grid_code"] == grid and p["kind"] == kind and name_part in p["name"]:
                return code
        fail(f"no {kind} station in {grid} matching {name_part!r}")

    counters: dict[tuple[str, str], int] = defaultdict(int)

    def device(prefix: str, kind: str, grid: str, agency: str) -> dict:
        counters[(prefix, grid)] += 1
        return {"device_id": f"{prefix}-{grid[1:]}{counters[(prefix, grid)]:02d}", "kind": kind, "agency": agency}

    def members(spec) -> list[dict]:
        return [{"name": names.next(), "agency": agency, "role": role} for agency, role in spec]

    units: list[dict] = []

    def unit(callsign, name, agency, force, tier, travel, grid, home, mem, kit, devices):
        units.append({"callsign": callsign, "name": name, "agency": agency, "force": force, "tier": tier,
                      "travel_mode": travel, "grid_code": grid, "home_station": home, "members": mem,
                      "kit": [dict(k) for k in kit], "devices": devices})

    joint_members = [("police", "民警"), ("police", "辅警"), ("city", "城管执法队员"), ("city", "城管执法队员")]

    def joint_devices(grid):
        return [device("BC", "body_camera", grid, "police"), device("BC", "body_camera", grid, "city"),
                device("RD", "radio", grid, "police"), device("RD", "radio", grid, "city"),
                device("PH", "phone", grid, "police")]

    # Tier 1: joint patrol groups (联勤巡组)
    numerals = "一二三四五六"
    for grid, n, travel in [("G01", 1, "ebike"), ("G02", 1, "foot"), ("G02", 2, "ebike"), ("G02", 3, "foot"),
                            ("G02", 4, "ebike"), ("G03", 1, "ebike"), ("G03", 2, "foot"), ("G04", 1, "ebike"),
                            ("G05", 1, "foot"), ("G05", 2, "ebike"), ("G06", 1, "ebike")]:
        g = int(grid[1:])
        unit(f"联勤{g}-{n}", f"{numerals[g - 1]}网格联勤巡组{n}组", "joint", "grid_patrol", 1, travel, grid,
             station(grid, "joint_service_station"), members(joint_members), JOINT_KIT, joint_devices(grid))

    # Tier 1: SWAT teams stationed at key targets (快反重点部位驻守特警小组)
    swat_kit = [{"item": "4G执法记录仪", "count": 1, "agency": "police"}, {"item": "对讲机", "count": 3, "agency": "police"},
                {"item": "单警装备", "count": 3, "agency": "police"}, {"item": "防暴装备", "count": 3, "agency": "police"},
                {"item": "巡逻警车", "count": 1, "agency": "police"}]
    swat_posts = [c for c in sorted(st) if st[c]["kind"] == "swat_post"]
    for n, code in enumerate(swat_posts, 1):
        grid = st[code]["grid_code"]
        unit(f"特警快反{n}", st[code]["name"].replace("驻守点", "小组"), "police", "swat", 1, "car", grid, code,
             members([("police", "特警")] * 3), swat_kit,
             [device("BC", "body_camera", grid, "police"), device("RD", "radio", grid, "police"),
              device("PH", "phone", grid, "police")])

    # Tier 2: grid joint forces in reserve, police stations, SWAT, traffic police
    for grid in ("G02", "G05"):
        g = int(grid[1:])
        unit(f"联勤{g}-备", f"{numerals[g - 1]}网格联勤备勤组", "joint", "grid_patrol", 2, "ebike", grid,
             station(grid, "joint_service_station"), members(joint_members), JOINT_KIT, joint_devices(grid))
    station_kit = [{"item": "4G执法记录仪", "count": 1, "agency": "police"}, {"item": "对讲机", "count": 2, "agency": "police"},
                   {"item": "单警装备", "count": 2, "agency": "police"}, {"item": "巡逻警车", "count": 1, "agency": "police"}]
    for code in [c for c in sorted(st) if st[c]["kind"] == "police_station"]:
        grid, short = st[code]["grid_code"], st[code]["name"].replace("派出所", "")
        unit(f"{short}所1", f"{st[code]['name']}巡逻组", "police", "station_police", 2, "car", grid, code,
             members([("police", "民警"), ("police", "辅警")]), station_kit,
             [device("BC", "body_camera", grid, "police"), device("RD", "radio", grid, "police"),
              device("PH", "phone", grid, "police")])
    unit("特警机动1", "特警大队机动组", "police", "swat", 2, "car", "G02", station("G02", "swat_post", "市委"),
         members([("police", "特警")] * 4), swat_kit,
         [device("RD", "radio", "G02", "police"), device("PH", "phone", "G02", "police")])
    traffic_kit = [{"item": "4G执法记录仪", "count": 1, "agency": "police"}, {"item": "对讲机", "count": 1, "agency": "police"},
                   {"item": "酒精测试仪", "count": 1, "agency": "police"}, {"item": "执法PDA终端", "count": 1}]
    for n, (code, travel) in enumerate([(c, m) for c, m in zip(
            [c for c in sorted(st) if st[c]["kind"] == "traffic_post"], ("car", "ebike"))], 1):
        grid = st[code]["grid_code"]
        unit(f"交警{n}", f"{st[code]['name']}执勤组", "police", "traffic_police", 2, travel, grid, code,
             members([("police", "交警"), ("police", "辅警")]), traffic_kit,
             [device("RD", "radio", grid, "police"), device("PH", "phone", grid, "police")])

    # Tier 3: city-level reserves
    unit("青年突击队", "市公安局青年突击队", "police", "youth_commando", 3, "car", "G02",
         station("G02", "police_station"),
         members([("police", "民警")] * 3 + [("police", "辅警")] * 3),
         [{"item": "对讲机", "count": 6, "agency": "police"}, {"item": "单警装备", "count": 6, "agency": "police"},
          {"item": "防暴装备", "count": 6, "agency": "police"}, {"item": "巡逻警车", "count": 2, "agency": "police"}],
         [device("RD", "radio", "G02", "police"), device("PH", "phone", "G02", "police"),
          device("BC", "body_camera", "G02", "police")])
    unit("城管应急队", "市城管局综合应急队", "city", "city_emergency", 3, "car", "G05",
         station("G05", "joint_service_station"),
         members([("city", "城管执法队员")] * 6),
         [{"item": "对讲机", "count": 6, "agency": "city"}, {"item": "4G执法记录仪", "count": 2, "agency": "city"},
          {"item": "应急处置车", "count": 1, "agency": "city"}, {"item": "执法PDA终端", "count": 2}],
         [device("RD", "radio", "G05", "city"), device("PH", "phone", "G05", "city"),
          device("BC", "body_camera", "G05", "city")])

    # checks
    ids = [d["device_id"] for u in units for d in u["devices"]]
    if len(ids) != len(set(ids)):
        fail("duplicate device ids")
    if len({u["callsign"] for u in units}) != len(units):
        fail("duplicate callsigns")
    for u in units:
        if not u["devices"]:
            fail(f"{u['callsign']} has no device")
        if u["home_station"] not in st or u["grid_code"] not in grids:
            fail(f"{u['callsign']}: unknown station or grid")
    return {"name": "roster", "synthetic": True, "note": NOTE, "units": units}


# --------------------------------------------------------------------------- output

def collection(name: str, features: list[dict]) -> dict:
    codes = [f["properties"]["code"] for f in features]
    if len(codes) != len(set(codes)):
        fail(f"{name}: duplicate codes")
    return {"type": "FeatureCollection", "name": name, "synthetic": True, "note": NOTE, "features": features}


def dump(obj) -> str:
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=1) + "\n"


def build() -> dict[str, str]:
    grids = build_grids()
    grid_feats = []
    for i, code in enumerate(sorted(grids), 1):
        name, commander, commissar = GRID_INFO[code]
        grid_feats.append({"type": "Feature",
                           "geometry": {"type": "Polygon", "coordinates": [[list(c) for c in grids[code].exterior.coords]]},
                           "properties": {"code": code, "name": name, "commander": commander,
                                          "political_commissar": commissar, "phone": f"0377-6218{i:04d}"}})
    streets = build_streets(grids)
    net = Network(streets)
    stations = build_stations(net, grids)
    return {
        "grids.geojson": dump(collection("grids", grid_feats)),
        "streets.geojson": dump(collection("streets", streets)),
        "points.geojson": dump(collection("points", build_points(net, grids))),
        "lines.geojson": dump(collection("lines", build_lines(net, grids))),
        "targets.geojson": dump(collection("targets", build_targets(net, grids))),
        "stations.geojson": dump(collection("stations", stations)),
        "roster.json": dump(build_roster(stations, grids)),
    }


def main() -> int:
    try:
        files = build()
    except DemoCityError as exc:
        print(f"make_demo_city: FAILED: {exc}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (OUT / name).write_text(text, encoding="utf-8")
        print(f"wrote {OUT.relative_to(ROOT) / name} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
