"""What a new user trips over: no display, the --db order, cited notes that must exist,
tools/i18n.py --help, and a rejected import that must not create a database."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from gridcommand.cli import build_parser, main
from gridcommand.commands.gui import NO_DISPLAY, display_problem

ROOT = Path(__file__).resolve().parents[1]


def test_gui_without_a_display_says_so_in_one_line(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "GRIDCOMMAND_HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "gridcommand.cli", "gui"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr == f"gridcommand gui: {NO_DISPLAY}\n"
    assert "xvfb-run" in done.stderr and "QT_QPA_PLATFORM=offscreen" in done.stderr
    assert not (tmp_path / "data").exists()  # nothing opened


def test_display_detection():
    assert display_problem(False, {}, "linux") == NO_DISPLAY
    assert display_problem(False, {"QT_QPA_PLATFORM": "xcb"}, "linux") == NO_DISPLAY
    assert display_problem(False, {"DISPLAY": ":0"}, "linux") is None
    assert display_problem(False, {"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert display_problem(False, {"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert display_problem(False, {}, "win32") is None
    env: dict = {}
    assert display_problem(True, env, "linux") is None  # a screenshot needs no screen
    assert env["QT_QPA_PLATFORM"] == "offscreen"


def test_db_help_states_the_order_the_code_and_readme_follow():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "The order is: `--db`, then `GRIDCOMMAND_DB`, then the settings file, then the local SQLite file." in readme
    parser = build_parser()
    for name, sub in parser._subparsers._group_actions[0].choices.items():
        for action in sub._actions:
            if "--db" in action.option_strings:
                text = " ".join(action.help.split())
                assert text.index("GRIDCOMMAND_DB") < text.index("settings") < text.index("SQLite"), (name, text)


def test_notes_the_code_cites_are_in_the_repository():
    cited = set()
    for path in ROOT.glob("**/*"):
        if ".venv" in path.parts or ".git" in path.parts or not path.is_file():
            continue
        if path.suffix not in (".py", ".toml", ".json", ".js", ".sh", ".md") or path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not re.search(r"\b(PLATFORM|DOMAIN|ARCHITECTURE)\.md", text), f"{path} cites a note outside the repo"
        cited.update(re.findall(r"docs/[\w-]+\.md", text))
    assert {"docs/platform.md", "docs/domain.md"} <= cited
    for doc in cited:
        assert (ROOT / doc).is_file(), doc


def test_i18n_tool_help_and_bad_command():
    ok = subprocess.run([sys.executable, "tools/i18n.py", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert ok.returncode == 0 and "update" in ok.stdout and "release" in ok.stdout
    bad = subprocess.run([sys.executable, "tools/i18n.py", "frobnicate"], cwd=ROOT, capture_output=True, text=True)
    assert bad.returncode == 2 and "invalid choice" in bad.stderr and "Traceback" not in bad.stderr


def test_a_rejected_import_creates_no_database(tmp_path, capsys):
    bad = tmp_path / "grids.geojson"
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [112.08, 32.68]}}]}),
        encoding="utf-8")
    db = tmp_path / "fresh.sqlite"
    assert main(["db", "import", str(bad), "--layer", "grids", "--db", f"sqlite:///{db}"]) == 2
    assert "import rejected" in capsys.readouterr().err
    assert main(["db", "import", str(tmp_path / "missing.geojson"), "--layer", "grids", "--db", f"sqlite:///{db}"]) == 2
    assert not db.exists() and not Path(f"{db}-wal").exists()


def test_the_slowest_tests_are_listed_after_every_run():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "--durations=15" in config["tool"]["pytest"]["ini_options"]["addopts"].split()
