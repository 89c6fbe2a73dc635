"""The incident state machine, duplicate detection, arrival decisions and response figures."""
from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from core.geodesy import distance_m
from core.incidents import (
    STATE_TIMESTAMP, STATES, TERMINAL, DispatchSnapshot, IllegalTransition, IncidentSnapshot, check_transition,
    find_duplicates, is_arrival, response_figures,
)

# Written out by hand from docs/domain.md, independently of the implementation's table.
LEGAL = {
    ("received", "dispatched"), ("dispatched", "acknowledged"), ("acknowledged", "en_route"),
    ("en_route", "on_scene"), ("on_scene", "handling"), ("handling", "reported"), ("reported", "closed"),
    # auto-detected arrival may come before sign-off or turn-out
    ("dispatched", "on_scene"), ("acknowledged", "on_scene"),
    # cancelled from any open state
    *((s, "cancelled") for s in ("received", "dispatched", "acknowledged", "en_route", "on_scene", "handling",
                                 "reported")),
    # invalid only before anyone is on the way
    ("received", "invalid"), ("dispatched", "invalid"),
}
ALL_PAIRS = list(itertools.product(STATES, STATES))
T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)
LON, LAT = 112.08, 32.68


def test_states_and_timestamps():
    assert STATES == ("received", "dispatched", "acknowledged", "en_route", "on_scene", "handling", "reported",
                      "closed", "cancelled", "invalid")
    assert TERMINAL == {"closed", "cancelled", "invalid"}
    assert set(STATE_TIMESTAMP) == set(STATES)
    incident_fields = set(IncidentSnapshot.__dataclass_fields__)
    assert set(STATE_TIMESTAMP.values()) <= incident_fields


@pytest.mark.parametrize("current,target", sorted(LEGAL))
def test_legal_transition(current, target):
    check_transition(current, target)


@pytest.mark.parametrize("current,target", [p for p in ALL_PAIRS if p not in LEGAL])
def test_illegal_transition(current, target):
    with pytest.raises(IllegalTransition) as info:
        check_transition(current, target)
    message = str(info.value)
    assert f"/{current} " in message and f"/{target}:" in message
    assert isinstance(info.value, ValueError)


def test_message_names_the_allowed_next_states():
    with pytest.raises(IllegalTransition, match=r"cannot go from 到场/on_scene to 派警/dispatched: allowed next "
                                                r"states are 处置/handling, 撤销/cancelled"):
        check_transition("on_scene", "dispatched")
    with pytest.raises(IllegalTransition, match="办结/closed is final"):
        check_transition("closed", "reported")
    with pytest.raises(IllegalTransition, match="unknown incident state 'lost'"):
        check_transition("received", "lost")


def test_nothing_leaves_a_terminal_state():
    for state in TERMINAL:
        for target in STATES:
            with pytest.raises(IllegalTransition):
                check_transition(state, target)


# --------------------------------------------------------------------------
# duplicates
# --------------------------------------------------------------------------

def _north(metres: float) -> tuple[float, float]:
    """A point ``metres`` north of (LON, LAT)."""
    return LON, LAT + metres / 110_900  # ~ metres per degree of latitude here


def test_duplicates_within_radius_and_window_nearest_first():
    far_lon, far_lat = _north(250)
    near_lon, near_lat = _north(50)
    edge_lon, edge_lat = _north(190)
    assert 180 < distance_m(LON, LAT, edge_lon, edge_lat) < 200
    open_incidents = [
        (1, far_lon, far_lat, T0),  # too far
        (2, edge_lon, edge_lat, T0 - timedelta(minutes=29)),  # inside, older
        (3, near_lon, near_lat, T0 + timedelta(minutes=10)),  # inside, received later (replayed import)
        (4, LON, LAT, T0 - timedelta(minutes=31)),  # outside the window
    ]
    got = find_duplicates(open_incidents, LON, LAT, T0, radius_m=200, window=timedelta(minutes=30))
    assert got == [3, 2]


def test_no_duplicates_in_an_empty_city():
    assert find_duplicates([], LON, LAT, T0, 200, timedelta(minutes=30)) == []


