"""Ranking and ETAs against hand-computed cases on a tiny street network."""
from datetime import datetime, timedelta, timezone

import pytest

from core.dispatch import JSON_FIELDS, rank_units, ring_counts, ring_of
from core.geodesy import bbox_of, distance_m
from core.layers import LayerFeature
from core.road_network import RoadNetwork
from core.settings import DispatchSettings
from core.travel import TravelModel, can_serve
from core.units import LastFix, UnitInfo

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)

# (lon, lat); columns ~94 m apart, rows ~111 m apart:
#
#   D ---- E ---- F
#   |      |      |
#   A ---- B ===> C        B->C one-way; every other street two-way
#
#   G ---- H               far away and unconnected
A, B, C = (112.000, 32.000), (112.001, 32.000), (112.002, 32.000)
D, E, F = (112.000, 32.001), (112.001, 32.001), (112.002, 32.001)
G, H = (112.020, 32.020), (112.021, 32.020)
# Round numbers for hand computation: 1, 2 and 5 m/s, 30 s turn-out, detour 1.3.
MODEL = TravelModel(speeds_mps=(("foot", 1.0), ("ebike", 2.0), ("car", 5.0)), turnout_s=30.0, detour_factor=1.3)


def m(p, q) -> float:
    return distance_m(p[0], p[1], q[0], q[1])


def street(code, coords, oneway=False):
    return LayerFeature("streets", code, code, {"type": "LineString", "coordinates": coords}, bbox_of(coords),
                        properties={"oneway": oneway})


@pytest.fixture(scope="module")
def net():
    return RoadNetwork.from_features([
        street("AB", [A, B]), street("BC", [B, C], oneway=True), street("AD", [A, D]), street("DEF", [D, E, F]),
        street("BE", [B, E]), street("FC", [F, C]), street("GH", [G, H]),
    ])


def unit(uid, at, *, mode="car", agency="joint", status="available", tier=1, grid="G1", age_s=5.0, callsign=None,
         force="grid_patrol"):
    fix = None if at is None else LastFix(time=NOW - timedelta(seconds=age_s), lon=at[0], lat=at[1])
    return UnitInfo(unit_id=uid, callsign=callsign or f"U{uid}", name="", agency=agency, force=force, tier=tier,
                    travel_mode=mode, status=status, grid_code=grid, last_fix=fix)


def rank(units, at, **kw):
    args = dict(incident_grid="G1", needs="any", now=NOW, model=MODEL, stale_after_s=60)
    args.update(kw)
    return rank_units(units, at[0], at[1], **args)


def test_travel_model_from_settings_and_straight_eta():
    model = TravelModel.from_settings(DispatchSettings())
    assert model.speed("ebike") == pytest.approx(20 / 3.6)
    assert model.speed("unknown") == model.speed("foot")
    # 1 km straight by car at 30 km/h: 1300 m / 8.333 m/s + 30 s.
    assert model.straight_eta_s(1000.0, "car") == pytest.approx(1300 / (30 / 3.6) + 30)
    assert model.reach_m(180, "ebike") == pytest.approx(150 * 20 / 3.6)
    assert model.reach_m(20, "car") == 0.0
    with pytest.raises(ValueError, match="positive"):
        TravelModel.from_settings(DispatchSettings(speed_car_kmh=0.0))


@pytest.mark.parametrize("agency,needs,ok", [
    ("police", "police", True), ("joint", "police", True), ("city", "police", False),
    ("city", "city", True), ("joint", "city", True), ("police", "city", False),
    ("joint", "joint", True), ("police", "joint", False), ("city", "joint", False),
    ("police", "any", True), ("city", "any", True), ("joint", "any", True),
])
def test_capability_table(agency, needs, ok):
    assert can_serve(agency, needs) is ok


def test_unknown_needs_and_mode_are_refused(net):
    with pytest.raises(ValueError, match="unknown capability"):
        rank([unit(1, A)], B, needs="fire", mode="straight")
    with pytest.raises(ValueError, match="mode"):
        rank([unit(1, A)], B, mode="air")
    with pytest.raises(ValueError, match="street network"):
        rank([unit(1, A)], B, mode="road")


