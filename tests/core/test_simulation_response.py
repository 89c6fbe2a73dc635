"""Units answering dispatch orders in the simulation: turn-out, the street route, on scene, back to patrol."""
from datetime import timedelta

import pytest
from shapely.geometry import LineString, Point, shape

from core.geodesy import distance_m
from core.simulation import MessConfig, ResponseOrder, SimConfig, Simulation, road_route
from tests.core.test_simulation import T0, city, make_sim  # noqa: F401  (the city fixture)

SCENE = (112.0830, 32.6840)  # the incident in grid G02


def _unit(city, callsign):
    return next(u for u in city["units"] if u.key == callsign)


def _track(sim, key, seconds, step=1.0, start=0.0):
    """(t, true position) every ``step`` seconds."""
    out = []
    t = start
    while t < seconds:
        t += step
        sim.advance(T0 + timedelta(seconds=t))
        out.append((t, sim.position(key)))
    return out


def test_a_unit_turns_out_drives_the_street_route_stays_and_returns(city):
    sim = make_sim(city, mess=MessConfig.clean())
    key = "特警快反1"  # a car
    _track(sim, key, 60)
    ordered = T0 + timedelta(seconds=60)
    response = sim.respond(key, ResponseOrder(7, SCENE, ordered, "dispute"), ordered)
    # Turn-out around the settings' 30 s: a car crew takes 0.9-1.6 of it.
    assert 27.0 <= (response.moving_at - ordered).total_seconds() <= 48.0
    assert response.by_road and response.route_m > 0
    # At the dispatch speed for a car (30 km/h, +-10 %).
    assert 30 / 3.6 * 0.9 <= response.speed_mps <= 30 / 3.6 * 1.1
    drive_s = (response.arrive_at - response.moving_at).total_seconds()
    assert drive_s == pytest.approx(response.route_m / response.speed_mps, rel=0.005)
    handling = (response.leave_at - response.arrive_at).total_seconds()
    assert 600.0 <= handling <= 1800.0  # a dispute

    track = _track(sim, key, 60 + (response.leave_at - ordered).total_seconds() + 600, start=60)
    at = {t: pos for t, pos in track}
    start_pos = at[61.0]
    moving_t = 60 + (response.moving_at - ordered).total_seconds()
    arrive_t = 60 + (response.arrive_at - ordered).total_seconds()
    leave_t = 60 + (response.leave_at - ordered).total_seconds()
    # Waits during turn-out, then moves; is at the scene between arrival and leaving.
    assert all(pos == start_pos for t, pos in track if t < moving_t - 1)
    assert at[int(moving_t) + 5.0] != start_pos
    on_scene = [pos for t, pos in track if arrive_t + 1 <= t <= leave_t - 1]
    assert on_scene and all(distance_m(*p, *SCENE) < 0.5 for p in on_scene)
    # Drives the street route the dispatch ranking computes (core.travel), not a straight line.
    route = road_route(city["network"], start_pos, SCENE, "car")
    assert route is not None and route[-1] == SCENE
    line = LineString(route)
    travelling = [pos for t, pos in track if moving_t + 1 <= t <= arrive_t - 1]
    assert travelling and all(line.distance(Point(p)) * 111_000 < 1.0 for p in travelling)
    assert response.route_m == pytest.approx(sum(distance_m(*a, *b) for a, b in zip(route, route[1:])), abs=0.5)
    # Afterwards it leaves the scene again (back to patrol / its station).
    assert distance_m(*at[track[-1][0]], *SCENE) > 50
    assert response.phase(response.leave_at + timedelta(seconds=1)) == "returning"
    assert response.phase(ordered) == "turnout"


def test_a_patrol_returns_to_its_grid_after_handling(city):
    sim = make_sim(city, mess=MessConfig.clean())
    key = "联勤3-1"  # patrols G03, sent to G02
    ordered = T0 + timedelta(seconds=10)
    _track(sim, key, 10)
    response = sim.respond(key, ResponseOrder(1, SCENE, ordered, "assistance"), ordered)
    end = (response.leave_at - T0).total_seconds()
    track = _track(sim, key, end + 3600, step=10.0, start=10)
    grid = next(shape(g.geometry) for g in city["grids"] if g.code == "G03").buffer(0.001)
    later = [pos for t, pos in track if t > end + 1800]
    assert later and all(grid.contains(Point(p)) for p in later)


def test_responses_are_deterministic_per_seed_and_order(city):
    def one(seed, token):
        sim = make_sim(city, seed=seed)
        ordered = T0 + timedelta(seconds=30)
        sim.advance(ordered)
        r = sim.respond("联勤2-2", ResponseOrder(token, SCENE, ordered, "traffic_accident"), ordered)
        fixes = [f for f in sim.advance(ordered + timedelta(seconds=300))]
        return r.moving_at, r.arrive_at, r.leave_at, [(f.lon, f.lat) for f in fixes]

    assert one(3, 11) == one(3, 11)
    assert one(3, 11)[:3] != one(3, 12)[:3]


def test_turnout_follows_the_settings_and_the_travel_mode(city):
    fast = SimConfig(turnout_s=10.0, mess=MessConfig.clean())
    slow = SimConfig(turnout_s=120.0, mess=MessConfig.clean())
    for config, low, high in ((fast, 3.0, 8.0), (slow, 36.0, 96.0)):
        sim = Simulation(city["units"], city["network"], city["lines"], city["points"], 1, config,
                         grids=city["grids"], start=T0)
        r = sim.respond("联勤2-1", ResponseOrder(1, SCENE, T0, None), T0)  # on foot: 0.3-0.8 of it
        assert low <= (r.moving_at - T0).total_seconds() <= high
        assert r.speed_mps <= 5 / 3.6 * 1.1


def test_recall_sends_the_unit_back_before_it_arrives(city):
    sim = make_sim(city, mess=MessConfig.clean())
    key = "古城所1"
    r = sim.respond(key, ResponseOrder(2, SCENE, T0, "criminal"), T0)
    halfway = r.moving_at + (r.arrive_at - r.moving_at) / 2
    sim.advance(halfway)
    sim.recall(key, halfway)
    assert r.recalled_at == halfway and r.phase(halfway) == "returning"
    track = _track(sim, key, (r.arrive_at - T0).total_seconds() + 1200, step=5.0,
                   start=(halfway - T0).total_seconds())
    assert min(distance_m(*p, *SCENE) for _, p in track) > 20  # never reached the scene


def test_an_order_from_before_the_units_last_report_starts_from_where_it_is(city):
    sim = make_sim(city, mess=MessConfig.clean())
    sim.advance(T0 + timedelta(seconds=120))
    late = T0 + timedelta(seconds=120)
    r = sim.respond("特警快反2", ResponseOrder(5, SCENE, T0, None), late)  # ordered 2 minutes ago
    # The turn-out is long over: it sets off at once, from its last reported place (< 5 s ago).
    assert timedelta(0) <= late - r.moving_at < timedelta(seconds=5)
