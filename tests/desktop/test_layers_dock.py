"""The Layers dock's model and filter, driven without the map."""
from PySide6.QtCore import Qt

from core.layers import LayerFeature
from desktop.docks.layers import LayersDock


def _f(layer, code, name, kind=None):
    return LayerFeature(layer=layer, code=code, name=name, geometry={"type": "Point", "coordinates": [112.08, 32.68]},
                        bbox=(112.08, 32.68, 112.08, 32.68), kind=kind, grid_code="G02")


LAYERS = {
    "grids": [_f("grids", "G02", "城区二网格")],
    "points": [_f("points", "P01", "好又多超市"), _f("points", "P02", "人民医院北区")],
    "targets": [_f("targets", "T01", "一初中", "school")],
}


def test_counts_and_layer_filter(qtbot):
    dock = LayersDock()
    qtbot.addWidget(dock)
    dock.set_features(LAYERS)
    assert dock.proxy.rowCount() == 4
    assert dock.layer_box.count() == 7  # "all" plus six layers
    assert "(2)" in dock.layer_box.itemText(dock.layer_box.findData("points"))
    dock.layer_box.setCurrentIndex(dock.layer_box.findData("points"))
    assert dock.proxy.rowCount() == 2


def test_search_matches_chinese_and_pinyin_initials(qtbot):
    dock = LayersDock()
    qtbot.addWidget(dock)
    dock.set_features(LAYERS)
    qtbot.keyClicks(dock.search, "hyd")
    assert dock.proxy.rowCount() == 1
    assert dock.proxy.index(0, 0).data() == "好又多超市"
    dock.search.setText("医院")
    assert [dock.proxy.index(r, 0).data() for r in range(dock.proxy.rowCount())] == ["人民医院北区"]
    dock.search.setText("T01")
    assert dock.proxy.rowCount() == 1


def test_choosing_a_row_emits_the_feature(qtbot):
    dock = LayersDock()
    qtbot.addWidget(dock)
    dock.set_features(LAYERS)
    dock.search.setText("一初中")
    with qtbot.waitSignal(dock.sig_feature_chosen) as blocker:
        qtbot.mouseClick(dock.table.viewport(), Qt.MouseButton.LeftButton,
                         pos=dock.table.visualRect(dock.proxy.index(0, 0)).center())
    assert blocker.args[0].code == "T01"


def test_set_features_does_not_echo_a_layer_change(qtbot):
    dock = LayersDock()
    qtbot.addWidget(dock)
    with qtbot.assertNotEmitted(dock.layer_box.currentIndexChanged):
        dock.set_features(LAYERS)
