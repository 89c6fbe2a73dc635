"""A signal ends `serve` and the demo GUI like a normal exit: the SQLite database is
checkpointed and closed, and no `-wal` file is left behind."""
from __future__ import annotations

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "feeds"))
from serve_process import NOW, ServeProcess, add_unit, wait_for  # noqa: E402


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_serve_leaves_no_wal_after_a_signal(tmp_path, sig):
    from db.engine import make_engine
    from db.migrate import upgrade

    path = tmp_path / "serve.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    add_unit(engine, "W1", ["DW1"])
    engine.dispose()
    server = ServeProcess(f"sqlite:///{path}", tmp_path)
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=10)
    t0 = int(NOW.timestamp()) - 600
    for k in range(50):
        conn.request("GET", f"/?id=DW1&lat=32.68&lon=112.08&timestamp={t0 + k}")
        assert conn.getresponse().read() == b""
    conn.close()
    assert Path(f"{path}-wal").exists()  # the writes went through the WAL
    assert server.stop(sig) == 0
    assert not Path(f"{path}-wal").exists(), server.log()


@pytest.mark.webengine
def test_demo_gui_leaves_no_wal_after_sigterm(tmp_path):
    home = tmp_path / "home"
    env = dict(os.environ, GRIDCOMMAND_HOME=str(home), QT_QPA_PLATFORM="offscreen")
    log = (tmp_path / "gui.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "gridcommand.cli", "gui", "--demo", "--lang", "en"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    db = home / "data" / "demo.sqlite"
    wal = Path(f"{db}-wal")
    try:
        # Running with the simulator writing positions.
        assert wait_for(lambda: wal.exists() and wal.stat().st_size > 0, 90, 0.2), (tmp_path / "gui.log").read_text()
        time.sleep(1.0)  # during start-up: a signal then was once lost or fatal
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(60)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
    assert code == 128 + signal.SIGTERM, (tmp_path / "gui.log").read_text()
    assert not wal.exists(), (tmp_path / "gui.log").read_text()[-3000:]