def test_straight_eta_is_the_labelled_estimate():
    recs = rank([unit(1, A, mode="ebike"), unit(2, F, mode="car")], B, mode="straight")
    by_id = {r.unit_id: r for r in recs}
    assert by_id[1].eta_s == pytest.approx(m(A, B) * 1.3 / 2.0 + 30, abs=0.05)
    assert by_id[2].eta_s == pytest.approx(m(F, B) * 1.3 / 5.0 + 30, abs=0.05)
    assert [r.unit_id for r in recs] == [2, 1]  # car 146 m beats e-bike 94 m
    for r in recs:
        assert r.mode == "straight" and r.route is None
        assert "estimate: straight line × 1.3" in r.reason
    assert by_id[1].distance_m == pytest.approx(m(A, B), abs=0.05)
    assert list(recs[0].as_json()) == list(JSON_FIELDS)


def test_road_eta_along_the_streets(net):
    # Car at A to an incident at C: A-B, then the one-way B->C: 188 m.
    recs = rank([unit(1, A)], C, mode="road", network=net)
    assert recs[0].mode == "road"
    assert recs[0].eta_s == pytest.approx((m(A, B) + m(B, C)) / 5.0 + 30, abs=0.05)
    assert recs[0].distance_m == pytest.approx(m(A, C), abs=0.05)  # still the straight line
    assert recs[0].reason.startswith("car 189 m by road, ETA") and "incl. 30 s turn-out" in recs[0].reason
    route = recs[0].route
    assert route[0] == pytest.approx(A) and route[-1] == pytest.approx(C)
    assert any(p == pytest.approx(B) for p in route)


def test_one_way_binds_cars_not_people_on_foot(net):
    car, walker = unit(1, C, mode="car"), unit(2, C, mode="foot")
    recs = {r.unit_id: r for r in rank([car, walker], B, mode="road", network=net)}
    # The car may not drive C->B against the one-way: C-F-E-B instead.
    assert recs[1].eta_s == pytest.approx((m(C, F) + m(F, E) + m(E, B)) / 5.0 + 30, abs=0.05)
    assert recs[2].eta_s == pytest.approx(m(C, B) / 1.0 + 30, abs=0.05)
    assert [p for p in recs[1].route if p in (F, E)] == [F, E]


def test_units_between_nodes_snap_to_their_street(net):
    mid_ab = ((A[0] + B[0]) / 2, 32.0001)  # ~11 m north of the middle of A-B
    perp = m(mid_ab, ((A[0] + B[0]) / 2, 32.0))
    recs = rank([unit(1, mid_ab, mode="ebike")], B, mode="road", network=net)
    assert recs[0].eta_s == pytest.approx((perp + m(A, B) / 2) / 2.0 + 30, abs=0.3)
    # Half-way along the one-way B->C, a car must carry on to C and come round.
    mid_bc = ((B[0] + C[0]) / 2, 32.0)
    recs = {r.unit_id: r for r in rank([unit(2, mid_bc, mode="car"), unit(3, mid_bc, mode="foot")], B,
                                       mode="road", network=net)}
    car, walker = recs[2], recs[3]
    assert car.eta_s == pytest.approx((m(B, C) / 2 + m(C, F) + m(F, E) + m(E, B)) / 5.0 + 30, abs=0.3)
    assert walker.eta_s == pytest.approx(m(B, C) / 2 / 1.0 + 30, abs=0.3)
    assert walker.route[0] == pytest.approx(mid_bc) and walker.route[-1] == pytest.approx(B)
    assert len(walker.route) == 2  # straight along the street; repeated points dropped


def test_unreached_units_fall_back_to_the_straight_estimate(net):
    far = unit(1, G, mode="car")
    near = unit(2, A, mode="car")
    recs = rank([far, near], B, mode="road", network=net)
    assert [r.unit_id for r in recs] == [2, 1]
    assert recs[0].mode == "road"
    assert recs[1].mode == "straight" and recs[1].route is None
    assert recs[1].eta_s == pytest.approx(m(G, B) * 1.3 / 5.0 + 30, abs=0.05)
    assert "no street route" in recs[1].reason and "estimate: straight line × 1.3" in recs[1].reason


