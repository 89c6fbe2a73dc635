"""`gridcommand gui --replay --from T --to T` / `--incident ID`: a replay window on its
own, or its screenshot (as `gui --screenshot` takes the live window's)."""
from __future__ import annotations

import sys

from core.replay_frame import ReplayRequest
from desktop.replay.app import ReplayApp, resolve_window


def run_replay(gui_options, options: ReplayRequest) -> int:
    """`gridcommand gui --replay`: a replay window on its own (or its screenshot)."""
    from core.incidents import FieldError
    from db.config import load_settings
    from db.engine import DatabaseUnavailable
    from desktop.app import prepare_gui, take_screenshot
    from desktop.workspace import open_database, resolve_place

    settings, problems = load_settings()
    qapp = prepare_gui(gui_options, settings)
    for problem in problems:
        print(f"gridcommand: settings: {problem}", file=sys.stderr)
    place = resolve_place(settings, gui_options.db_url, gui_options.demo, gui_options.language, gui_options.theme)
    try:
        engine = open_database(place)
        start, end, incident_id = resolve_window(options, engine)
    except (FieldError, DatabaseUnavailable) as exc:
        print(f"gridcommand gui --replay: {exc}", file=sys.stderr)
        return 2
    app = ReplayApp(settings, place, start, end, engine=engine, incident_id=incident_id)
    app.interactive = gui_options.screenshot is None
    app.window.show()
    if gui_options.screenshot is not None:
        code = take_screenshot(app, gui_options.screenshot, gui_options.timeout_s)
        app.close()
        engine.dispose()
        return code
    app.sig_startup_failed.connect(lambda _msg: None)  # the window shows the message; the user closes it
    app.start()
    code = qapp.exec()
    app.close()
    engine.dispose()
    return code
