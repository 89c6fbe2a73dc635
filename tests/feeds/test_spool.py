"""The local spool (feeds/spool.py) and the writer's outage path, without a real outage:
order, durability across a restart, torn records, the bound, one owner, idempotent drain."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from core.fixes import Fix
from db.engine import is_connection_error, session_factory
from db.models import Position
from db.positions_repo import store_fixes
from feeds.spool import FixSpool, SpoolFull, SpoolInUse
from feeds.writer import STORE_FAILED, IngestWriter
from serve_process import add_unit, wait_for

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=timezone.utc)


def _fix(n: int, device: str = "sp-1", timed: bool = True) -> Fix:
    return Fix(device, 31.2 + n * 1e-5, 121.4, NOW + timedelta(seconds=n) if timed else None,
               accuracy_m=5.0, attributes={"n": n})


def _drain_all(spool: FixSpool, limit: int = 3) -> list[Fix]:
    out = []
    while spool:
        seg, records, end = spool.peek(limit)
        out += [r.fix for r in records]
        spool.committed(seg, end, len(records))
    return out


def test_fixes_come_back_in_order_and_the_spool_empties(tmp_path):
    spool = FixSpool(tmp_path, max_fixes=100)
    spool.append([(_fix(i), "1.2.3.4:5") for i in range(5)], NOW)
    spool.append([(_fix(i), "1.2.3.4:5") for i in range(5, 8)], NOW)
    assert spool.pending == 8
    seg, records, _ = spool.peek(2)
    assert [r.fix for r in records] == [_fix(0), _fix(1)] and records[0].source == "1.2.3.4:5"
    spool.append([(_fix(8), "x")], NOW)  # appended while draining: behind the rest
    assert _drain_all(spool) == [_fix(i) for i in range(9)]
    assert spool.pending == 0 and not list(tmp_path.glob("*.spool"))
    spool.close()


def test_what_was_acknowledged_survives_a_restart_and_drained_fixes_do_not_return(tmp_path):
    spool = FixSpool(tmp_path)
    spool.append([(_fix(i), "s") for i in range(6)], NOW)
    seg, records, end = spool.peek(4)
    spool.committed(seg, end, len(records))
    spool.close()  # the process ends with 2 fixes still spooled
    again = FixSpool(tmp_path)
    assert again.pending == 2
    assert _drain_all(again) == [_fix(4), _fix(5)]
    again.close()


def test_a_torn_last_record_was_never_acknowledged_and_is_skipped(tmp_path):
    spool = FixSpool(tmp_path)
    spool.append([(_fix(0), "s"), (_fix(1), "s")], NOW)
    spool.close()
    segment = next(tmp_path.glob("*.spool"))
    with segment.open("ab") as f:
        f.write(b"0badc0de {\"d\": \"half")  # the process died mid-write
    lines = segment.read_bytes().splitlines(keepends=True)
    segment.write_bytes(lines[0].replace(b"31.2", b"39.9") + b"".join(lines[1:]))  # a flipped byte
    again = FixSpool(tmp_path)
    again.append([(_fix(2), "s")], NOW)  # a new run appends to a new segment, never after the torn tail
    assert _drain_all(again) == [_fix(1), _fix(2)]
    again.close()


def test_past_the_bound_nothing_is_written(tmp_path):
    spool = FixSpool(tmp_path, max_fixes=3)
    spool.append([(_fix(0), "s"), (_fix(1), "s")], NOW)
    with pytest.raises(SpoolFull):
        spool.append([(_fix(2), "s"), (_fix(3), "s")], NOW)
    assert spool.pending == 2
    assert _drain_all(spool) == [_fix(0), _fix(1)]
    spool.close()


def test_one_server_per_spool(tmp_path):
    spool = FixSpool(tmp_path)
    with pytest.raises(SpoolInUse, match="in use by another"):
        FixSpool(tmp_path)
    spool.close()
    FixSpool(tmp_path).close()  # released on close


def test_a_fix_without_time_gets_the_time_it_was_spooled(tmp_path):
    spool = FixSpool(tmp_path)
    spool.append([(_fix(0, timed=False), "s")], NOW)
    assert _drain_all(spool)[0].fix_time == NOW
    spool.close()


def test_a_crash_between_commit_and_spool_update_stores_each_fix_once(engine, tmp_path):
    add_unit(engine, "SP-1", ["sp-1"])
    spool = FixSpool(tmp_path / "spool")
    spool.append([(_fix(i, timed=False) if i == 3 else _fix(i), "s") for i in range(5)], NOW - timedelta(hours=1))
    for _ in range(2):  # committed, then "crashed" before the spool heard of it: drained again
        seg, records, end = spool.peek(10)
        with session_factory(engine)() as s:
            assert store_fixes(s, [r.fix for r in records], NOW + timedelta(minutes=1)) == [None] * 5
            s.commit()
    spool.committed(seg, end, len(records))
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Position)) == 5
    spool.close()


def test_connection_errors_are_told_from_statement_errors():
    assert is_connection_error(OperationalError("SELECT 1", {}, Exception("server closed the connection")))
    assert not is_connection_error(OperationalError("SELECT 1", {}, Exception("database is locked")))
    assert not is_connection_error(ValueError("bad value"))


class _Outage:
    """Makes the writer's commits fail as if the database were unreachable while ``down``."""

    def __init__(self, writer: IngestWriter):
        self.down = False
        real = writer._commit

        def commit(items, rejects):
            if self.down:
                raise OperationalError("INSERT", {}, Exception("connection refused"))
            return real(items, rejects)

        writer._commit = commit


