"""No import circle anywhere in the project, and only the map package talks to the page."""
import re
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "db", "feeds", "desktop", "gridcommand", "bench")


def find_cycles(graph) -> list[tuple[str, str, tuple]]:
    cycles = []
    for module in sorted(graph.modules):
        if not module.startswith(PACKAGES):
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if imported != module and graph.chain_exists(importer=imported, imported=module):
                cycles.append((module, imported, graph.find_shortest_chain(importer=imported, imported=module)))
    return cycles


def test_no_import_cycles():
    # Imports under TYPE_CHECKING never run: annotations may name a module that imports this one.
    graph = grimp.build_graph(*PACKAGES, cache_dir=None, exclude_type_checking_imports=True)
    cycles = find_cycles(graph)
    assert cycles == [], "\n".join(f"{a} -> {b} -> … -> {a}: {chain}" for a, b, chain in cycles[:10])
    # The check itself finds a circle when there is one.
    graph.add_import(importer="core.settings", imported="core.clock")
    graph.add_import(importer="core.clock", imported="core.settings")
    assert any({a, b} == {"core.settings", "core.clock"} for a, b, _ in find_cycles(graph))


def test_only_the_map_package_calls_the_page():
    """Bridge calls and runJavaScript live in desktop/map/; everything else uses the scene."""
    offenders = []
    for path in (ROOT / "desktop").rglob("*.py"):
        if path.is_relative_to(ROOT / "desktop" / "map"):
            continue
        text = path.read_text(encoding="utf-8")
        if re.search(r"bridge\.call\(|runJavaScript\(|push_units\(", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_literal_colours_in_desktop_code():
    """Colours live in resources/styles/colors.json (shared with the page's JavaScript)."""
    offenders = []
    for path in list((ROOT / "desktop").rglob("*.py")) + list((ROOT / "resources" / "web").glob("*.js")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"#[0-9a-fA-F]{6}\b|#[0-9a-fA-F]{3}\b(?![0-9a-fA-F])", line) and "noqa: colour" not in line:
                offenders.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    assert offenders == [], "\n".join(offenders)
