"""Each incident dock alone, with fixed data and a fixed clock: it shows what it is given
and emits typed requests; it decides nothing (no database, no map, no controller)."""
from datetime import datetime, timedelta, timezone

import pytest
from PySide6.QtCore import Qt

from core.clock import FixedClock
from core.code_tables import CodeEntry
from core.dispatch import Recommendation
from core.escalation import escalation_picture
from core.incident_actions import EscalationOrder, IncidentDraft, SupportRequest, TransitionRequest, TypedCoordinates
from core.incidents import DispatchSnapshot, IncidentSnapshot, TimelineEvent
from core.settings import DispatchSettings
from core.units import LastFix, UnitInfo
from desktop import theme
from desktop.docks.dispatch import DispatchDock
from desktop.docks.escalation import EscalationDock
from desktop.docks.incidents import IncidentsDock
from desktop.docks.intake import IntakeDock

CLOCK = FixedClock(datetime(2022, 8, 18, 12, 0, tzinfo=timezone.utc))
NOW = CLOCK.now()
TABLES = {
    "category": [CodeEntry("category", "dispute", "纠纷", "Dispute", {"vocabulary": "110"})],
    "level": [CodeEntry("level", "general", "一般", "General", {}), CodeEntry("level", "major", "较大", "Major", {})],
    "source": [CodeEntry("source", "110", "110", "110", {})],
}


def _incident(state="received", tier=1, version=3, level="major", **kw):
    return IncidentSnapshot(id=7, number="JQ20220818-0001", category="dispute", level=level, source="110", state=state,
                            tier=tier, lon=112.0805, lat=32.6805, version=version, received_at=NOW - timedelta(minutes=4),
                            grid_code="G02", **kw)


def _rec(unit_id, eta, ring, tier=1):
    return Recommendation(callsign=f"联勤{unit_id}", unit_id=unit_id, tier=tier, status="available", agency="joint",
                          distance_m=eta * 3, eta_s=eta, ring=ring, mode="road", note="", route=[(112.08, 32.68)],
                          grid_code="G02", force="grid_patrol")


def test_intake_asks_the_controller_and_emits_a_draft(qtbot):
    dock = IntakeDock()
    qtbot.addWidget(dock)
    dock.set_code_tables(TABLES, "zh_CN")
    typed = []
    dock.sig_coordinates_typed.connect(typed.append)
    dock.coord_crs.setCurrentIndex(dock.coord_crs.findData("gcj02"))
    dock.lonlat.setText("112.0862，32.6822")
    dock.lonlat.editingFinished.emit()
    assert typed == [TypedCoordinates("112.0862，32.6822", "gcj02")]  # parsing is not the dock's job
    submitted = []
    dock.sig_incident_submitted.connect(submitted.append)
    qtbot.mouseClick(dock.submit_button, Qt.MouseButton.LeftButton)
    assert submitted == [] and dock.error_label.text()  # no location yet: said, nothing sent
    dock.show_location(112.0805, 32.6805, "城区二网格", "好又多超市")
    assert "城区二网格" in dock.location_label.text() and dock.error_label.text() == ""
    dock.description.setPlainText("两人争执")
    qtbot.mouseClick(dock.submit_button, Qt.MouseButton.LeftButton)
    assert submitted == [IncidentDraft(lon=112.0805, lat=32.6805, category="dispute", level="general", source="110",
                                       description="两人争执")]
    dock.show_location(1.0, 2.0, None)
    assert dock.tr("outside every grid") in dock.location_label.text()


