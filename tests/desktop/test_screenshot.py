"""`gridcommand gui --screenshot`: a PNG of the drawn map, and a non-zero exit when
the page fails or a request would leave the machine."""
import os
import subprocess
import sys

from PySide6.QtCore import QTimer
from PySide6.QtGui import QImage

from desktop.map import page as page_module
from desktop.app import GridCommandApp, GuiOptions, take_screenshot


def _distinct_colours(image: QImage, step: int = 25) -> int:
    return len({image.pixel(x, y) for x in range(0, image.width(), step) for y in range(0, image.height(), step)})


def test_screenshot_command_writes_a_png_of_the_drawn_map(tmp_path):
    out = tmp_path / "shot.png"
    env = dict(os.environ, GRIDCOMMAND_HOME=str(tmp_path / "home"), QT_QPA_PLATFORM="offscreen")
    proc = subprocess.run([sys.executable, "-m", "desktop", "--demo", "--screenshot", str(out)],
                          env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1600, 900)
    # A blank or unpainted web view is one or two colours; the drawn map has many.
    map_area = image.copy(420, 60, 1100, 780)
    assert _distinct_colours(map_area) > 20


def test_screenshot_fails_when_a_request_would_leave_the_machine(qtbot, demo_engine, settings, tmp_path, monkeypatch):
    real_build = page_module.build_page

    def leaky_page(*args, **kwargs):
        html = real_build(*args, **kwargs)
        return html.replace("</body>", '<img src="https://tile.example.com/leak.png"></body>')

    monkeypatch.setattr(page_module, "build_page", leaky_page)
    app = GridCommandApp(settings, GuiOptions(save_settings=False), engine=demo_engine)
    qtbot.addWidget(app.window)
    app.refresh_layers()
    app.window.show()
    code = take_screenshot(app, tmp_path / "leak.png", timeout_s=60)
    assert code == 5
    assert any("tile.example.com" in url for url in app.map_view.blocked_requests)
    app.stop_live()
    app.map_view.dispose()


def test_screenshot_fails_when_the_page_never_draws(qtbot, demo_engine, settings, tmp_path, monkeypatch):
    monkeypatch.setattr(page_module, "build_page", lambda *a, **k: "<html><body>broken</body></html>")
    app = GridCommandApp(settings, GuiOptions(save_settings=False), engine=demo_engine)
    qtbot.addWidget(app.window)
    app.refresh_layers()
    app.window.show()
    assert take_screenshot(app, tmp_path / "never.png", timeout_s=3) == 8
    assert not (tmp_path / "never.png").exists()
    app.stop_live()
    app.map_view.dispose()
