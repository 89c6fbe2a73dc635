"""The scene's place-edit layer without a page: what goes to the page is on the basemap,
what comes back from it is WGS84 again; a geometry the page garbles is dropped, not raised."""
from __future__ import annotations

import json

import pytest

from core.crs import wgs84_to_gcj02
from core.layers import LayerFeature
from core.settings import BasemapSettings, Settings
from desktop.live.live_model import LiveModel
from desktop.map.scene import MapScene

P = (112.0805, 32.6805)


@pytest.fixture
def gcj_scene(qapp):
    settings = Settings(basemap=BasemapSettings(kind="url", url="http://10.0.0.5/t/{z}/{x}/{y}.png", crs="gcj02"))
    live = LiveModel(settings.live.stale_after_s)
    yield MapScene(settings, live)
    live.stop()


def test_places_go_out_shifted_and_come_back_in_wgs84(gcj_scene):
    scene = gcj_scene
    point = LayerFeature("points", "P1", "东门", {"type": "Point", "coordinates": list(P)}, (*P, *P))
    scene.place_edit.replace("points", [point])
    sent = scene.place_edit.replaced["points"][0]["geometry"]["coordinates"]
    assert sent == pytest.approx(list(wgs84_to_gcj02(*P)), abs=1e-9)

    drawn, moved = [], []
    scene.sig_place_drawn.connect(lambda layer, g: drawn.append((layer, g)))
    scene.sig_place_moved.connect(lambda layer, code, g: moved.append((layer, code, g)))
    scene._on_place_drawn("points", json.dumps({"type": "Point", "coordinates": sent}))
    assert drawn[0][0] == "points" and drawn[0][1]["coordinates"] == pytest.approx(list(P), abs=1e-6)
    line = [wgs84_to_gcj02(*P), wgs84_to_gcj02(P[0] + 0.001, P[1])]
    scene._on_place_moved("lines", "L1", json.dumps({"type": "LineString", "coordinates": line}))
    assert moved[0][2]["coordinates"][1] == pytest.approx([P[0] + 0.001, P[1]], abs=1e-6)

    scene._on_place_drawn("points", "{not json")
    scene._on_place_moved("lines", "L1", json.dumps({"type": "LineString", "coordinates": [["a", 1]]}))
    assert len(drawn) == 1 and len(moved) == 1


def test_edit_modes_are_checked_and_a_new_page_forgets_replacements(gcj_scene):
    scene = gcj_scene
    with pytest.raises(ValueError, match="mode"):
        scene.place_edit.set_mode("erase")
    with pytest.raises(ValueError, match="layer"):
        scene.place_edit.replace("grids", [])
    scene.place_edit.set_mode("move")
    scene.place_edit.replace("lines", [])
    scene.load_page("<html></html>")
    assert scene.place_edit.replaced == {} and scene.place_edit.mode == "move"