def test_candidates_are_available_fresh_capable(net):
    units = [
        unit(1, A, agency="police"), unit(2, A, agency="city"), unit(3, A, agency="joint"),
        unit(4, A, status="dispatched"), unit(5, A, status="off_duty"),
        unit(6, A, age_s=61), unit(7, None), unit(8, A, age_s=60),
    ]
    assert {r.unit_id for r in rank(units, B, mode="straight")} == {1, 2, 3, 8}
    assert {r.unit_id for r in rank(units, B, needs="police", mode="straight")} == {1, 3, 8}
    assert {r.unit_id for r in rank(units, B, needs="city", mode="straight")} == {2, 3, 8}
    assert {r.unit_id for r in rank(units, B, needs="joint", mode="road", network=net)} == {3, 8}
    tiered = [unit(1, A, tier=1), unit(2, A, tier=2), unit(3, A, tier=3)]
    assert [r.unit_id for r in rank(tiered, B, mode="straight", tiers=[2, 3])] == [2, 3]
    assert rank([unit(4, A, status="dispatched")], B, mode="straight") == []


def test_ties_go_to_the_incidents_own_grid_then_callsign():
    # A and C are mirror images about B: equal distances, equal ETAs.
    other = unit(1, A, grid="G9", callsign="A-team")
    own = unit(2, C, grid="G1", callsign="Z-team")
    assert [r.callsign for r in rank([other, own], B, mode="straight")] == ["Z-team", "A-team"]
    assert [r.callsign for r in rank([own, other], B, mode="straight", incident_grid="G9")] == ["A-team", "Z-team"]
    # No own-grid unit among them: callsign order.
    assert [r.callsign for r in rank([own, other], B, mode="straight", incident_grid=None)] == ["A-team", "Z-team"]
    # Within 1 s counts as a tie: the own-grid unit ~0.6 s slower still goes first.
    slower = unit(3, (C[0] + 0.00002, C[1]), grid="G1", callsign="Y-team")
    recs = rank([other, slower], B, mode="straight")
    assert 0 < recs[0].eta_s - recs[1].eta_s < 1.0
    assert [r.callsign for r in recs] == ["Y-team", "A-team"]
    # More than 1 s slower: ETA wins.
    much = unit(4, (C[0] + 0.0002, C[1]), grid="G1", callsign="X-team")
    assert [r.callsign for r in rank([other, much], B, mode="straight")] == ["A-team", "X-team"]


def test_rings_and_their_counts(net):
    assert [ring_of(s) for s in (0, 60, 60.1, 180, 180.1, 300, 300.1)] == [1, 1, 3, 3, 5, 5, None]
    # Foot at 1 m/s along A-B-C: 30 s turn-out + metres.
    units = [unit(1, B, mode="foot"), unit(2, A, mode="foot"), unit(3, G, mode="foot")]
    recs = rank(units, C, mode="road", network=net)
    by_id = {r.unit_id: r for r in recs}
    assert by_id[1].ring == 3  # 94 m + 30 s = 124 s
    assert by_id[2].ring == 5  # 189 m + 30 s = 219 s
    assert by_id[3].ring is None
    assert ring_counts(recs) == {1: 0, 3: 1, 5: 2}  # cumulative


def test_limit_keeps_the_best_and_matches_the_full_ranking(net):
    import random

    rng = random.Random(7)
    units = [unit(i, (112.0 + rng.uniform(-0.01, 0.01), 32.0 + rng.uniform(-0.01, 0.01)),
                  mode=rng.choice(["foot", "ebike", "car"]), grid=rng.choice(["G1", "G2"])) for i in range(300)]
    for mode in ("straight", "road"):
        full = rank(units, B, mode=mode, network=net)
        top = rank(units, B, mode=mode, network=net, limit=10)
        assert [r.unit_id for r in top] == [r.unit_id for r in full[:10]]
        assert [r.eta_s for r in top] == [r.eta_s for r in full[:10]]
        assert all(a.eta_s <= b.eta_s + 1.0 for a, b in zip(full, full[1:]))


