"""Closing records the outcome; the period figures and series counted from the incident
loop's own writes (both databases); migration 0005 up and down."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import inspect, select

from core.clock import FixedClock
from core.incidents import DispatchRequest, FieldError
from core.outcomes import check_commendation, check_outcome
from db.engine import make_engine, session_factory
from db.incident_export import EXPORT_KEYS, export_incidents
from db.incident_ops import (close_incident, create_incident, dispatch_units, record_arrival, record_commendation,
                             transition)
from db.models import AuditLog, Incident, Unit
from db.operations import Actor, OperationRunner
from db.stats_repo import load_period_report, period_figures

T0 = datetime(2026, 11, 30, 2, 0, tzinfo=timezone.utc)  # 10:00 in Dengzhou
DAY = date(2026, 11, 30)
G02 = (112.0800, 32.6795)
G05 = (112.0799, 32.6680)
ZONE = "Asia/Shanghai"


@pytest.fixture
def clock():
    return FixedClock(T0)


@pytest.fixture
def ops(seeded, engine, clock):
    return OperationRunner(engine, Actor("dispatcher1", "ws-1"), clock)


def _unit(engine, callsign):
    with session_factory(engine)() as s:
        return s.scalar(select(Unit.id).where(Unit.callsign == callsign))


def _handled(ops, engine, clock, *, at, category, callsign, eta_s, arrival_s, outcome, source="110"):
    """One incident through its whole life: intake, dispatch, arrival, handling, feedback, closure."""
    inc, _ = create_incident(ops, lon=at[0], lat=at[1], category=category, source=source)
    clock.advance(30)
    inc, _ = dispatch_units(ops, inc.id, [DispatchRequest(_unit(engine, callsign), eta_s=eta_s)],
                            expected_version=inc.version)
    clock.advance(arrival_s)
    with session_factory(engine)() as s:
        from db.incidents_repo import dispatches_for

        dispatch_id = dispatches_for(s, inc.id)[0].id
    inc = record_arrival(ops, dispatch_id, "unit")
    for state in ("handling", "reported"):
        clock.advance(60)
        inc = transition(ops, inc.id, state, expected_version=inc.version)
    clock.advance(600)
    return close_incident(ops, inc.id, check_outcome(outcome), expected_version=inc.version, note="已办结")


def _scenario(ops, engine, clock):
    a = _handled(ops, engine, clock, at=G02, category="dispute", callsign="联勤2-1", eta_s=120.0, arrival_s=100,
                 outcome={"mediated": True})
    b = _handled(ops, engine, clock, at=G02, category="traffic_accident", callsign="古城所1", eta_s=200.0,
                 arrival_s=250, outcome={"accident_on_scene": True, "rescued": 1, "property_recovered_cny": 300})
    invalid, _ = create_incident(ops, lon=G02[0], lat=G02[1], category="other")
    transition(ops, invalid.id, "invalid", expected_version=invalid.version)
    create_incident(ops, lon=G02[0], lat=G02[1], category="criminal", drill=True)
    create_incident(ops, lon=G05[0], lat=G05[1], category="assistance")
    record_commendation(ops, check_commendation("联勤2-1", DAY, "banner", "群众赠送锦旗"))
    return a, b


def test_closing_records_the_outcome_and_audits_it(ops, engine, clock):
    a, b = _scenario(ops, engine, clock)
    assert a.state == "closed" and b.state == "closed"
    with session_factory(engine)() as s:
        row = s.get(Incident, b.id)
        assert (row.rescued, row.property_recovered_cny, row.mediated, row.accident_on_scene) == (1, 300.0, False, True)
        audit = s.scalars(select(AuditLog).where(AuditLog.operation == "incident closed",
                                                 AuditLog.entity == "incidents")).all()
        assert {x.after["rescued"] for x in audit} == {0, 1}
        assert s.scalar(select(AuditLog.id).where(AuditLog.operation == "record commendation")) is not None


def test_the_period_figures_count_the_grids_incidents(ops, engine, clock):
    _scenario(ops, engine, clock)
    with session_factory(engine)() as s:
        g = period_figures(s, start=DAY, end=DAY, grid_code="G02", time_zone=ZONE, now=clock.now())
        city = period_figures(s, start=DAY, end=DAY, grid_code=None, time_zone=ZONE, now=clock.now())
    assert g["incidents"] == 2  # the invalid call and the drill are not incidents
    assert city["incidents"] == 3
    assert g["incidents_yoy_pct"] is None and g["incidents_mom_pct"] is None  # no base to compare with
    assert (g["dispatches"], g["accidents_on_scene"], g["mediations"], g["rescued"]) == (1, 1, 1, 1)
    assert g["property_recovered_cny"] == 300.0 and g["commendations"] == 1
    assert g["response"] == {"n": 2, "median_s": 175.0, "within_1min_pct": 0.0, "within_3min_pct": 50.0,
                             "within_5min_pct": 100.0}
    assert city["commendations"] == 1
    with session_factory(engine)() as s:
        g05 = period_figures(s, start=DAY, end=DAY, grid_code="G05", time_zone=ZONE, now=clock.now())
    assert (g05["incidents"], g05["commendations"], g05["response"]["n"]) == (1, 0, 0)


def test_the_report_series_agree_with_the_figures(ops, engine, clock):
    _scenario(ops, engine, clock)
    with session_factory(engine)() as s:
        report = load_period_report(s, start=date(2026, 11, 24), end=DAY, grid_code="G02", time_zone=ZONE,
                                    now=clock.now())
        figures = period_figures(s, start=date(2026, 11, 24), end=DAY, grid_code="G02", time_zone=ZONE,
                                 now=clock.now())
    assert report.figures == figures and report.grid_name == "城区二网格" and report.days == 7
    assert len(report.series.days) == 7 and report.series.incidents_per_day == (0, 0, 0, 0, 0, 0, 2)
    assert sum(report.series.incidents_per_day_last_year) == 0
    assert report.series.response_seconds == (100.0, 250.0)
    assert dict(report.series.categories) == {"dispute": 1, "traffic_accident": 1}


def test_export_has_every_incident_with_its_outcome(ops, engine, clock):
    a, _ = _scenario(ops, engine, clock)
    with session_factory(engine)() as s:
        rows = export_incidents(s, start=DAY, end=DAY, grid_code="G02", time_zone=ZONE)
    assert len(rows) == 4 and all(tuple(r) == EXPORT_KEYS for r in rows)
    first = next(r for r in rows if r["number"] == a.number)
    assert first["units"] == ["联勤2-1"] and first["nearest_dispatch"] is True and first["mediated"] is True
    assert first["received_utc"] == "2026-11-30T02:00:00Z" and first["closed_utc"] is not None
    assert sorted((r["state"], r["drill"]) for r in rows) == [
        ("closed", False), ("closed", False), ("invalid", False), ("received", True)]


def test_bad_period_input_is_one_line_naming_the_field(ops, engine):
    from core.stats import PeriodError

    with session_factory(engine)() as s:
        with pytest.raises(PeriodError, match="^--grid: no grid"):
            period_figures(s, start=DAY, end=DAY, grid_code="G99", time_zone=ZONE)
        with pytest.raises(PeriodError, match="^--to: "):
            period_figures(s, start=DAY, end=date(2026, 11, 1), grid_code=None, time_zone=ZONE)


def test_a_commendation_for_an_unknown_unit_writes_nothing(ops, engine):
    with pytest.raises(FieldError, match="^unit: "):
        record_commendation(ops, check_commendation("无此单位", DAY, "letter"))


def test_migration_0005_upgrades_and_downgrades(db_url):
    from alembic import command

    from db.migrate import _config, current_revision, head_revision, upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    assert "commendations" in inspect(engine).get_table_names()
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0004")
    assert current_revision(engine) == "0004"
    insp = inspect(engine)
    assert "commendations" not in insp.get_table_names()
    assert "rescued" not in {c["name"] for c in insp.get_columns("incidents")}
    assert upgrade(engine) == head_revision()
    assert {"rescued", "property_recovered_cny", "mediated", "accident_on_scene"} <= {
        c["name"] for c in inspect(engine).get_columns("incidents")}
    engine.dispose()
