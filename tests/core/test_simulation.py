import json
import math
from collections import Counter, defaultdict
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from importlib import resources

import pytest
from shapely.geometry import Point, shape

from core.geodesy import bbox_of, distance_m
from core.layers import LayerFeature
from core.road_network import RoadNetwork
from core.simulation import CLEAN_ACCURACY_M, MessConfig, SimConfig, Simulation, SimUnit, TRAVEL_SPEEDS_MPS

T0 = datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)


def _demo(name):
    return json.loads(resources.files("resources").joinpath("demo", name).read_text(encoding="utf-8"))


def _features(layer):
    out = []
    for f in _demo(f"{layer}.geojson")["features"]:
        p = f["properties"]
        out.append(LayerFeature(layer, p["code"], p["name"], f["geometry"], bbox_of(f["geometry"]["coordinates"]),
                                kind=p.get("road_class") or p.get("kind"), grid_code=p.get("grid_code"), properties=p))
    return out


@pytest.fixture(scope="module")
def city():
    stations = {f.code: tuple(f.geometry["coordinates"]) for f in _features("stations")}
    units = [SimUnit(u["callsign"], tuple(d["device_id"] for d in u["devices"]), u["travel_mode"], u["force"],
                     u["grid_code"], stations[u["home_station"]]) for u in _demo("roster.json")["units"]]
    return {
        "network": RoadNetwork.from_features(_features("streets")), "lines": _features("lines"),
        "points": _features("points"), "grids": _features("grids"), "units": units,
    }


def make_sim(city, seed=1, mess=None, interval=5.0, units=None):
    config = SimConfig(unit_interval_s=interval, mess=mess or MessConfig())
    return Simulation(units or city["units"], city["network"], city["lines"], city["points"], seed, config,
                      grids=city["grids"], start=T0)


def run(sim, seconds, step=1.0, detailed=False):
    out = []
    t = 0.0
    while t < seconds:
        t = min(t + step, seconds)
        now = T0 + timedelta(seconds=t)
        out.extend(sim.advance_detailed(now) if detailed else sim.advance(now))
    return out


def by_unit(city, fixes):
    owner = {d: u for u in city["units"] for d in u.device_ids}
    tracks = defaultdict(list)
    for fix in fixes:
        tracks[owner[fix.device_id]].append(fix)
    return tracks


def test_same_seed_and_times_give_identical_fixes(city):
    a = run(make_sim(city, seed=3), 900, step=1.0)
    b = run(make_sim(city, seed=3), 900, step=1.0)
    assert len(a) > 1000
    assert a == b
    assert run(make_sim(city, seed=4), 900) != a


def test_tracks_do_not_depend_on_tick_size_or_other_units(city):
    clean = MessConfig.clean()
    fine = run(make_sim(city, mess=clean), 1200, step=1.0)
    coarse = run(make_sim(city, mess=clean), 1200, step=7.0)
    assert sorted(fine, key=lambda f: (f.fix_time, f.device_id)) == sorted(coarse, key=lambda f: (f.fix_time, f.device_id))
    # Adding a unit does not change anyone else's track.
    first = city["units"][0]
    extra = SimUnit("extra", ("X-1",), "car", "swat", None, None)
    alone = run(make_sim(city, mess=clean, units=[first]), 600)
    together = [f for f in run(make_sim(city, mess=clean, units=[first, extra]), 600) if f.device_id != "X-1"]
    assert alone == together


def test_fixes_carry_every_field(city):
    fixes = run(make_sim(city), 300)
    for fix in fixes:
        assert fix.fix_time.tzinfo is not None and fix.fix_time <= T0 + timedelta(seconds=300)
        assert 0.0 <= fix.heading_deg < 360.0
        assert fix.speed_mps >= 0.0 and fix.accuracy_m > 0.0
        assert 10.0 <= fix.battery_pct <= 100.0


