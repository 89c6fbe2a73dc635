"""Fixes written to the database move the markers in the real embedded page, through
the change feed, the LiveModel and the bridge, with no page reload."""
import json
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from core.fixes import Fix
from db.engine import session_factory
from db.models import Device, Unit
from db.positions_repo import store_fixes
from tests.desktop.conftest import run_js


def _write_fix(engine, device_id, lon, lat, when):
    with session_factory(engine)() as s, s.begin():
        assert store_fixes(s, [Fix(device_id=device_id, lat=lat, lon=lon, fix_time=when, accuracy_m=5.0,
                                   speed_mps=1.4, battery_pct=80.0)], now=datetime.now(timezone.utc)) == [None]


def _unit_with_device(engine, callsign_prefix="联勤2"):
    with session_factory(engine)() as s:
        unit = s.scalars(select(Unit).where(Unit.callsign.like(f"{callsign_prefix}%")).order_by(Unit.callsign)).first()
        device = s.scalars(select(Device).where(Device.unit_id == unit.id)).first()
        return unit.id, unit.callsign, device.device_id


@pytest.fixture
def live_gui(gui):
    gui.start_live()
    yield gui
    gui.stop_live()


def _state(qtbot, view, unit_id):
    return json.loads(run_js(qtbot, view, f"JSON.stringify(gridmap.unitState({unit_id}))"))


def test_a_stored_fix_moves_the_marker_without_reloading(live_gui, qtbot, demo_engine):
    unit_id, callsign, device = _unit_with_device(demo_engine)
    loads = []
    live_gui.map_view.loadStarted.connect(lambda: loads.append(1))
    now = datetime.now(timezone.utc)
    _write_fix(demo_engine, device, 112.0800, 32.6800, now - timedelta(seconds=2))
    qtbot.waitUntil(lambda: (_state(qtbot, live_gui.map_view, unit_id) or {}).get("lat") == pytest.approx(32.68),
                    timeout=5000)
    _write_fix(demo_engine, device, 112.0812, 32.6809, now)
    qtbot.waitUntil(lambda: _state(qtbot, live_gui.map_view, unit_id)["lng"] == pytest.approx(112.0812), timeout=5000)
    state = _state(qtbot, live_gui.map_view, unit_id)
    assert state["callsign"] == callsign
    assert state["stale"] is False
    assert state["fillColor"] == "#7b1fa2"  # a joint (police + 城管) group
    assert loads == []
    assert live_gui.map_view.map_page.console_errors == []
    # The board shows it too.
    board = live_gui.window.units_dock
    row = board.model.row_of(unit_id)
    age = board.model.index(row, board.model.COLUMNS.index("age")).data()
    assert re.fullmatch(r"[0-4] ?(秒|s)", age), age


def test_an_old_fix_is_shown_stale_with_its_age(live_gui, qtbot, demo_engine):
    unit_id, _, device = _unit_with_device(demo_engine, "联勤1")
    _write_fix(demo_engine, device, 112.070, 32.685, datetime.now(timezone.utc) - timedelta(minutes=5))
    qtbot.waitUntil(lambda: (_state(qtbot, live_gui.map_view, unit_id) or {}).get("stale") is True, timeout=5000)
    assert _state(qtbot, live_gui.map_view, unit_id)["color"] == "#616161"


def test_clicking_a_unit_opens_its_card_and_selects_its_row(live_gui, qtbot, demo_engine):
    unit_id, callsign, device = _unit_with_device(demo_engine)
    _write_fix(demo_engine, device, 112.0805, 32.6805, datetime.now(timezone.utc))
    qtbot.waitUntil(lambda: _state(qtbot, live_gui.map_view, unit_id) is not None, timeout=5000)
    with qtbot.waitSignal(live_gui.map_view.bridge.sig_unit_clicked, timeout=5000):
        run_js(qtbot, live_gui.map_view, f"gridmap.units.markers[{unit_id}].fire('click'); true")
    card = live_gui.window.unit_card
    assert card.unit_id == unit_id
    text = card.body.text()
    assert callsign in text and "4G执法记录仪" in text and device in text
    selected = live_gui.window.units_dock.table.selectionModel().selectedRows()
    assert selected and live_gui.window.units_dock.proxy.data(selected[0]) == callsign


def test_follow_and_trail(live_gui, qtbot, demo_engine):
    unit_id, _, device = _unit_with_device(demo_engine)
    now = datetime.now(timezone.utc)
    for i in range(5):
        _write_fix(demo_engine, device, 112.078 + i * 0.0005, 32.68, now - timedelta(seconds=50 - i * 10))
    qtbot.waitUntil(lambda: (_state(qtbot, live_gui.map_view, unit_id) or {}).get("lng") == pytest.approx(112.080),
                    timeout=5000)
    card = live_gui.window.unit_card
    card.show_unit(unit_id)
    card.trail_button.setChecked(True)
    qtbot.waitUntil(lambda: run_js(qtbot, live_gui.map_view, "gridmap.units.trailPoints.length") == 5, timeout=5000)
    card.follow_button.setChecked(True)
    _write_fix(demo_engine, device, 112.0830, 32.6830, now + timedelta(seconds=1))

    def followed():
        c = json.loads(run_js(qtbot, live_gui.map_view, "JSON.stringify(gridmap.state.map.getCenter())"))
        assert c["lng"] == pytest.approx(112.0830, abs=2e-4) and c["lat"] == pytest.approx(32.683, abs=2e-4)

    qtbot.waitUntil(followed, timeout=8000)
    assert run_js(qtbot, live_gui.map_view, "gridmap.units.trailPoints.length") == 6
