"""One replay frame from the loaded history (core/replay_frame.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from core.incidents import DispatchSnapshot, IncidentSnapshot
from core.playback import PositionIndex, ms
from core.replay_frame import ReplayRequest, ReplaySource, check_request
from core.replay_state import History
from core.units import UnitInfo

T0 = datetime(2026, 11, 29, 13, 0, tzinfo=timezone.utc)


def _unit(uid, status="available"):
    return UnitInfo(uid, f"巡{uid}", "", "joint", "grid_patrol", 1, "foot", status, None, devices=[f"d{uid}"])


def _source():
    times = [ms(T0 + timedelta(seconds=s)) for s in (0, 60, 120, 30, 90)]
    index = PositionIndex.from_arrays(["d1", "d2"], np.array([0, 0, 0, 1, 1]), np.array(times),
                                      np.array([112.0, 112.001, 112.002, 112.1, 112.101]),
                                      np.array([32.6, 32.6, 32.6, 32.7, 32.7]), unit_id=np.array([1, 1, 1, 2, 2]))
    fields = IncidentSnapshot.__dataclass_fields__
    incident = IncidentSnapshot(**{name: None for name in fields} | dict(
        id=7, number="JQ-7", lon=112.05, lat=32.65, category="dispute", level="general", state="on_scene", tier=1,
        received_at=T0 + timedelta(seconds=40), dispatched_at=T0 + timedelta(seconds=50),
        on_scene_at=T0 + timedelta(seconds=110), version=3, drill=False, support_requested=False))
    dfields = DispatchSnapshot.__dataclass_fields__
    dispatch = DispatchSnapshot(**{name: None for name in dfields} | dict(
        id=1, incident_id=7, unit_id=1, callsign="巡1", tier=1, mode="road", dispatched_at=T0 + timedelta(seconds=50),
        arrived_at=T0 + timedelta(seconds=110)))
    history = History(T0, T0 + timedelta(minutes=5), incidents=[incident], dispatches=[dispatch])
    return ReplaySource([_unit(1), _unit(2, "off_duty"), _unit(3)], index, history)


def test_a_frame_places_units_with_their_status_at_t_and_draws_dispatch_lines():
    source = _source()
    early = source.frame(T0 + timedelta(seconds=20))
    assert set(early.units) == {1} and early.units[1].status == "available" and not early.incidents
    mid = source.frame(T0 + timedelta(seconds=70))
    assert mid.units[1].last_fix.lon == 112.001 and mid.units[1].status == "dispatched"
    assert mid.units[2].status == "off_duty" and mid.units[2].last_fix.lon == 112.1
    assert [i.state for i in mid.incidents] == ["dispatched"]
    assert [(line.callsign, line.status, line.unit_lon) for line in mid.lines] == [("巡1", "dispatched", 112.001)]
    late = source.frame(T0 + timedelta(seconds=130))
    assert late.units[1].status == "on_scene" and late.lines[0].status == "on_scene"
    assert 3 not in late.units  # no fix: not on the map


def test_trails_intakes_and_requests():
    source = _source()
    unit = source.frame(T0 + timedelta(seconds=100)).units[1]
    assert [p[0] for p in source.trail(unit, T0 + timedelta(seconds=100), 1)] == [112.001]
    assert [p[0] for p in source.trail(unit, T0 + timedelta(seconds=100), 5)] == [112.0, 112.001]
    assert source.intakes_between(T0, T0 + timedelta(seconds=40)) == [7]
    assert source.intakes_between(T0 + timedelta(seconds=40), T0 + timedelta(minutes=5)) == []
    assert source.intake_of(7) == T0 + timedelta(seconds=40)
    assert [t.kind for t in source.ticks] == ["received", "dispatch", "arrival"]
    # Patrol check-ins join the timeline; those outside the window do not.
    with_checkins = ReplaySource(source.roster.values(), source.index, source.history,
                                 [T0 + timedelta(seconds=45), T0 - timedelta(minutes=1)])
    assert [t.kind for t in with_checkins.ticks] == ["received", "checkin", "dispatch", "arrival"]
    assert check_request(ReplayRequest(T0, T0 + timedelta(hours=1))) is None
    assert check_request(ReplayRequest(T0, T0)).startswith("to:")
    assert check_request(ReplayRequest(T0)).startswith("from:")
    assert check_request(ReplayRequest(incident=" ")).startswith("incident:")
    assert check_request(ReplayRequest(incident="JQ-7")) is None
