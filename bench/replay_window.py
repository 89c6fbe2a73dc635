"""The replay window's frame, timed on its real path (a child process of `bench replay`).

The whole replay window (``desktop.replay.app.ReplayApp``: workspace, map scene, the
offscreen page, docks, controller) is opened on the benchmark's database; once it is
up, each frame moves replay time by 10 s (600x at 60 frames/s) and calls
``ReplayController.render`` — what the play timer calls: the state at T from the
position index, every unit's row through the ``LiveModel`` and the units adapter to
the page's bridge, the units board and unit card, incidents, dispatch lines, the
timeline bar. Per frame:

- ``render_ms``: that call on the GUI thread (what a frame costs the window), and
  ``cpu_ms`` the GUI thread's CPU time in it (on a shared machine the two differ);
- ``page_ms``: the page's own work on the batch (from its arrival in JS to the next
  animation frame, as the page reports it);
- ``to_page_ms``: from the start of ``render`` until the page says it applied the batch.

Run: ``python -m bench.replay_window DB_PATH START_ISO HOURS FRAMES`` prints ``DONE {json}``."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

from bench.common import median, percentile, qt_wait

# A frame is a few ms: the waits look every 5 ms.
POLL_MS = 5
STEP = timedelta(seconds=10)  # 600x at 60 frames per second


def _child(db_path: str, start_iso: str, hours: str, frames: str) -> None:
    from core.settings import Settings
    from db.engine import make_engine
    from desktop.replay.app import ReplayApp
    from desktop.runtime import application
    from desktop.workspace import Place

    qapp = application()
    settings = Settings()
    url = f"sqlite:///{db_path}"
    engine = make_engine(url)
    start = datetime.fromisoformat(start_iso)
    end = start + timedelta(hours=float(hours))
    app = ReplayApp(settings, Place(db_url=url, language="zh_CN", timezone=settings.ui.timezone), start, end,
                    engine=engine)
    applied: dict[int, float] = {}
    page: dict[int, float] = {}

    def on_applied(seq: int, ms: float) -> None:
        applied[seq] = time.perf_counter()
        page[seq] = ms

    app.map_view.bridge.sig_units_applied.connect(on_applied)
    done = {"up": False}
    app.sig_startup_completed.connect(lambda: done.update(up=True))
    app.window.show()
    t0 = time.perf_counter()
    app.start()
    qt_wait(lambda: done["up"] and app.scene.ready, 600, "the replay window", poll_ms=POLL_MS)
    open_s = time.perf_counter() - t0
    controller = app.controller
    at = start + timedelta(hours=float(hours) / 2)
    controller.render(at)  # the first frame at the measured spot: every unit placed once
    qt_wait(lambda: app.scene.units.seq in applied, 60, "the first frame on the page", poll_ms=POLL_MS)
    render_ms, cpu_ms, page_ms, to_page_ms, units = [], [], [], [], []
    app.ws.replay_clock.play()  # as while playing: the units board and card follow at their own pace
    for _ in range(int(frames)):
        at += STEP
        began, cpu = time.perf_counter(), time.thread_time()
        controller.render(at)
        render_ms.append((time.perf_counter() - began) * 1000)
        cpu_ms.append((time.thread_time() - cpu) * 1000)
        seq = app.scene.units.seq
        qt_wait(lambda: seq in applied, 60, f"frame {seq} on the page", poll_ms=POLL_MS)
        page_ms.append(page[seq])
        to_page_ms.append((applied[seq] - began) * 1000)
        units.append(len(app.live.units))
    errors = app.map_view.map_page.console_errors
    app.close()
    engine.dispose()
    del qapp
    app.ws.replay_clock.pause()
    print("DONE " + json.dumps({"render_ms": render_ms, "cpu_ms": cpu_ms, "page_ms": page_ms, "to_page_ms": to_page_ms,
                                "units": max(units) if units else 0, "open_s": open_s, "errors": errors[:3]}),
          flush=True)


def measure(db_path: Path, start: datetime, hours: float, frames: int, timeout_s: float = 900) -> dict:
    """Run the child and summarise its frames."""
    import tempfile

    home = Path(tempfile.mkdtemp(prefix="gridcommand-bench-replay-window-"))
    env = {**os.environ, "GRIDCOMMAND_HOME": str(home),
           "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    log = home / "window.log"
    with open(log, "w") as err:
        proc = subprocess.run([sys.executable, "-m", "bench.replay_window", str(db_path), start.isoformat(),
                               repr(hours), str(frames)], env=env, stdout=subprocess.PIPE, stderr=err, text=True,
                              timeout=timeout_s)
    report = next((json.loads(line[5:]) for line in proc.stdout.splitlines() if line.startswith("DONE ")), None)
    if report is None:
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"bench.replay_window exited with {proc.returncode} without a report:\n{tail}")
    return {
        "frame_median_ms": round(median(report["render_ms"]), 2),
        "frame_p90_ms": round(percentile(report["render_ms"], 90), 2),
        "frame_cpu_median_ms": round(median(report["cpu_ms"]), 2),
        "frame_page_median_ms": round(median(report["page_ms"]), 2),
        "frame_to_page_median_ms": round(median(report["to_page_ms"]), 2),
        "frame_units": report["units"],
        "window_open_s": round(report["open_s"], 2),
        "window_console_errors": report["errors"],
    }


if __name__ == "__main__":
    _child(*sys.argv[1:])
