"""The wall in a real window under Xvfb at 1920×1080 and 3840×2160 (and in English):
a screenshot with the map, units, incidents and figures drawn; every label at least
twice the workstation's font size and nothing cut off; the map ≥ 70 % of the screen."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

pytestmark = pytest.mark.webengine
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory):
    """A home whose demo database holds the demo city and a morning of incidents."""
    from db.engine import make_engine
    from db.migrate import upgrade
    from db.operations import Actor, OperationRunner
    from db.seed import seed_demo
    from tests.wall_samples import add_sample_incidents

    home = tmp_path_factory.mktemp("wall-home")
    url = f"sqlite:///{home / 'data' / 'demo.sqlite'}"
    engine = make_engine(url)
    upgrade(engine)
    seed_demo(OperationRunner(engine, Actor("admin", "setup")))
    add_sample_incidents(engine, datetime.now(timezone.utc))
    engine.dispose()
    return home


def _distinct_colours(image: QImage, x0: int, y0: int, w: int, h: int, step: int = 20) -> int:
    return len({image.pixel(x, y) for x in range(x0, x0 + w, step) for y in range(y0, y0 + h, step)})


def _render(home: Path, size: tuple[int, int], lang: str, out: Path) -> dict:
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed")
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env["GRIDCOMMAND_HOME"] = str(home)
    png, report = out / f"wall-{size[0]}-{lang}.png", out / f"wall-{size[0]}-{lang}.json"
    proc = subprocess.run(["xvfb-run", "-a", "-s", f"-screen 0 {size[0]}x{size[1]}x24", sys.executable, "-m",
                           "tests.desktop.wall_render", lang, str(png), str(report)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=280)
    assert proc.returncode == 0 and report.exists(), proc.stderr[-3000:]
    result = json.loads(report.read_text())
    result["png"] = png
    return result


@pytest.mark.parametrize("size, lang", [((1920, 1080), "zh_CN"), ((3840, 2160), "zh_CN"), ((1920, 1080), "en")])
def test_wall_renders_readably_full_screen(demo_home, tmp_path, size, lang):
    r = _render(demo_home, size, lang, tmp_path)
    assert r["code"] == 0 and r["console_errors"] == []
    assert r["size"] == list(size)  # full screen
    assert r["problems"] == [], "labels too small, cut off or outside the window"
    smallest = min(label["px"] for label in r["labels"])
    assert smallest >= 2 * r["base_px"]
    assert smallest >= size[1] / 50  # and it grows with the wall
    assert r["map_share"] >= 0.70
    assert r["units_drawn"] > 0 and r["ticker_rows"] >= 3
    local = datetime.now(timezone(timedelta(hours=8)))
    if local.hour >= 1:  # the samples are "this morning" only after 01:00 local time
        assert r["kpi"]["incidents"] == "2 / 1"
        assert r["kpi"]["within"].startswith("50%")
    assert r["kpi"]["joint_patrols"].isdigit() and r["kpi"]["overdue_orders"].isdigit()  # counted, never "—"
    weekday = local.strftime("%A") if lang == "en" else "星期"
    assert weekday in r["clock"][1]
    image = QImage(str(r["png"]))
    assert (image.width(), image.height()) == size
    w, h = size
    assert _distinct_colours(image, 0, 0, int(w * 0.7), h) > 20  # the drawn map
    assert _distinct_colours(image, int(w * 0.8), 0, int(w * 0.2), h) > 4  # text on the side column
