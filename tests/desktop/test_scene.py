"""The map scene drives several views of one state, replays it to a page that reloads,
and applies the basemap shift in one place: in and out of the scene is WGS84."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from core.basemap_shift import BasemapShift
from core.crs import wgs84_to_gcj02
from core.settings import BasemapSettings, Settings
from core.units import LastFix, UnitInfo
from desktop.live.live_model import LiveModel
from desktop.map.layers.incidents import IncidentMarker
from desktop.map.scene import MapScene
from desktop.map.view import MapView
from tests.desktop.conftest import run_js

pytestmark = pytest.mark.webengine

NOW = datetime.now(timezone.utc)
INC = (112.0805, 32.6805)
STATE = ("JSON.stringify({incident: gridmap.incidentState(7), rings: gridmap.ringCount(), route: gridmap.routeLength(),"
         " units: gridmap.unitCount(), unit: gridmap.unitState(1), overlay: gridmap.overlayCount('patrol'),"
         " trail: gridmap.units.trailPoints.length, highlight: gridmap.units.highlight,"
         " picked: gridmap.incidents.picked ? gridmap.incidents.picked.getLatLng() : null})")


def _units():
    return [UnitInfo(i, f"联勤{i}", "", "joint", "grid_patrol", 1, "foot", "available", "G02",
                     last_fix=LastFix(NOW - timedelta(seconds=3), INC[0] + 0.001 * i, INC[1], 5.0, 1.0))
            for i in (1, 2, 3)]


def _page(settings):
    from db.engine import session_factory
    from db.places_repo import load_all_layers
    from desktop import labels
    from desktop.map.page import build_page

    def build(engine):
        with session_factory(engine)() as s:
            layers = load_all_layers(s)
        return build_page(layers, settings.basemap, settings.map, labels.page_labels())
    return build


@pytest.fixture
def scene_of(qtbot, qapp, demo_engine):
    made = []

    def make(settings: Settings, views: int = 2):
        live = LiveModel(settings.live.stale_after_s)
        scene = MapScene(settings, live)
        views_ = [MapView() for _ in range(views)]
        for v in views_:
            v.resize(800, 600)
            v.show()
            qtbot.addWidget(v)
            scene.add_view(v)
        html = _page(settings)(demo_engine)
        with qtbot.waitSignals([v.bridge.sig_page_ready for v in views_], timeout=30000):
            scene.load_page(html)
        made.append((scene, live, views_))
        return scene, live, views_

    yield make
    for scene, live, views in made:
        live.stop()
        for v in views:
            v.dispose()


def _state(qtbot, view):
    return json.loads(run_js(qtbot, view, STATE))


def _draw_everything(scene, live):
    live.load(_units())
    scene.incidents.update([IncidentMarker(7, "JQ1", INC[0], INC[1], "major", "received", "纠纷")])
    scene.incidents.select(7)
    scene.rings.show({1: {"type": "Polygon", "coordinates": [[[112.08, 32.68], [112.081, 32.68], [112.081, 32.681],
                                                             [112.08, 32.68]]]}}, estimate=True)
    scene.route.show([(112.080, 32.680), (112.0805, 32.6805), (112.081, 32.681)])
    scene.pick.set_picked(INC)
    scene.units.highlight(1)
    scene.units.show_trail(1, [(112.0800, 32.6800, 1), (112.0805, 32.6802, 2)])
    scene.overlays.set("patrol", [{"type": "Feature", "geometry": {"type": "Point", "coordinates": list(INC)},
                                   "properties": {"id": "P01", "tooltip": "P01", "style": {"color": "#00aa00"}}}])  # noqa: colour


def test_two_views_of_one_scene_stay_equal_and_a_reloaded_view_is_replayed(scene_of, qtbot):
    scene, live, (a, b) = scene_of(Settings())
    _draw_everything(scene, live)
    qtbot.waitUntil(lambda: _state(qtbot, a)["route"] == 3 and _state(qtbot, b)["route"] == 3, timeout=5000)
    first = _state(qtbot, a)
    assert first == _state(qtbot, b)
    assert first["incident"]["selected"] is True and first["rings"] == 1 and first["units"] == 3
    assert first["overlay"] == 1 and first["trail"] == 2 and first["highlight"] == 1
    assert first["picked"]["lat"] == pytest.approx(INC[1])
    # One view reloads its page (a rebuilt page, a crashed renderer): the scene replays everything.
    with qtbot.waitSignal(b.bridge.sig_page_ready, timeout=30000):
        b.load_page(scene.page_html)
    qtbot.waitUntil(lambda: _state(qtbot, b)["route"] == 3, timeout=5000)
    assert _state(qtbot, b) == _state(qtbot, a)
    # Changes after the reload reach both.
    scene.rings.clear()
    scene.route.clear()
    qtbot.waitUntil(lambda: _state(qtbot, a)["rings"] == 0 and _state(qtbot, b)["rings"] == 0, timeout=5000)
    assert a.map_page.console_errors == [] and b.map_page.console_errors == []


def test_a_gcj02_basemap_shifts_overlays_and_clicks_come_back_in_wgs84(scene_of, qtbot):
    settings = Settings(basemap=BasemapSettings(kind="url", url="http://10.0.0.5/t/{z}/{x}/{y}.png", crs="gcj02"))
    scene, live, (view,) = scene_of(settings, views=1)
    assert scene.shift == BasemapShift("gcj02")
    scene.incidents.update([IncidentMarker(7, "JQ1", INC[0], INC[1], "general", "received", "纠纷")])
    qtbot.waitUntil(lambda: _state(qtbot, view)["incident"] is not None, timeout=5000)
    drawn = _state(qtbot, view)["incident"]
    shifted = wgs84_to_gcj02(*INC)
    assert (drawn["lng"], drawn["lat"]) == pytest.approx(shifted, abs=1e-9)
    clicks = []
    scene.sig_map_clicked.connect(lambda lon, lat: clicks.append((lon, lat)))
    view.bridge.mapClicked(*shifted)  # the page reports where on the basemap it was clicked
    assert clicks[0] == pytest.approx(INC, abs=1e-6)
