"""The replay window's history source on both databases: a recorded demo night loaded
as the window loads it, placed as the SQL snapshot places it, with its timeline; the
what-if the window stores goes into the drill report (the one write, on purpose)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.drills import score_choice
from core.settings import Settings
from db.drill_ops import drill_report, ranking_at_intake, record_what_if
from db.engine import session_factory
from db.history import load_source, snapshot_at
from db.operations import Actor, OperationRunner, ReadOnlyRefused
from feeds.demo_history import record_demo_history

NIGHT = datetime(2026, 11, 29, 13, 0, tzinfo=timezone.utc)


def test_a_recorded_night_loads_as_the_window_shows_it(seeded, engine):
    recorded = record_demo_history(engine, NIGHT, 10, incidents_per_hour=24, seed=5)
    assert recorded.fixes > 0 and recorded.incidents and recorded.dispatched
    progress = []
    with session_factory(engine)() as session:
        source = load_source(session, NIGHT, NIGHT + timedelta(minutes=10),
                             progress=lambda n, done: progress.append(done))
    assert progress[-1] == 1.0 and all(u.last_fix is None for u in source.roster.values())
    kinds = {t.kind for t in source.ticks}
    assert {"received", "dispatch"} <= kinds and (recorded.checkins == 0 or "checkin" in kinds)
    with session_factory(engine)() as session:
        for minute in (2, 6, 10):
            at = NIGHT + timedelta(minutes=minute)
            frame = source.frame(at)
            sql = {r.callsign: (r.lon, r.lat, r.fix_utc) for r in snapshot_at(session, at) if r.callsign}
            shown = {u.callsign: (u.last_fix.lon, u.last_fix.lat, u.last_fix.time) for u in frame.units.values()}
            assert shown == sql
            assert all(i.received_at <= at for i in frame.incidents)
        # The what-if: scored in the window from this ranking, stored only through a writable runner.
        incident = next(i for i in source.history.incidents if i.id in {d.incident_id for d in source.history.dispatches})
        ranking = ranking_at_intake(session, incident, Settings())
    choice = [ranking[0].callsign]
    read_only = OperationRunner(engine, Actor("trainee", "ws-replay"), read_only=True)
    with pytest.raises(ReadOnlyRefused):
        record_what_if(read_only, incident.id, choice)
    score, _ = record_what_if(OperationRunner(engine, Actor("trainee", "ws-replay")), incident.id, choice)
    assert score == score_choice(ranking, choice) and score.score == 100.0
    with session_factory(engine)() as session:
        rows = [r for r in drill_report(session, None, None) if r.kind == "what_if"]
    assert [(r.incident, r.units, r.score) for r in rows] == [(incident.number, choice, 100.0)]
