"""The workstation when PostgreSQL goes away: a red banner with the time of the loss, writes
refused at once with a clear message (nothing written, nothing dropped silently), probes with
back-off, and back by itself once connections are allowed; writes then go through again."""
from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from core.settings import Settings
from db.engine import make_engine, session_factory
from db.models import AuditLog
from db.operations import Actor, OperationRunner, WriteRefused
from tests.wall_samples import ScratchPostgres

pytestmark = pytest.mark.postgres
ZONE = "Asia/Shanghai"


@pytest.fixture
def scratch(pg_database):
    db = ScratchPostgres(pg_database, datetime.now(timezone.utc) - timedelta(minutes=1))
    yield db
    db.allow_connections(True)
    db.drop()


def _note(runner: OperationRunner):
    return runner.run("test.note", lambda ctx: ctx.audit("test", 1, None, {"note": "outage test"}), "edit_incident")


def _notes(url: str) -> int:
    engine = make_engine(url)
    try:
        with session_factory(engine)() as s:
            return s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.operation == "test.note"))
    finally:
        engine.dispose()


def test_banner_refused_writes_and_reconnect(qtbot, qapp, scratch):
    from desktop.banner import OutageBanner
    from desktop.controllers.connection import ConnectionController
    from desktop.workspace import Place, Workspace

    settings = Settings()
    ws = Workspace(settings, Place(db_url=scratch.url, language="en", timezone=ZONE), actor=Actor("tester", "ws-1"))
    engine = make_engine(scratch.url)
    ws.attach(engine)
    banner = OutageBanner(ZONE)
    qtbot.addWidget(banner)
    ctl = ConnectionController(ws, banner, max_wait_s=2)
    messages: list = []
    ws.sig_message.connect(messages.append)
    outcomes: list = []

    def write():
        ws.run_op(_note, lambda r: outcomes.append("saved"), lambda exc: (outcomes.append(exc), ws.report(exc)))

    try:
        write()
        qtbot.waitUntil(lambda: outcomes == ["saved"], timeout=10000)
        assert banner.isHidden()

        with qtbot.waitSignal(ws.sig_link_changed, timeout=30000, check_params_cb=lambda since: since is not None):
            scratch.allow_connections(False)
            write()  # the write that finds the database gone
        assert isinstance(outcomes[-1], Exception) and not isinstance(outcomes[-1], WriteRefused)
        assert messages[-1].level == "critical" and "Nothing was saved" in messages[-1].text
        lost_at = ws.link.lost_since.astimezone(timezone(timedelta(hours=8))).strftime("%H:%M")
        assert banner.kind == "lost" and lost_at in banner.text() and not banner.isHidden()
        assert "changes are refused" in banner.text()

        started = time.monotonic()
        write()  # refused at once: no connection attempt, nothing written
        qtbot.waitUntil(lambda: isinstance(outcomes[-1], WriteRefused), timeout=5000)
        assert time.monotonic() - started < 2
        assert messages[-1].title == "Not saved: database unreachable" and lost_at in messages[-1].text

        qtbot.waitUntil(lambda: ctl.attempt >= 2, timeout=20000)  # probing with back-off: 1 s, 2 s, …
        assert "reconnecting in" in banner.text() or ctl.probing

        with qtbot.waitSignal(ws.sig_link_changed, timeout=30000, check_params_cb=lambda since: since is None):
            scratch.allow_connections(True)
        assert banner.isHidden() and ws.link.lost_since is None
        write()
        qtbot.waitUntil(lambda: outcomes[-1] == "saved", timeout=10000)
    finally:
        ctl.stop()
        ws.close()
        engine.dispose()
    assert _notes(scratch.url) == 2  # the two saved; the failed and the refused wrote nothing


def test_the_runner_refuses_while_the_link_is_down(tmp_path):
    """Without Qt: the runner reads the link; refused before any database work."""
    from core.link_state import LinkState
    from db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'link.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    link = LinkState()
    runner = OperationRunner(engine, Actor("tester", "ws-1"), link=link)
    since = datetime(2026, 3, 1, 8, 30, tzinfo=timezone.utc)
    assert link.lost(since, "server closed the connection") is True
    assert link.lost(since + timedelta(seconds=5), "") is False  # the same outage
    with pytest.raises(WriteRefused, match="unreachable since 2026-03-01T08:30:00") as refused:
        _note(runner)
    assert refused.value.since == since
    assert link.restored() is True
    _note(runner)
    engine.dispose()
    assert _notes(url) == 1
