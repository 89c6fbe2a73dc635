"""Run under a real X server (xvfb-run) by test_wall_render.py: the wall full screen on
the demo database, a screenshot, and what a reader across the room would see measured
from the widgets: every label's font size and whether its text fits its box.

    python -m tests.desktop.wall_render LANG OUT.png OUT.json"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def measure(window, base_px: int) -> dict:
    from PySide6.QtCore import QRect
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QLabel

    labels, problems = [], []
    inside = QRect(0, 0, window.width(), window.height())
    for label in window.findChildren(QLabel):
        if not label.isVisibleTo(window) or not label.text() or label.objectName() == "wall_map_stale":
            continue
        px = label.fontInfo().pixelSize()
        box = label.contentsRect()
        metrics = QFontMetrics(label.font())
        if label.wordWrap():
            fits = label.heightForWidth(label.width()) <= label.height() + 1
        else:
            fits = all(metrics.horizontalAdvance(line) <= box.width() for line in label.text().split("\n"))
        top_left = label.mapTo(window, label.rect().topLeft())
        placed = inside.contains(QRect(top_left, label.size()))
        labels.append({"name": label.objectName(), "text": label.text()[:40], "px": px, "fits": fits, "placed": placed})
        if px < 2 * base_px or not fits or not placed:
            problems.append(labels[-1])
    return {"labels": labels, "problems": problems}


def main(lang: str, png: str, out: str) -> int:
    from PySide6.QtCore import QTimer

    from db.config import load_settings
    from desktop.app import GuiOptions, prepare_gui, take_screenshot
    from desktop.wall.app import WallApp, place_window
    from desktop.wall.window import workstation_font_px

    options = GuiOptions(demo=True, wall=True, language=lang, save_settings=False, theme="dark", timeout_s=120)
    settings, _ = load_settings()
    qapp = prepare_gui(options, settings)
    base_px = workstation_font_px()
    app = WallApp(settings, options)
    place_window(app.window, 0)
    code = take_screenshot(app, Path(png), options.timeout_s)
    units = {}
    app.scene.evaluate("String(gridmap.unitCount())", lambda v: units.setdefault("n", v))
    for _ in range(50):
        if "n" in units:
            break
        QTimer.singleShot(100, qapp.processEvents)
        qapp.processEvents()
    window = app.window
    report = {"code": code, "size": [window.width(), window.height()], "base_px": base_px,
              "map_share": window.map_area_share(), "page_zoom": app.map_view.zoomFactor(),
              "units_drawn": int(units.get("n") or 0), "ticker_rows": len(window.ticker.row_labels),
              "kpi": {k: v.text() for k, v in window.kpi.values.items()},
              "clock": [window.clock.time_label.text(), window.clock.date_label.text()],
              "console_errors": app.map_view.map_page.console_errors[:3], **measure(window, base_px)}
    Path(out).write_text(json.dumps(report, ensure_ascii=False, indent=1))
    app.stop_live()
    window.close()
    app.map_view.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
