"""Work orders in the window: the dock lists them with lights, the map shows open ones
coloured by light, a click on the map selects one, and a step taken from the dock is an
operation whose result comes back through the change feed."""
import json
from datetime import timedelta

import pytest

from core.workorders import ActionRequest, LIGHT_COLORS
from db.operations import Actor, OperationRunner
from db.workorder_ops import NewOrder, issue_order
from tests.desktop.conftest import run_js

pytestmark = pytest.mark.webengine


@pytest.fixture
def orders(gui, demo_engine, qtbot):
    runner = OperationRunner(demo_engine, Actor("commander", "ws-1"))
    now = runner.clock.now()
    fresh = issue_order(runner, NewOrder(title="占道经营", description="夜市摊点占道", department="city_management",
                                         lon=112.0830, lat=32.6840)).order
    late = issue_order(runner, NewOrder(title="井盖缺失", description="人行道井盖缺失", department="city_management",
                                        lon=112.0805, lat=32.6805, issued_at=now - timedelta(days=9))).order
    gui.start_live()
    for controller in gui.features:
        controller.start()
    controller = gui.features[0]
    qtbot.waitUntil(lambda: {fresh.id, late.id} <= set(controller.orders), timeout=10000)
    return gui, controller, fresh, late


def test_orders_are_listed_drawn_by_light_and_selected_from_the_map(orders, qtbot):
    gui, controller, fresh, late = orders
    assert controller.orders[late.id].light == "red" and controller.orders[fresh.id].light == "green"
    qtbot.waitUntil(lambda: run_js(qtbot, gui.map_view, "gridmap.overlayCount('workorders')") == 2, timeout=5000)
    colors = json.loads(run_js(qtbot, gui.map_view, "JSON.stringify(Object.values(gridmap.overlays.layers.workorders"
                                                    "._layers).map(function (l) { return l.options.color; }))"))
    assert sorted(colors) == sorted([LIGHT_COLORS["red"], LIGHT_COLORS["green"]])
    gui.map_view.bridge.overlayClicked("workorders", str(late.id))
    qtbot.waitUntil(lambda: gui.window.workorders_dock.detail is not None
                    and gui.window.workorders_dock.detail.order.id == late.id, timeout=5000)


def test_a_step_from_the_dock_is_recorded_and_shown(orders, qtbot):
    gui, controller, fresh, _late = orders
    dock = gui.window.workorders_dock
    dock.sig_action_requested.emit(ActionRequest(fresh.id, fresh.number, "sign", fresh.version))
    qtbot.waitUntil(lambda: controller.orders[fresh.id].status == "signed", timeout=10000)
    # The same step again: the state no longer allows it, and the user is told which ones it does.
    shown = []
    gui.ws.sig_message.disconnect(gui.window.show_message)
    gui.ws.sig_message.connect(shown.append)
    dock.sig_action_requested.emit(ActionRequest(fresh.id, fresh.number, "sign", controller.orders[fresh.id].version))
    qtbot.waitUntil(lambda: bool(shown), timeout=10000)
    assert shown[0].level == "warning"
