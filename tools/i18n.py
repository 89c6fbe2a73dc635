"""Translation upkeep: `python tools/i18n.py update` re-extracts strings from desktop/
into the .ts files (keeping existing translations); `release` compiles them to .qm.

The UI's source strings are English; Simplified Chinese is the default language."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
I18N = ROOT / "resources" / "i18n"
LANGUAGES = ("zh_CN",)


def _tool(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def sources() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "desktop").rglob("*.py"))


def update() -> None:
    for lang in LANGUAGES:
        subprocess.run([_tool("pyside6-lupdate"), *sources(), "-ts", str(I18N / f"gridcommand_{lang}.ts"),
                        "-no-obsolete", "-locations", "none"], cwd=ROOT, check=True)


def release(out_dir: Path = I18N) -> list[Path]:
    out = []
    for lang in LANGUAGES:
        qm = out_dir / f"gridcommand_{lang}.qm"
        subprocess.run([_tool("pyside6-lrelease"), "-silent", str(I18N / f"gridcommand_{lang}.ts"), "-qm", str(qm)],
                       check=True)
        out.append(qm)
    return out


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="tools/i18n.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=("update", "release"),
                        help="update: re-extract strings into the .ts files; release: compile them to .qm")
    args = parser.parse_args(argv)
    {"update": update, "release": release}[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