def test_speeds_are_plausible_per_travel_mode(city):
    tracks = by_unit(city, run(make_sim(city, mess=MessConfig.clean(), interval=2.0), 3600))
    observed = defaultdict(list)
    for unit, fixes in tracks.items():
        lo, hi = TRAVEL_SPEEDS_MPS[unit.travel_mode]
        fixes.sort(key=lambda f: f.fix_time)
        for a, b in zip(fixes, fixes[1:]):
            dt = (b.fix_time - a.fix_time).total_seconds()
            # Along streets the straight line is never longer than the path driven.
            assert distance_m(a.lon, a.lat, b.lon, b.lat) / dt <= hi * 1.01 + 0.01, unit.key
            assert b.speed_mps == 0.0 or lo - 1e-6 <= b.speed_mps <= hi + 1e-6
            if b.speed_mps > 0:
                observed[unit.travel_mode].append(distance_m(a.lon, a.lat, b.lon, b.lat) / dt)
    for mode, (lo, hi) in TRAVEL_SPEEDS_MPS.items():
        moving = sorted(observed[mode])
        assert moving, mode
        median = moving[len(moving) // 2]
        assert lo * 0.8 <= median <= hi, mode  # turns shorten the chord a little


def test_patrols_stay_in_their_grid_and_pause_at_must_visit_points(city):
    grids = {g.code: shape(g.geometry) for g in city["grids"]}
    points = [shape(p.geometry) for p in city["points"]]
    tracks = by_unit(city, run(make_sim(city, mess=MessConfig.clean()), 7200, step=5.0))
    paused_at_point = Counter()
    for unit, fixes in tracks.items():
        if not unit.patrols:
            continue
        area = grids[unit.grid_code].buffer(0.002)  # ~200 m: routes may clip a boundary street
        for fix in fixes:
            assert area.contains(Point(fix.lon, fix.lat)), (unit.key, fix)
            if fix.speed_mps == 0 and any(Point(fix.lon, fix.lat).distance(p) < 1e-6 for p in points):
                paused_at_point[unit.key] += 1
    assert len(paused_at_point) >= 5


def test_other_forces_idle_at_their_home_station(city):
    tracks = by_unit(city, run(make_sim(city, mess=MessConfig.clean()), 3600, step=5.0))
    others = [u for u in city["units"] if not u.patrols]
    assert others
    for unit in others:
        at_home = [f for f in tracks[unit] if distance_m(f.lon, f.lat, *unit.home) < 1.0]
        assert at_home, unit.key
    # ... and some of them go out on the streets.
    assert any(max(distance_m(f.lon, f.lat, *u.home) for f in tracks[u]) > 300 for u in others)


def test_mess_shares_are_roughly_honoured(city):
    mess = MessConfig(noise=0.8, jumps=0.1, duplicates=0.1, late=0.1, silent=0.2, silent_mean_s=120.0)
    sim = make_sim(city, mess=mess, interval=2.0)
    emissions = run(sim, 3600, detailed=True) + sim.drain()
    # Judged from what the devices sent, not from the simulator's own counters.
    sent_before, newest = set(), {}
    unique, duplicates, out_of_order = [], [], 0
    for e in emissions:
        fix = e.fix
        key = (fix.device_id, fix.fix_time)
        if key in sent_before:
            duplicates.append(e)
            continue
        sent_before.add(key)
        unique.append(fix)
        if fix.fix_time < newest.get(fix.device_id, fix.fix_time):
            out_of_order += 1
        newest[fix.device_id] = max(newest.get(fix.device_id, fix.fix_time), fix.fix_time)
    reported = len(unique)  # fixes the devices made and sent, once each
    scheduled = len(city["units"]) * 3600 / 2.0  # one report per unit every 2 s
    assert reported > 20000
    assert 1 - reported / scheduled == pytest.approx(0.2, abs=0.05)  # silent devices sent nothing
    assert out_of_order / reported == pytest.approx(0.1, abs=0.02)
    assert len(duplicates) / reported == pytest.approx(0.1, abs=0.02)
    assert all(d.fix in unique for d in duplicates[:200])  # the very same report, again
    # A clean fix says 3 m; Gaussian noise 3-9 m; a jump of 30-80 m says at least 24 m.
    noisy = [f for f in unique if f.accuracy_m != CLEAN_ACCURACY_M]
    assert len(noisy) / reported == pytest.approx(0.8, abs=0.02)
    assert sum(f.accuracy_m >= 24 for f in noisy) / len(noisy) == pytest.approx(0.1, abs=0.02)
    assert all(f.accuracy_m <= 9.1 or f.accuracy_m >= 24 for f in noisy)
    kinds = Counter(e.kind for e in emissions)
    assert kinds["duplicate"] == len(duplicates) and kinds["late"] >= out_of_order


def test_late_fixes_come_after_newer_ones_and_duplicates_repeat_a_sent_fix(city):
    sim = make_sim(city, mess=replace(MessConfig(), late=0.1, duplicates=0.1, silent=0.0))
    newest_sent: dict[str, datetime] = {}
    sent = {}
    late = duplicates = 0
    for e in run(sim, 1800, detailed=True):
        fix = e.fix
        if e.kind == "late":
            late += 1
            assert fix.fix_time < newest_sent[fix.device_id] <= e.sent_at
        if e.kind == "duplicate":
            duplicates += 1
            assert sent[(fix.device_id, fix.fix_time)] == fix
        sent[(fix.device_id, fix.fix_time)] = fix
        newest_sent[fix.device_id] = max(newest_sent.get(fix.device_id, fix.fix_time), fix.fix_time)
    assert late > 50 and duplicates > 50


def test_accuracy_matches_the_error_injected(city):
    # Movement does not depend on the mess, so a clean twin run gives the true positions.
    truth = {(f.device_id, f.fix_time): f for f in run(make_sim(city, mess=MessConfig.clean()), 3600)}
    noisy = MessConfig(noise=1.0, jumps=0.05, duplicates=0.0, late=0.0, silent=0.0)
    within = total = jumps = 0
    for fix in run(make_sim(city, mess=noisy), 3600):
        true = truth[(fix.device_id, fix.fix_time)]
        error = distance_m(fix.lon, fix.lat, true.lon, true.lat)
        # A jump reports itself with a poor accuracy; ordinary noise reports at most 1.5 * 6 m.
        if fix.accuracy_m > 15:
            jumps += 1
            assert 29 <= error <= 81
            assert fix.accuracy_m >= 0.75 * error
        else:
            total += 1
            within += error <= fix.accuracy_m
    assert jumps > 50
    assert within / total == pytest.approx(0.68, abs=0.04)  # accuracy is the 68 % radius


def test_battery_drains_slowly(city):
    fixes = run(make_sim(city, mess=MessConfig.clean()), 3600, step=10.0)
    levels = defaultdict(list)
    for fix in fixes:
        levels[fix.device_id].append(fix.battery_pct)
    for device, series in levels.items():
        drop = series[0] - series[-1]
        if series[-1] <= series[0]:  # not swapped during the hour
            assert 3.5 <= drop <= 10.5, device
        assert all(b <= a + 1e-9 or b > 80 for a, b in zip(series, series[1:]))


def test_rate_is_one_fix_per_unit_interval(city):
    sim = make_sim(city, mess=MessConfig.clean(), interval=4.0)
    fixes = run(sim, 400)
    assert len(fixes) == pytest.approx(len(city["units"]) * 400 / 4.0, abs=len(city["units"]))
    # Devices take turns: every device of a five-device patrol reports.
    patrol = city["units"][0]
    assert {f.device_id for f in fixes} >= set(patrol.device_ids)


def test_config_validation(city):
    with pytest.raises(ValueError):
        MessConfig(late=1.5)
    with pytest.raises(ValueError):
        SimConfig(unit_interval_s=0)
    with pytest.raises(ValueError):
        Simulation(city["units"], RoadNetwork(), seed=1)
    assert math.isclose(make_sim(city).config.unit_interval_s, 5.0)
