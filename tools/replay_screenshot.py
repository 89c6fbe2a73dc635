"""The README's replay picture: a recorded demo night, the replay paused at one
incident's intake, the trainee's what-if choice scored.

    python tools/replay_screenshot.py DB_URL INCIDENT_NUMBER PNG [CALLSIGN ...]

DB_URL holds a night recorded with `gridcommand replay record-demo`. Without
callsigns the second-best unit is chosen (a realistic near miss)."""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(url: str, incident: str, png: str, *callsigns: str) -> int:
    from PySide6.QtCore import QEventLoop, QTimer

    from db.config import load_settings
    from desktop.app import GuiOptions, prepare_gui
    from desktop.replay.app import ReplayApp, resolve_window
    from core.replay_frame import ReplayRequest
    from desktop.workspace import open_database, resolve_place

    settings, _ = load_settings()
    prepare_gui(GuiOptions(db_url=url), settings)
    place = resolve_place(settings, url)
    engine = open_database(place)  # as `gui --replay` opens it (a SQLite file is brought up to date)
    start, end, incident_id = resolve_window(ReplayRequest(incident=incident), engine)
    app = ReplayApp(settings, place, start, end, engine=engine, incident_id=incident_id)
    app.window.show()
    state = {"up": False}
    app.sig_startup_completed.connect(lambda: state.update(up=True))
    app.start()

    def wait(done, seconds: float) -> None:
        loop, deadline = QEventLoop(), time.monotonic() + seconds
        timer = QTimer()
        timer.timeout.connect(lambda: loop.quit() if done() or time.monotonic() > deadline else None)
        timer.start(50)
        loop.exec()

    wait(lambda: state["up"] and app.scene.ready, 120)
    controller, dock = app.controller, app.window.whatif_dock
    choice = list(callsigns) or [controller.ranking[1].callsign]
    dock.check(choice)
    dock.score_button.click()
    settle = time.monotonic() + 2.0
    wait(lambda: time.monotonic() > settle, 3)
    app.window.grab().save(png, "PNG")
    print(f"{png}: {incident} at intake, chose {', '.join(choice)}")
    app.close()
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