def _writer(engine, spool):
    outcomes: list = []
    writer = IngestWriter(engine, lambda acks: outcomes.extend(done(o) for done, o in acks), spool=spool,
                          future_tolerance_s=10 ** 7)
    return writer, outcomes


def test_the_writer_spools_during_an_outage_and_drains_in_order_without_restart(engine, tmp_path):
    add_unit(engine, "SP-1", ["sp-1"])
    writer, _ = _writer(engine, FixSpool(tmp_path / "spool"))
    outage = _Outage(writer)
    answers: list = []
    writer.start()
    try:
        for i in range(3):
            writer.submit(_fix(i), "s", None, answers.append)
        assert wait_for(lambda: len(answers) == 3)
        outage.down = True
        for i in range(3, 10):
            writer.submit(_fix(i), "s", None, answers.append)
        assert wait_for(lambda: len(answers) == 10)
        assert answers == [None] * 10  # acknowledged: on disk
        assert writer.outage_since is not None and writer.spool.pending == 7
        outage.down = False
        for i in range(10, 12):  # newer fixes queue behind the spooled ones
            writer.submit(_fix(i), "s", None, answers.append)
        assert wait_for(lambda: not writer.spool and len(answers) == 12, timeout=20)
        assert writer.outage_since is None
    finally:
        assert writer.close(10)
    with session_factory(engine)() as s:
        times = s.scalars(select(Position.fix_time).order_by(Position.id)).all()
    assert [t.replace(tzinfo=timezone.utc) if t.tzinfo is None else t for t in times] == \
        [NOW + timedelta(seconds=i) for i in range(12)]


def test_without_a_spool_or_past_its_bound_the_sender_is_told_to_retry(engine, tmp_path):
    add_unit(engine, "SP-1", ["sp-1"])
    writer, _ = _writer(engine, FixSpool(tmp_path / "spool", max_fixes=2))
    outage = _Outage(writer)
    outage.down = True
    answers: list = []
    writer.start()
    try:
        for i in range(3):
            writer.submit(_fix(i), "s", None, answers.append)
            assert wait_for(lambda: len(answers) == i + 1)
        assert answers == [None, None, STORE_FAILED]  # the third would pass the bound: 503
        assert writer.spool.pending == 2
    finally:
        outage.down = False
        assert writer.close(10)


def test_a_second_server_on_the_same_spool_refuses_to_start(tmp_path):
    from serve_process import ServeProcess

    held = FixSpool(tmp_path / "spool")  # as a running `serve` holds it
    try:
        with pytest.raises(RuntimeError, match="in use by another `gridcommand serve`"):
            ServeProcess(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path,
                         settings_toml=f'[live]\nspool_dir = "{tmp_path / "spool"}"\n')
    finally:
        held.close()


def test_a_spooled_fix_the_database_refuses_is_set_aside_not_blocking_the_drain(engine, tmp_path):
    from feeds.spool import _decode

    add_unit(engine, "SP-1", ["sp-1"])
    writer, _ = _writer(engine, FixSpool(tmp_path / "spool"))
    outage = _Outage(writer)
    guarded = writer._commit

    def commit(items, rejects):  # the database takes every fix but number 5
        if not outage.down and any(item.fix.attributes.get("n") == 5 for item in items):
            raise ValueError("value out of range")
        return guarded(items, rejects)

    writer._commit = commit
    answers: list = []
    outage.down = True
    writer.start()
    try:
        for i in range(8):
            writer.submit(_fix(i), "s", None, answers.append)
        assert wait_for(lambda: len(answers) == 8) and answers == [None] * 8
        outage.down = False
        assert wait_for(lambda: not writer.spool, timeout=20)
    finally:
        assert writer.close(10)
    with session_factory(engine)() as s:
        assert s.scalar(select(func.count()).select_from(Position)) == 7
    kept = [_decode(line) for line in (tmp_path / "spool" / "unstorable").read_bytes().splitlines(keepends=True)]
    assert [k.fix for k in kept] == [_fix(5)]
