"""The work-order dock alone (offscreen): filters, detail, buttons per allowed action,
typed requests out; it is given plain data and never touches a database."""
from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt

from core.workorders import LIGHT_COLORS, ActionRequest, PhotoRequest
from desktop.docks.workorders import WorkOrdersDock
from desktop.docks.workorders_sample import SAMPLE_PNG, sample_detail, sample_orders
from desktop.runtime import install_translations

PHOTO = "ab" * 32


@pytest.fixture
def dock(qtbot):
    install_translations("en")
    dock = WorkOrdersDock()
    qtbot.addWidget(dock)
    dock.set_orders(sample_orders())
    return dock


def _numbers(dock):
    return [dock.proxy.index(r, 0).data() for r in range(dock.proxy.rowCount())]


def _by(dock, number):
    return next(o for o in sample_orders() if o.number == number)


def test_filters_by_state_light_department_and_grid(dock):
    assert len(_numbers(dock)) == 6
    dock.light_box.setCurrentIndex(dock.light_box.findData("red"))
    assert _numbers(dock) == ["JB20260318-0002"]
    dock.light_box.setCurrentIndex(0)
    dock.department_box.setCurrentIndex(dock.department_box.findData("city_management"))
    assert _numbers(dock) == ["JB20260315-0001"]
    dock.department_box.setCurrentIndex(0)
    dock.status_box.setCurrentIndex(dock.status_box.findData("closed"))
    assert _numbers(dock) == ["JB20260311-0005"]
    dock.status_box.setCurrentIndex(0)
    dock.grid_box.setCurrentIndex(dock.grid_box.findData("G02"))
    assert sorted(_numbers(dock)) == ["JB20260315-0001", "JB20260318-0002"]
    assert "Red 1" in dock.counts.text()


def test_light_cells_use_the_given_colours(qtbot):
    custom = {"red": "#ff0000", "yellow": "#ffff00", "green": "#00ff00"}
    dock = WorkOrdersDock(light_colors=custom)
    qtbot.addWidget(dock)
    dock.set_orders(sample_orders())
    column = dock.model.COLUMNS.index("light")
    for row in range(dock.model.rowCount()):
        order = dock.model.record(dock.model.id_at(row))
        brush = dock.model.index(row, column).data(Qt.ItemDataRole.BackgroundRole)
        assert brush.color().name() == custom[order.light]
    assert WorkOrdersDock().model.light_colors == LIGHT_COLORS


def test_selecting_a_row_asks_for_the_order_and_refresh_keeps_it_quietly(dock, qtbot):
    with qtbot.waitSignal(dock.sig_order_selected) as sig:
        dock.table.selectRow(0)
    chosen = sig.args[0]
    dock.show_detail(sample_detail(dock.model.record(chosen)))
    with qtbot.assertNotEmitted(dock.sig_order_selected):
        dock.set_orders(sample_orders())
    assert dock.model.id_at(dock.proxy.mapToSource(dock.table.currentIndex()).row()) == chosen


def test_buttons_follow_the_allowed_actions(dock):
    order = _by(dock, "JB20260315-0001")  # in progress
    dock.show_detail(sample_detail(order))
    enabled = {a for a, b in dock.buttons.items() if b.isEnabled()}
    assert enabled == set(order.allowed) == {"progress", "request-close", "extend", "cancel", "supervise"}
    dock.show_detail(sample_detail(order), allowed=("supervise",))  # e.g. a role that may only supervise
    assert {a for a, b in dock.buttons.items() if b.isEnabled()} == {"supervise"}
    dock.clear_detail()
    assert not any(b.isEnabled() for b in dock.buttons.values())


