"""`gridcommand bench startup`: process start → demo map loaded with all layers drawn,
against a bare QWebEngineView loading only vendored Leaflet, measured in the same run.

Each measurement is a fresh process; the demo database is seeded before timing, so
the figure is an ordinary start, not the first one.

* **warm** (``startup_s``): nothing changed since the last start; READY when the map is
  first drawn with all layers (the cached page, which start-up then checks against the
  database).
* **cold** (``cold_startup_s``): the first start after the map data changed — before
  each cold run a must-visit point gets a new version through the operation runner,
  as a commander's edit on another workstation would. READY only once the map drawn
  shows the *current* data: start-up has checked the page against the database,
  rebuilt it and the rebuilt page is drawn (a stale cached page does not count)."""
from __future__ import annotations

import json
import os
import resource
import sys
import tempfile

from bench.common import browser_memory_mib, median, timed_child

BASELINE_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="gridapp://gridcommand/web/vendor/leaflet/leaflet.css">
<script src="gridapp://gridcommand/web/vendor/leaflet/leaflet.js"></script>
<style>html,body,#map{height:100%;margin:0}</style></head><body><div id="map"></div><script>
var map = L.map('map').setView([32.684, 112.083], 15);
requestAnimationFrame(function () { requestAnimationFrame(function () { document.title = 'READY'; }); });
</script></body></html>"""


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child_app(current: bool = False) -> None:
    """The same staged start-up as `gridcommand gui --demo`. READY when the map is first
    drawn with all layers (``current``: drawn from the database's current data); the
    peak RSS is taken once start-up has fully completed (database opened and the page
    checked against it), so it is the real peak."""
    from PySide6.QtWidgets import QApplication

    from db.config import load_settings
    from desktop.app import GuiOptions, prepare_gui, start_app

    settings, _ = load_settings()
    options = GuiOptions(demo=True, save_settings=False)
    qapp = prepare_gui(options, settings)
    state = {"ready_s": None, "completed": False}

    def ready(_info):
        if state["ready_s"] is None and (state["completed"] or not current):
            print("READY", flush=True)
            state["ready_s"] = True
        if state["completed"]:
            finish()

    def completed():
        state["completed"] = True
        if app.scene.ready:  # else the rebuilt page is loading: ready() follows
            ready({})

    def finish():
        report = {"peak_rss_mib": _peak_rss_mib(), **browser_memory_mib()}
        print("DONE", json.dumps(report), flush=True)
        QApplication.instance().quit()

    app = start_app(options, settings)
    app.scene.sig_page_ready.connect(ready)
    app.sig_startup_completed.connect(completed)
    qapp.exec()
    app.stop_live()
    app.map_view.dispose()


def _child_touch() -> None:
    """Change the map data as a commander's edit would: a new version of one demo
    must-visit point (another dwell), so the cached page no longer matches."""
    from db.config import load_settings
    from db.duty_ops import RuleEdit, set_rule
    from db.engine import session_factory
    from db.operations import Actor, OperationRunner
    from db.places_repo import load_layer
    from desktop.workspace import open_database, resolve_place

    settings, _ = load_settings()
    engine = open_database(resolve_place(settings, None, True, None, None))
    with session_factory(engine)() as session:
        point = load_layer(session, "points")[0]
    dwell = 121.0 if float(point.properties.get("dwell_s") or 120) != 121.0 else 120.0
    set_rule(OperationRunner(engine, Actor(user="bench", workstation="bench")), "points", point.code,
             RuleEdit(dwell_s=dwell))
    engine.dispose()
    print("READY", flush=True)
    print("DONE {}", flush=True)


def _child_baseline() -> None:
    from PySide6.QtWidgets import QApplication

    from desktop.map.view import MapView
    from desktop.runtime import application

    qapp = application()
    view = MapView()
    view.resize(1600, 900)

    def title(text):
        if text == "READY":
            print("READY", flush=True)
            print("DONE", json.dumps({"peak_rss_mib": _peak_rss_mib(), **browser_memory_mib()}), flush=True)
            QApplication.instance().quit()

    view.titleChanged.connect(title)
    view.load_page(BASELINE_PAGE)
    view.show()
    qapp.exec()
    view.dispose()


def run(repeat: int = 5) -> dict:
    home = tempfile.mkdtemp(prefix="gridcommand-bench-startup-")
    env = {"GRIDCOMMAND_HOME": home, "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen")}
    # The very first run seeds the demo database and is not timed.
    timed_child(["-m", "bench.startup", "app"], env)
    timed_child(["-m", "bench.startup", "baseline"], env)  # warms the file cache equally
    app_s, cold_s, base_s, mem, base_mem = [], [], [], [], []
    for _ in range(repeat):  # interleaved, so drift on a noisy machine hits all alike
        t, info = timed_child(["-m", "bench.startup", "app"], env)
        app_s.append(t)
        mem.append(json.loads(info))
        t, info = timed_child(["-m", "bench.startup", "baseline"], env)
        base_s.append(t)
        base_mem.append(json.loads(info))
        timed_child(["-m", "bench.startup", "touch"], env)  # the data change (not timed)
        cold_s.append(timed_child(["-m", "bench.startup", "app-current"], env)[0])
    startup, baseline = median(app_s), median(base_s)
    return {
        "startup_s": round(startup, 3),
        "baseline_s": round(baseline, 3),
        "ratio": round(startup / baseline, 3),
        "cold_startup_s": round(median(cold_s), 3),
        "cold_ratio": round(median(cold_s) / baseline, 3),
        # The launcher's own peak (what the start-up target is about) and, beside it, the
        # whole app as the machine sees it: the Python process plus its QtWebEngine processes.
        "peak_rss_mib": round(median([m["peak_rss_mib"] for m in mem]), 1),
        "pss_mib": round(median([m["pss_mib"] for m in mem]), 1),
        "rss_sum_mib": round(median([m["rss_mib"] for m in mem]), 1),
        "baseline_pss_mib": round(median([m["pss_mib"] for m in base_mem]), 1),
        "processes": int(median([m["processes"] for m in mem])),
        "runs": repeat,
        "startup_runs_s": [round(t, 3) for t in app_s],
        "cold_runs_s": [round(t, 3) for t in cold_s],
        "baseline_runs_s": [round(t, 3) for t in base_s],
        "target": {"ratio_max": 1.3, "cold_ratio_max": 2.5, "peak_rss_mib_max": 350},
    }


if __name__ == "__main__":
    {"app": _child_app, "app-current": lambda: _child_app(current=True), "touch": _child_touch,
     "baseline": _child_baseline}[sys.argv[1]]()
