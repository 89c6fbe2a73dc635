"""`gridcommand replay record-demo` and `gridcommand gui --replay`'s argument checks."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from db.engine import make_engine, session_factory
from db.models import Dispatch, Incident, Position


def test_record_demo_writes_a_night_to_replay_and_refuses_to_write_it_twice(cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'night.sqlite'}"
    assert cli("db", "seed-demo", "--db", url)[0] == 0
    code, out, err = cli("replay", "record-demo", "--db", url, "--from", "2026-11-29T21:00:00+08:00",
                         "--minutes", "12", "--incidents-per-hour", "20", "--seed", "2")
    assert code == 0, err
    assert "gridcommand gui --replay --from 2026-11-29T13:00:00Z --to 2026-11-29T13:12:00Z" in out
    engine = make_engine(url)
    try:
        with session_factory(engine)() as s:
            start = datetime(2026, 11, 29, 13, 0, tzinfo=timezone.utc)
            fixes = s.scalar(select(func.count()).select_from(Position).where(
                Position.fix_time > start, Position.fix_time <= start + timedelta(minutes=12)))
            incidents = s.scalar(select(func.count()).select_from(Incident))
            dispatches = s.scalar(select(func.count()).select_from(Dispatch))
    finally:
        engine.dispose()
    assert fixes > 100 and incidents >= 1 and dispatches >= 1
    code, _out, err = cli("replay", "record-demo", "--db", url, "--from", "2026-11-29T21:05:00+08:00",
                          "--minutes", "5")
    assert code == 2 and err.strip().startswith("gridcommand: --from: the database already holds history")
    assert cli("replay", "record-demo", "--db", url, "--minutes", "0")[0] == 2


def test_gui_replay_arguments_are_checked_before_any_window(cli):
    code, _out, err = cli("gui", "--from", "2026-11-29T21:00:00+08:00")
    assert code == 2 and "--from, --to and --incident go with --replay" in err
    code, _out, err = cli("gui", "--replay", "--from", "2026-11-29T21:00:00+08:00")
    assert code == 2 and "--replay needs --from and --to, or --incident" in err