def test_snapping_finds_the_nearest_segment():
    """The bucket grid must agree with a brute-force search, near the streets and far off them."""
    import random

    import numpy as np

    from core.travel import road_index

    rng = random.Random(3)
    # A jittered 12 x 12 lattice of streets with some long diagonals.
    pts = {(i, j): (112.0 + i * 0.0012 + rng.uniform(-2e-4, 2e-4), 32.0 + j * 0.001 + rng.uniform(-2e-4, 2e-4))
           for i in range(12) for j in range(12)}
    feats = [street(f"R{j}", [pts[i, j] for i in range(12)]) for j in range(12)]
    feats += [street(f"C{i}", [pts[i, j] for j in range(12)]) for i in range(0, 12, 3)]
    feats += [street("D1", [pts[0, 0], pts[11, 11]]), street("D2", [pts[0, 11], pts[11, 0]])]
    index = road_index(RoadNetwork.from_features(feats))
    lons = np.array([rng.uniform(111.99, 112.02) for _ in range(2000)])
    lats = np.array([rng.uniform(31.99, 32.02) for _ in range(2000)])
    snap = index.snap(lons, lats)
    p = index.to_local(lons, lats)
    a, b = index.xy[index.ea], index.xy[index.eb]
    ab = b - a
    t = np.clip(((p[:, None, :] - a) * ab).sum(-1) / (ab * ab).sum(-1), 0, 1)
    brute = np.linalg.norm(p[:, None, :] - (a + ab * t[..., None]), axis=-1).min(axis=1)
    assert np.allclose(snap.perp_m, brute, atol=1e-6)
    assert (snap.perp_m > index._cell_m).any()  # the far-off fallback was exercised


def test_routes_only_for_the_first_rows_shown(net):
    # Ranked by ETA: U1 (tier 2, at B), U2 (tier 1, at A), U3 (tier 1, at D), U4 (tier 1, at E), U5 (far, unreached).
    units = [unit(1, B, tier=2), unit(2, A), unit(3, D), unit(4, E, tier=3), unit(5, G)]
    full = rank(units, B, mode="road", network=net)
    assert [r.unit_id for r in full][:2] == [1, 2]
    assert all(r.route for r in full if r.mode == "road")
    # The dispatch list shows tiers <= 1 only, two rows: routes for U2 and U3, not U1 (tier 2) nor the rest.
    shown = rank(units, B, mode="road", network=net, routes_for=2, route_tiers=[1])
    assert [r.unit_id for r in shown] == [r.unit_id for r in full]  # the ranking itself is unchanged
    assert [r.eta_s for r in shown] == [r.eta_s for r in full]
    routed = {r.unit_id for r in shown if r.route}
    tier1 = [r.unit_id for r in full if r.tier == 1 and r.mode == "road"][:2]
    assert routed == set(tier1) and 1 not in routed
    assert {r.unit_id: r.route for r in shown if r.route} == {r.unit_id: r.route for r in full if r.unit_id in routed}
    assert not any(r.route for r in rank(units, B, mode="road", network=net, routes_for=0))
    assert [bool(r.route) for r in rank(units, B, mode="road", network=net, routes_for=1)][:2] == [True, False]


def test_dispatch_view_is_the_docks_call(net):
    from core.dispatch_view import dispatch_view

    units = [unit(1, B, tier=2), unit(2, A), unit(3, D), unit(4, E), unit(5, F, tier=3)]
    args = dict(incident_grid="G1", incident_tier=1, needs="any", now=NOW, model=MODEL, stale_after_s=60,
                ring_mode="car", rows=2)
    view = dispatch_view(units, *B, mode="road", network=net, **args)
    assert not view.straight and set(view.rings) == {1, 3, 5}
    assert [r.unit_id for r in view.ranked] == [r.unit_id for r in rank(units, B, mode="road", network=net)]
    assert len(view.shown) == 2 and all(r.tier == 1 and r.route for r in view.shown)
    assert [r.unit_id for r in view.shown] == [r.unit_id for r in view.ranked if r.tier == 1][:2]
    assert {r.unit_id for r in view.ranked if r.route} == {r.unit_id for r in view.shown}
    # Tier 3 ordered in: every tier is listed; no street network: straight estimates and circles.
    view = dispatch_view(units, *B, mode="road", network=None, **{**args, "incident_tier": 3, "rows": 20})
    assert view.straight and len(view.shown) == 5 and all(r.mode == "straight" and r.route is None for r in view.shown)
    assert view.rings[5]["type"] == "Polygon" and len(view.rings[5]["coordinates"][0]) == 73
