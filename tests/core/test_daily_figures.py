"""Today's wall figures: what counts as on duty, available, today, and a response."""
from datetime import datetime, timedelta, timezone

from core.daily_figures import daily_figures, is_today, local_day_start, unit_figures
from core.incidents import DispatchSnapshot, IncidentSnapshot
from core.units import LastFix, UnitInfo

ZONE = "Asia/Shanghai"
NOW = datetime(2026, 12, 2, 3, 0, tzinfo=timezone.utc)  # 11:00 in Dengzhou
MIDNIGHT = datetime(2026, 12, 1, 16, 0, tzinfo=timezone.utc)  # 00:00 on 2 December, local


def unit(uid, agency, status, fix_age_s=10):
    fix = None if fix_age_s is None else LastFix(NOW - timedelta(seconds=fix_age_s), 112.08, 32.68)
    return UnitInfo(uid, f"U{uid}", "", agency, "grid_patrol", 1, "foot", status, "G02", last_fix=fix)


def incident(iid, received, state="received", dispatched=None, on_scene=None, level="general"):
    return IncidentSnapshot(id=iid, number=f"JQ{iid}", category="public_order", level=level, source="110",
                            state=state, tier=1, lon=112.08, lat=32.68, version=1, received_at=received,
                            dispatched_at=dispatched, on_scene_at=on_scene)


def dispatch(did, iid, at, arrived=None):
    return DispatchSnapshot(id=did, incident_id=iid, unit_id=did, callsign=f"U{did}", tier=1, mode="road",
                            dispatched_at=at, dispatched_by="d", version=1, arrived_at=arrived, recommended_ring=3)


def test_local_day_starts_at_local_midnight():
    assert local_day_start(NOW, ZONE) == MIDNIGHT
    assert is_today(MIDNIGHT, NOW, ZONE)
    assert not is_today(MIDNIGHT - timedelta(seconds=1), NOW, ZONE)
    # 23:30 UTC on 1 December is already 2 December in Dengzhou.
    assert local_day_start(datetime(2026, 12, 1, 23, 30, tzinfo=timezone.utc), ZONE) == MIDNIGHT


def test_on_duty_excludes_off_duty_and_available_needs_a_fresh_fix():
    units = [unit(1, "police", "available"), unit(2, "city", "dispatched"), unit(3, "joint", "off_duty"),
             unit(4, "joint", "available", fix_age_s=600), unit(5, "joint", "available", fix_age_s=None)]
    by_agency, available = unit_figures(units, NOW, stale_after_s=60)
    assert by_agency == {"police": 1, "city": 1, "joint": 2}
    assert available == 1


def test_incidents_today_response_median_and_ring_shares():
    t = MIDNIGHT + timedelta(hours=8)
    incidents = [
        incident(1, t, "closed", dispatched=t, on_scene=t + timedelta(seconds=50)),
        incident(2, t, "on_scene", dispatched=t, on_scene=t + timedelta(seconds=170)),
        incident(3, t, "handling", dispatched=t, on_scene=t + timedelta(seconds=400)),
        incident(4, t, "received"),
        incident(5, t, "cancelled"),
        incident(6, MIDNIGHT - timedelta(hours=2), "on_scene", dispatched=MIDNIGHT - timedelta(hours=2),
                 on_scene=MIDNIGHT - timedelta(hours=2) + timedelta(seconds=30)),  # yesterday's, still open
    ]
    dispatches = {1: [dispatch(1, 1, t, t + timedelta(seconds=50))]}
    f = daily_figures([], incidents, dispatches, NOW, ZONE, 60)
    assert (f.incidents_open, f.incidents_closed) == (3, 1)
    assert f.arrivals == 3
    assert f.median_response_s == 170
    assert f.within_share == {1: 1 / 3, 3: 2 / 3, 5: 2 / 3}
    assert f.joint_patrols is None and f.overdue_work_orders is None


def test_no_arrivals_means_no_figure_not_zero():
    f = daily_figures([], [incident(1, MIDNIGHT + timedelta(hours=1))], {}, NOW, ZONE, 60)
    assert f.median_response_s is None and f.within_share == {1: None, 3: None, 5: None}