def test_incidents_dock_offers_the_actions_the_state_allows_and_sends_the_version_seen(qtbot):
    dock = IncidentsDock(zone="Asia/Shanghai")
    qtbot.addWidget(dock)
    dock.set_code_tables(TABLES, "zh_CN")
    inc = _incident(state="dispatched", dispatched_at=NOW - timedelta(minutes=3))
    dock.set_incidents([inc])
    selected = []
    dock.sig_incident_selected.connect(selected.append)
    dock.table.selectRow(0)
    assert selected == [7]
    dispatch = DispatchSnapshot(id=1, incident_id=7, unit_id=3, callsign="联勤3", tier=1, mode="road",
                                dispatched_at=NOW - timedelta(minutes=3), dispatched_by="tester", version=1,
                                eta_s=95.0, recommended_ring=3)
    event = TimelineEvent(1, 7, NOW - timedelta(minutes=4), "created", "tester", "ws-1")
    dock.show_detail(inc, [event], [dispatch], {"sign_off_s": 20.0})
    assert dock.action_buttons["acknowledged"].isEnabled() and not dock.action_buttons["closed"].isEnabled()
    assert "联勤3" in dock.detail.toPlainText() and "08-18 19:56:00" in dock.detail.toPlainText()  # UTC in Shanghai
    requests = []
    dock.sig_transition_requested.connect(requests.append)
    qtbot.mouseClick(dock.action_buttons["cancelled"], Qt.MouseButton.LeftButton)
    assert requests == [TransitionRequest(7, "cancelled", 3)]
    supports = []
    dock.sig_support_requested.connect(supports.append)
    from PySide6.QtWidgets import QInputDialog

    original = QInputDialog.getText
    QInputDialog.getText = staticmethod(lambda *a, **k: ("需要增援", True))
    try:
        qtbot.mouseClick(dock.support_button, Qt.MouseButton.LeftButton)
    finally:
        QInputDialog.getText = original
    assert supports == [SupportRequest(7, "需要增援")]


def test_dispatch_dock_shows_the_ranking_and_emits_the_ticked_units(qtbot):
    dock = DispatchDock()
    qtbot.addWidget(dock)
    recs = [_rec(1, 50, 1), _rec(2, 150, 3), _rec(3, 400, None)]
    dock.show_recommendations("JQ1", recs, {1: 1, 3: 2, 5: 2}, estimate=False, incident_id=7)
    model = dock.model
    assert [model.index(r, 1).data() for r in range(3)] == ["联勤1", "联勤2", "联勤3"]
    ring = model.COLUMNS.index("ring")
    assert model.index(0, ring).data(Qt.ItemDataRole.BackgroundRole).color().name() == theme.ui_color("ring_fill", "1")
    assert not dock.dispatch_button.isEnabled()
    model.setData(model.index(1, 0), Qt.CheckState.Checked.value, Qt.ItemDataRole.CheckStateRole)
    sent = []
    dock.sig_dispatch_requested.connect(sent.append)
    qtbot.mouseClick(dock.dispatch_button, Qt.MouseButton.LeftButton)
    assert sent == [[recs[1]]]
    # The same incident re-ranked keeps the tick; another incident starts clean.
    dock.show_recommendations("JQ1", recs, {}, estimate=False, incident_id=7)
    assert model.checked == {2}
    dock.show_recommendations("JQ2", recs, {}, estimate=False, incident_id=8)
    assert model.checked == set()


def test_escalation_dock_shows_the_picture_and_records_an_order_with_its_reason(qtbot, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    dock = EscalationDock()
    qtbot.addWidget(dock)
    units = [UnitInfo(i, f"u{i}", "", "joint", "grid_patrol", 1, "foot", "available", "G02",
                      last_fix=LastFix(NOW, 112.08, 32.68)) for i in (1, 2)]
    inc = _incident(level="general", support_requested=True, on_scene_at=NOW - timedelta(minutes=1), state="on_scene")
    picture = escalation_picture(inc, units, [_rec(1, 50, 1)], [], CLOCK.now(), DispatchSettings())
    dock.show_picture(picture)
    tier1 = dock.tree.topLevelItem(0)
    assert tier1.child(0).text(1) == "2" and tier1.child(0).text(3) == "1"  # two patrol groups, one within 1 min
    assert [s.rule for s in dock.suggestions] == ["support_requested"]
    assert dock.escalate_button.isEnabled() and not dock.deescalate_button.isEnabled()
    orders = []
    dock.sig_escalation_ordered.connect(orders.append)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("现场请求支援", True)))
    qtbot.mouseClick(dock.escalate_button, Qt.MouseButton.LeftButton)
    assert orders == [EscalationOrder(7, 2, "现场请求支援", "support_requested", 3)]
    # An empty reason records nothing.
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("  ", True)))
    qtbot.mouseClick(dock.escalate_button, Qt.MouseButton.LeftButton)
    assert len(orders) == 1
