"""Live patrol detection inside a real `gridcommand serve` stores the events `patrol rebuild`
finds from the same stored fixes (both databases)."""
from __future__ import annotations

import http.client
from datetime import timedelta

from core.settings import PatrolSettings
from db.engine import session_factory
from db.patrol_repo import rebuild, stored_events
from serve_process import ServeProcess, wait_for
from tests.core import patrol_scenario as S
from tests.db.patrol_city import START, _runner, _setup_city


def test_serve_detects_live_what_rebuild_finds(engine, db_url, tmp_path):
    _setup_city(engine)
    rows = S.fixes()
    with ServeProcess(db_url, tmp_path) as server:
        conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
        for n, (t, dev, lon, lat) in enumerate(rows + rows[::50]):  # every 50th fix is sent twice
            conn.request("GET", f"/?id={S.DEVICES[dev]}&lat={lat:.7f}&lon={lon:.7f}&timestamp={int(t)}&accuracy=5")
            response = conn.getresponse()
            assert response.status == 200, (n, response.read())
            response.read()

        def kinds():
            with session_factory(engine)() as s:
                return sorted({e.kind for e in stored_events(s)})

        assert wait_for(lambda: kinds() == ["checkin", "joint", "pass"], timeout=30), server.log()
        wait_for(lambda: False, timeout=2)  # let the last batches through
        assert server.stop() == 0
    with session_factory(engine)() as s:
        live = stored_events(s)
    end = START + timedelta(hours=2)
    result = rebuild(_runner(engine, end), START - timedelta(hours=1), end, PatrolSettings())
    assert result.fixes == len(rows)
    with session_factory(engine)() as s:
        assert stored_events(s) == live