def test_actions_are_emitted_as_typed_requests(dock, qtbot):
    order = _by(dock, "JB20260315-0001")
    dock.show_detail(sample_detail(order))
    with qtbot.assertNotEmitted(dock.sig_action_requested):
        dock.buttons["progress"].click()  # a progress report needs its note
    dock.note.setText("已清理一半")
    with qtbot.waitSignal(dock.sig_action_requested) as sig:
        dock.buttons["progress"].click()
    assert sig.args[0] == ActionRequest(order.id, order.number, "progress", order.version, note="已清理一半")
    assert dock.note.text() == ""
    dock.note.setText("需协调业主")
    with qtbot.waitSignal(dock.sig_action_requested) as sig:
        dock.buttons["extend"].click()
    request = sig.args[0]
    assert request.action == "extend" and request.until - order.resolve_due == timedelta(days=7)
    assert request.rating is None


def test_close_carries_the_rating(dock, qtbot):
    order = _by(dock, "JB20260313-0006")  # close requested
    dock.show_detail(sample_detail(order))
    dock.rating_box.setCurrentIndex(dock.rating_box.findData("good"))
    with qtbot.waitSignal(dock.sig_action_requested) as sig:
        dock.buttons["close"].click()
    assert (sig.args[0].action, sig.args[0].rating) == ("close", "good")


def test_detail_shows_deadlines_timeline_and_photos(dock, qtbot):
    order = _by(dock, "JB20260318-0002")
    dock.show_detail(sample_detail(order), photos={PHOTO: SAMPLE_PNG})
    text = dock.text.toPlainText()
    assert order.number in text and "Deadlines (13710)" in text and "overdue" in text
    assert "已约谈摊主" in text
    assert dock.photos.count() == 1 and not dock.photos.item(0).icon().isNull()
    assert not dock.set_photo(PHOTO, b"not an image")
    with qtbot.waitSignal(dock.sig_photo_requested) as sig:
        dock.photos.itemActivated.emit(dock.photos.item(0))
    assert sig.args[0] == PhotoRequest(order.id, PHOTO)


def test_the_supervision_list_is_the_overdue_orders(dock):
    dock.supervision_button.click()
    assert dock.light_box.currentData() == "red"
    overdue = [o.number for o in sample_orders() if o.overdue and o.is_open]
    assert overdue and _numbers(dock) == overdue
    assert dock.supervision_button.text().endswith(f": {len(overdue)}")
    dock.light_box.setCurrentIndex(0)  # another filter choice unchecks it
    assert not dock.supervision_button.isChecked() and len(_numbers(dock)) == 6
    # Supervision notes are an action on a selected overdue order.
    dock.show_detail(sample_detail(_by(dock, overdue[0])))
    assert dock.buttons["supervise"].isEnabled()


def test_findings_tab_lists_outcomes_and_orders_and_emits_the_selected_one(dock, qtbot):
    from desktop.docks.workorders_sample import sample_findings

    findings = sample_findings()
    dock.set_findings(findings)
    table = dock.findings.table
    model = dock.findings.proxy
    rows = {model.index(r, 1).data(): (model.index(r, 2).data(), model.index(r, 3).data())
            for r in range(model.rowCount())}
    assert rows["占道经营"] == ("Handed over", findings[0].order_number)
    assert rows["车辆乱停"] == ("Handled on the spot", "—")
    assert "handed over 2" in dock.findings.counts.text()
    with qtbot.waitSignal(dock.sig_finding_selected) as blocker:
        table.selectRow(0)
    assert blocker.args == [findings[-1].id]  # newest first
    with qtbot.assertNotEmitted(dock.sig_finding_selected):
        dock.set_findings(findings)  # a refresh keeps the selection quietly


def test_the_create_buttons_ask_for_the_forms(dock, qtbot):
    with qtbot.waitSignal(dock.sig_new_order_requested):
        dock.new_order_button.click()
    with qtbot.waitSignal(dock.sig_new_finding_requested):
        dock.new_finding_button.click()


def test_an_order_issued_here_is_selected_once_listed(qtbot):
    dock = WorkOrdersDock()
    qtbot.addWidget(dock)
    orders = sample_orders()
    dock.set_orders(orders[:-1])
    dock.select_when_listed(orders[-1].id)
    with qtbot.waitSignal(dock.sig_order_selected) as blocker:
        dock.set_orders(orders)
    assert blocker.args == [orders[-1].id]