# --------------------------------------------------------------------------
# arrival
# --------------------------------------------------------------------------

def test_arrival_radius_plus_accuracy():
    lon, lat = _north(80)
    assert not is_arrival(lon, lat, 5, LON, LAT, radius_m=50)
    assert not is_arrival(lon, lat, 20, LON, LAT, radius_m=50)
    assert is_arrival(lon, lat, 30.5, LON, LAT, radius_m=50)
    assert is_arrival(*_north(45), None, LON, LAT, radius_m=50)
    assert not is_arrival(*_north(60), None, LON, LAT, radius_m=50)
    # A cell-tower fix proves nothing when a ceiling is set.
    assert not is_arrival(lon, lat, 900, LON, LAT, radius_m=50, max_accuracy_m=250)


# --------------------------------------------------------------------------
# response figures
# --------------------------------------------------------------------------

def _dispatch(id_, *, sent, ack=None, out=None, arrived=None, ring=None):
    at = lambda s: None if s is None else T0 + timedelta(seconds=s)  # noqa: E731
    return DispatchSnapshot(id=id_, incident_id=1, unit_id=10 + id_, callsign=f"U{id_}", tier=1, mode="straight",
                            dispatched_at=at(sent), dispatched_by="d", version=1, recommended_ring=ring,
                            acknowledged_at=at(ack), en_route_at=at(out), arrived_at=at(arrived))


def test_response_figures_per_incident_and_dispatch():
    d1 = _dispatch(1, sent=0, ack=20, out=50, arrived=170, ring=3)  # 170 s <= 180 s: met
    d2 = _dispatch(2, sent=0, ack=40, out=None, arrived=150, ring=1)  # arrival skipped turn-out; 150 s > 60 s
    d3 = _dispatch(3, sent=600, ring=5)  # a later tier, not there yet
    incident = {"dispatched_at": T0, "acknowledged_at": T0 + timedelta(seconds=20),
                "en_route_at": T0 + timedelta(seconds=50), "on_scene_at": T0 + timedelta(seconds=150),
                "reported_at": T0 + timedelta(minutes=40)}
    figures = response_figures(incident, [d1, d2, d3])
    inc = figures["incident"]
    assert (inc["sign_off_s"], inc["turn_out_s"], inc["arrival_s"], inc["feedback_s"]) == (20, 50, 150, 2400)
    # The first unit on scene counts: U2, recommended in the 1-minute ring, took 150 s.
    assert inc["counted_dispatch_id"] == 2 and inc["ring"] == 1 and inc["met_ring"] is False
    assert inc["arrival_ring"] == 3
    rows = {row["dispatch_id"]: row for row in figures["dispatches"]}
    assert rows[1] == {"dispatch_id": 1, "unit_id": 11, "callsign": "U1", "sign_off_s": 20, "turn_out_s": 50,
                       "arrival_s": 170, "ring": 3, "met_ring": True, "arrival_ring": 3}
    assert rows[2]["turn_out_s"] is None and rows[2]["met_ring"] is False
    assert rows[3]["arrival_s"] is None and rows[3]["met_ring"] is None


def test_ring_boundary_is_inclusive_and_later_tiers_use_their_own_clock():
    d1 = _dispatch(1, sent=0, ring=1)  # never arrived
    d2 = _dispatch(2, sent=300, arrived=600, ring=5)  # exactly 5 minutes after its own order
    incident = IncidentSnapshot(id=1, number="JQ", category="dispute", level="general", source="110",
                                state="on_scene", tier=2, lon=LON, lat=LAT, version=3, received_at=T0,
                                dispatched_at=T0, on_scene_at=T0 + timedelta(seconds=600))
    inc = response_figures(incident, [d1, d2])["incident"]
    assert inc["arrival_s"] == 600 and inc["arrival_ring"] is None
    assert inc["counted_dispatch_id"] == 2 and inc["met_ring"] is True


def test_no_dispatch_no_figures():
    inc = response_figures({"dispatched_at": None}, [])["incident"]
    assert inc["arrival_s"] is None and inc["ring"] is None and inc["met_ring"] is None
