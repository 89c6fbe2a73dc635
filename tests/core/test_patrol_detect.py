from __future__ import annotations

import numpy as np
import pytest

from core.patrol_detect import PatrolDetector, clusters
from core.settings import PatrolSettings
from tests.core import patrol_scenario as S


def _detect(rows, settings=None, places=None) -> list:
    det = PatrolDetector(places or S.places(), S.DEVICES, settings)
    det.add(S.batch(rows))
    return det.events()


def test_clusters_split_where_the_gap_exceeds_the_bridge():
    first, last = clusters(np.array([0, 100, 220, 500, 510.0]), 120)
    assert list(first) == [0, 3] and list(last) == [2, 4]


def test_one_checkin_per_stay_with_the_outlier_bridged():
    events = [e for e in _detect(S.fixes()) if e.kind == "checkin"]
    assert len(events) == 1  # P2's 60 s pass is below the 2-minute dwell
    e = events[0]
    assert (e.place_code, e.unit_id, e.device) == ("P1", 1, "P1")
    assert e.start == S.T0 and e.end == S.T0 + 303


def test_a_gap_longer_than_the_bridge_splits_the_stay():
    rows = [r for r in S.fixes() if not (S.T0 + 100 <= r[0] <= S.T0 + 230)]
    events = [e for e in _detect(rows) if e.kind == "checkin"]
    # 0..93 s: too short; 233..303 s: too short as well: no check-in at all.
    assert events == []
    longer = [e for e in _detect(rows, PatrolSettings(bridge_gap_s=150)) if e.kind == "checkin"]
    assert len(longer) == 1


def test_line_pass_covers_the_walked_stretch():
    passes = [e for e in _detect(S.fixes()) if e.kind == "pass"]
    assert {e.place_code for e in passes} == {"L1"}
    walk = max(passes, key=lambda e: e.span_to_m - e.span_from_m)
    assert walk.span_from_m == 0.0
    assert walk.span_to_m == pytest.approx(90 * 13.0 + 30, abs=25)  # 1,170 m walked plus the buffer


def test_joint_patrol_counted_once_away_from_stations_only():
    joint = [e for e in _detect(S.fixes()) if e.kind == "joint"]
    assert len(joint) == 1  # the station rest and the 8-minute pair do not count
    e = joint[0]
    assert (e.unit_id, e.other_unit_id, e.device, e.other_device) == (1, 1, "P1", "C1")
    assert 20 <= (e.end - e.start) / 60 <= 23  # together at P1 (5 min) and along L1 (15 min)
    # Without the station rule the rest after the walk joins the same run.
    loose = [e for e in _detect(S.fixes(), places=S.places(station_radius_m=1)) if e.kind == "joint"]
    assert len(loose) == 1 and loose[0].end - loose[0].start > e.end - e.start + 600


def test_live_batches_with_noise_duplicates_and_late_fixes_match_history():
    rows = S.fixes()
    history = _detect(rows)
    rng = np.random.default_rng(3)
    live_rows = list(rows) + [rows[i] for i in rng.choice(len(rows), 60, replace=False)]  # resent fixes
    # Arrival order: mostly in time, but a tenth of the fixes come up to 10 minutes late.
    arrival = np.array([r[0] for r in live_rows]) + np.where(rng.random(len(live_rows)) < 0.1,
                                                            rng.uniform(0, 600, len(live_rows)), 0)
    ordered = [live_rows[i] for i in np.argsort(arrival, kind="stable")]
    det = PatrolDetector(S.places(), S.DEVICES)
    held = set()
    for a in range(0, len(ordered), 7):
        delta = det.add(S.batch(ordered[a:a + 7]))
        held -= set(delta.removed)
        held |= set(delta.added)
    assert sorted(held) == det.events() == history
    assert det.late_dropped == 0


def test_fixes_later_than_the_horizon_are_dropped_and_counted():
    rows = S.fixes()
    det = PatrolDetector(S.places(), S.DEVICES, PatrolSettings(late_horizon_h=0.1))
    det.add(S.batch(rows[-5:]))
    det.add(S.batch(rows[:5]))
    assert det.late_dropped == 5
