"""The map page in the real embedded browser, checked through its JavaScript state."""
import json

from core import layers as L
from db.engine import session_factory
from db.places_repo import layer_counts
from tests.desktop.conftest import run_js


def test_page_draws_one_leaflet_feature_per_database_row(gui, qtbot, demo_engine):
    with session_factory(demo_engine)() as s:
        expected = layer_counts(s)
    counts = json.loads(run_js(qtbot, gui.map_view, "JSON.stringify(gridmap.layerCounts())"))
    assert counts == expected
    assert all(counts[layer] > 0 for layer in L.ALL_LAYERS)
    assert gui.map_view.bridge.ready_info["counts"] == expected


def test_no_request_leaves_the_machine_and_no_js_errors(gui):
    assert gui.map_view.blocked_requests == []
    assert gui.map_view.map_page.console_errors == []


def test_page_has_scale_legend_layer_switcher_and_grid_labels(gui, qtbot):
    found = json.loads(run_js(qtbot, gui.map_view, """JSON.stringify({
        scale: document.querySelectorAll('.leaflet-control-scale').length,
        legend: document.querySelectorAll('.gc-legend-row').length,
        switcher: document.querySelectorAll('.leaflet-control-layers-overlays label').length,
        gridLabels: Array.from(document.querySelectorAll('.gc-grid-label')).map(e => e.textContent)
    })"""))
    assert found["scale"] == 1
    assert found["legend"] >= 5
    assert found["switcher"] >= 5
    assert "城区二网格" in found["gridLabels"]


def test_clicking_a_feature_opens_its_popup_and_reports_it(gui, qtbot):
    with qtbot.waitSignal(gui.map_view.bridge.sig_feature_clicked, timeout=5000) as blocker:
        run_js(qtbot, gui.map_view, "gridmap.state.index['points/P01'].fire('click', {latlng: gridmap.state.index['points/P01'].getLatLng()}); true")
    assert blocker.args == ["points", "P01"]
    popup = json.loads(run_js(qtbot, gui.map_view, """JSON.stringify({
        open: gridmap.state.index['points/P01'].isPopupOpen(),
        titles: Array.from(document.querySelectorAll('.leaflet-popup .gc-popup-title')).map(e => e.textContent)
    })"""))
    # Exactly one popup is open, and it is P01's (the demo's must-visit point at 好又多超市).
    assert popup == {"open": True, "titles": ["好又多超市"]}


def test_choosing_a_feature_in_the_dock_flies_the_map_there(gui, qtbot):
    dock = gui.window.layers_dock
    dock.search.setText("好又多")
    assert dock.proxy.rowCount() >= 1
    index = dock.proxy.index(0, 0)
    feature = dock.model.feature(dock.proxy.mapToSource(index).row())
    dock.table.clicked.emit(index)
    lon, lat = feature.center

    def arrived():
        c = json.loads(run_js(qtbot, gui.map_view, "JSON.stringify(gridmap.state.map.getCenter())"))
        assert abs(c["lng"] - lon) < 2e-4 and abs(c["lat"] - lat) < 2e-4

    qtbot.waitUntil(arrived, timeout=10000)
