"""The replay clock and the position index (core/playback.py)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.clock import Clock
from core.playback import SPEEDS, PositionIndex, ReplayClock, from_ms, ms, unit_fixes, units_at

T0 = datetime(2025, 5, 1, 8, 0, tzinfo=timezone.utc)


class FakeWall:
    def __init__(self):
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def _clock(rate=1):
    wall = FakeWall()
    return ReplayClock(T0, T0 + timedelta(hours=1), rate=rate, wall=wall), wall


# --------------------------------------------------------------------------- clock

def test_replay_clock_is_a_clock_and_starts_paused_at_the_window_start():
    clock, wall = _clock()
    usable: Clock = clock  # what the workspace and the operation runner take
    assert usable.now().tzinfo is not None
    wall.t += 50
    assert clock.now() == T0 and not clock.playing


def test_play_runs_at_the_rate_and_pause_holds():
    clock, wall = _clock(rate=60)
    clock.play()
    wall.t += 10
    assert clock.now() == T0 + timedelta(minutes=10)
    clock.pause()
    wall.t += 10
    assert clock.now() == T0 + timedelta(minutes=10)


def test_changing_speed_keeps_the_time_reached():
    clock, wall = _clock(rate=1)
    clock.play()
    wall.t += 30
    clock.set_rate(600)
    assert clock.now() == T0 + timedelta(seconds=30)
    wall.t += 1
    assert clock.now() == T0 + timedelta(seconds=630)


def test_play_stops_at_the_end_of_the_window():
    clock, wall = _clock(rate=600)
    clock.play()
    wall.t += 3600
    assert clock.now() == clock.end and not clock.playing
    clock.play()  # at the end there is nothing left to play
    assert not clock.playing


def test_only_the_offered_speeds_are_accepted():
    clock, _ = _clock()
    for speed in SPEEDS:
        clock.set_rate(speed)
    with pytest.raises(ValueError, match="replay speed must be one of"):
        clock.set_rate(3)


def test_seek_clamps_to_the_window_and_play_continues_from_there():
    clock, wall = _clock(rate=2)
    assert clock.seek(T0 - timedelta(days=1)) == T0
    assert clock.seek(T0 + timedelta(days=1)) == clock.end
    clock.seek(T0 + timedelta(minutes=5))
    clock.play()
    wall.t += 5
    assert clock.now() == T0 + timedelta(minutes=5, seconds=10)


def test_step_goes_to_the_next_and_previous_event():
    clock, _ = _clock()
    events = [T0 + timedelta(minutes=m) for m in (2, 5, 5, 9)]
    clock.seek(T0 + timedelta(minutes=5))
    assert clock.step(events, +1) == events[3]
    assert clock.step(events, -1) == events[1]
    assert clock.step(events, -1) == events[0]
    assert clock.step(events, -1) == events[0]  # nothing before: stay


# --------------------------------------------------------------------------- index

def test_ms_round_trips():
    moment = datetime(2025, 5, 1, 8, 0, 1, 250000, tzinfo=timezone.utc)
    assert from_ms(ms(moment)) == moment
    with pytest.raises(ValueError):
        ms(datetime(2025, 5, 1))


def test_newest_fix_at_or_before_and_none_before_the_first():
    base = ms(T0)
    index = PositionIndex.from_arrays(
        ["a", "b", "c"], np.array([0, 0, 1, 0]), np.array([base + 20_000, base, base + 5_000, base + 10_000]),
        lon=np.array([1.0, 2.0, 3.0, 4.0]), lat=np.array([10.0, 20.0, 30.0, 40.0]))
    state = index.at(base + 10_000)
    assert state.has_fix.tolist() == [True, True, False]
    assert state.lon[:2].tolist() == [4.0, 3.0]  # exactly at T counts
    assert not index.at(base - 1).has_fix.any()
    assert index.at(base + 10**9).lon[:2].tolist() == [1.0, 3.0]


def test_trail_covers_the_last_minutes_only():
    base = ms(T0)
    times = base + np.arange(0, 600_000, 10_000)
    index = PositionIndex.from_arrays(["a"], np.zeros(len(times)), times, np.arange(len(times)) * 1.0,
                                      np.zeros(len(times)))
    t, lon, _ = index.trail(0, base + 300_000, 60_000)
    assert t.tolist() == list(range(base + 250_000, base + 300_001, 10_000))
    assert lon[-1] == 30.0


def test_a_unit_is_placed_by_its_newest_device_unless_an_about_as_old_one_is_more_accurate():
    base = ms(T0)
    index = PositionIndex.from_arrays(
        ["cam", "radio", "phone"], np.array([0, 1, 2]), np.array([base, base + 3_000, base + 60_000]),
        lon=np.array([1.0, 2.0, 3.0]), lat=np.zeros(3), accuracy_m=np.array([5.0, 50.0, 9.0]),
        unit_id=np.array([7, 7, 8]))
    units = units_at(index.at(base + 10_000))
    assert units == {7: 0}  # the camera's fix is 3 s older but ten times as accurate
    assert units_at(index.at(base + 60_000)) == {7: 0, 8: 2}
    fixes = unit_fixes(index.at(base + 60_000), index.devices)
    assert (fixes[7].device_id, fixes[7].time, fixes[7].lon, fixes[7].accuracy_m) == ("cam", T0, 1.0, 5.0)
    assert fixes[8].time == T0 + timedelta(minutes=1)


def test_unknown_accuracy_stays_unknown():
    index = PositionIndex.from_arrays(["a"], np.array([0]), np.array([ms(T0)]), np.array([1.0]), np.array([2.0]),
                                      unit_id=np.array([3]))
    assert unit_fixes(index.at(ms(T0)), index.devices)[3].accuracy_m is None


fix = st.tuples(st.integers(0, 3), st.integers(0, 50), st.floats(-180, 180), st.floats(-90, 90))


@settings(deadline=None)
@given(fixes=st.lists(fix, max_size=60), probes=st.lists(st.integers(-5, 55), min_size=1, max_size=8))
def test_state_at_any_time_equals_a_naive_scan(fixes, probes):
    """Rows in any order (late fixes) and resent ones (same device and time: the first
    given is kept, as the database keeps the first insert)."""
    devices = ["d0", "d1", "d2", "d3"]
    n = len(fixes)
    index = PositionIndex.from_arrays(
        devices, np.array([f[0] for f in fixes], dtype=np.int32), np.array([f[1] * 1000 for f in fixes], dtype=np.int64),
        np.array([f[2] for f in fixes], dtype=float), np.array([f[3] for f in fixes], dtype=float))
    kept: dict[tuple[int, int], tuple[float, float]] = {}
    for d, t, lon, lat in fixes:
        kept.setdefault((d, t * 1000), (lon, lat))
    assert len(index) == len(kept) <= n
    for probe in probes:
        at = probe * 1000
        state = index.at(at)
        for code in range(len(devices)):
            times = [t for (d, t) in kept if d == code and t <= at]
            if not times:
                assert not state.has_fix[code]
                continue
            newest = max(times)
            assert state.has_fix[code] and state.time_ms[code] == newest
            assert (state.lon[code], state.lat[code]) == kept[(code, newest)]
            trail_t, trail_lon, _ = index.trail(code, at, 10_000)
            assert trail_t.tolist() == sorted(t for t in times if t > at - 10_000)
