"""Patrol findings and new work orders from the window, on SQLite and PostgreSQL: the forms
(pytest-qt, offscreen) through the findings controller and the workspace's operation
runner. Valid input leaves rows (with audit and change rows); bad input shows one line
naming the field in the form, and nothing is written."""
from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from core.settings import Settings
from db.code_tables_repo import load_code_tables
from db.engine import session_factory
from db.models import AuditLog, PatrolFinding, Photo, WorkOrder
from db.operations import Actor
from db.places_repo import load_all_layers
from desktop.controllers.findings import FindingsController
from desktop.docks.workorders import WorkOrdersDock
from desktop.map.scene import MapScene
from desktop.runtime import install_translations
from desktop.workspace import Place, Workspace

IN_GRID = (112.0835, 32.6845)  # the demo city centre
OUTSIDE = (112.30, 32.90)  # well away from every grid
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


@pytest.fixture
def findings(qtbot, seeded, engine, db_url):
    install_translations("en")
    settings = Settings()
    ws = Workspace(settings, Place(db_url=db_url, language="zh_CN", timezone="Asia/Shanghai"),
                   actor=Actor("commander", "ws-1"))
    ws.attach(engine)
    with session_factory(engine)() as session:
        ws.set_code_tables(load_code_tables(session))
        ws.layers = load_all_layers(session)
    scene = MapScene(settings, ws.live)
    dock = WorkOrdersDock()
    qtbot.addWidget(dock)
    controller = FindingsController(ws, scene, dock)
    yield controller
    ws.close()


def _count(engine, model, *where):
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _type_location(qtbot, form, lon, lat):
    form.location.lonlat.setText(f"{lon}, {lat}")
    form.location.lonlat.editingFinished.emit()
    assert form.location.location == pytest.approx((lon, lat))


def _submit(qtbot, form):
    form.error_label.clear()
    form.result_label.clear()
    qtbot.mouseClick(form.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(form.error_label.text() or form.result_label.text()), timeout=10000)


def test_a_finding_handled_on_the_spot_with_a_photo(findings, qtbot, engine, tmp_path):
    photo = tmp_path / "scene.png"
    photo.write_bytes(PNG)
    qtbot.mouseClick(findings.dock.new_finding_button, Qt.MouseButton.LeftButton)
    form = findings.finding_form
    assert form.isVisible()
    _type_location(qtbot, form, *IN_GRID)
    assert "outside" not in form.location.label.text()
    form.category.setCurrentIndex(form.category.findData("illegal_parking"))
    form.description.setPlainText("电动车堵塞消防通道，已当场劝离")
    form.add_photos([str(photo)])
    _submit(qtbot, form)
    assert form.error_label.text() == ""
    assert "handled on the spot" in form.result_label.text()
    with session_factory(engine)() as s:
        finding = s.scalars(select(PatrolFinding)).one()
        assert (finding.outcome, finding.category, finding.found_by) == ("on_spot", "illegal_parking", "commander")
        assert finding.grid_id is not None and finding.work_order_id is None and len(finding.photos) == 1
    assert _count(engine, Photo) == 1
    assert _count(engine, AuditLog, AuditLog.entity == "patrol_findings") == 1
    # The form is ready for the next one; the findings tab lists this one.
    assert form.description.toPlainText() == "" and form.location.location is None
    findings.reload()
    qtbot.waitUntil(lambda: findings.dock.findings.model.rowCount() == 1, timeout=10000)


def test_a_handed_over_finding_issues_an_order_to_the_categorys_department(findings, qtbot, engine):
    form = findings.open_finding_form()
    _type_location(qtbot, form, *IN_GRID)
    form.category.setCurrentIndex(form.category.findData("street_vending"))
    assert form.department.currentData() == "city_management"  # the category's
    form.handed_over.setChecked(True)
    form.kind.setCurrentIndex(form.kind.findData("major"))
    form.title.setText("东大街夜市占道经营")
    form.description.setPlainText("夜市摊点占用人行道")
    _submit(qtbot, form)
    assert "JB" in form.result_label.text(), form.error_label.text()
    with session_factory(engine)() as s:
        order = s.scalars(select(WorkOrder)).one()
        assert (order.title, order.department, order.complexity, order.source) == (
            "东大街夜市占道经营", "city_management", "major", "patrol")
        assert s.scalars(select(PatrolFinding)).one().work_order_id == order.id


@pytest.mark.parametrize("content, limit, field_text", [
    (b"%PDF-1.4 not a photo", None, "is not an image"),
    (PNG + bytes(200), 100, "over the limit"),
])
def test_a_bad_photo_is_one_line_in_the_form_and_nothing_is_written(findings, qtbot, engine, tmp_path, content, limit,
                                                                    field_text):
    if limit is not None:
        findings.ws.settings.workorders.photo_max_bytes = limit
    good, bad = tmp_path / "ok.png", tmp_path / "scan.pdf"
    good.write_bytes(PNG)
    bad.write_bytes(content)
    form = findings.open_finding_form()
    _type_location(qtbot, form, *IN_GRID)
    form.description.setPlainText("井盖缺失")
    form.handed_over.setChecked(True)
    form.add_photos([str(good), str(bad)])
    _submit(qtbot, form)
    error = form.error_label.text()
    assert error.startswith("Photo 2 (scan.pdf): ") and field_text in error and "\n" not in error
    assert form.result_label.text() == ""
    for model in (PatrolFinding, WorkOrder, Photo, AuditLog):
        assert _count(engine, model, *(() if model is not AuditLog else
                                      (AuditLog.entity.in_(("patrol_findings", "work_orders")),))) == 0


def test_a_finding_without_a_description_names_the_field(findings, qtbot, engine):
    form = findings.open_finding_form()
    _type_location(qtbot, form, *IN_GRID)
    _submit(qtbot, form)
    assert form.error_label.text().startswith("Description: ")
    assert _count(engine, PatrolFinding) == 0


def test_a_finding_from_an_incident_takes_its_place_and_number(findings, qtbot, engine):
    from db.incident_ops import create_incident

    incident, _ = create_incident(findings.ws.runner, lon=IN_GRID[0], lat=IN_GRID[1], category="dispute")
    findings.open_finding_form(incident_id=incident.id)
    form = findings.finding_form
    qtbot.waitUntil(lambda: form.location.location is not None, timeout=10000)
    assert form.location.location == pytest.approx(IN_GRID)
    assert incident.number in form.incident_label.text()
    form.description.setPlainText("现场发现占道堆物")
    _submit(qtbot, form)
    assert form.error_label.text() == ""
    with session_factory(engine)() as s:
        assert s.scalars(select(PatrolFinding)).one().incident_id == incident.id


def test_a_new_order_from_the_dock_outside_every_grid_is_issued_and_said(findings, qtbot, engine):
    qtbot.mouseClick(findings.dock.new_order_button, Qt.MouseButton.LeftButton)
    form = findings.order_form
    form.title.setText("城郊结合部垃圾堆放")
    form.description.setPlainText("村道旁垃圾长期堆放")
    form.department.setCurrentIndex(form.department.findData("urban_construction"))
    _type_location(qtbot, form, *OUTSIDE)
    assert "outside every grid" in form.location.label.text()
    form.source.setCurrentIndex(form.source.findData("hotline"))
    form.back_entered.setChecked(True)
    form.set_now(findings.ws.now() - timedelta(days=2))
    _submit(qtbot, form)
    text = form.result_label.text()
    assert "JB" in text and "outside every grid" in text, form.error_label.text()
    with session_factory(engine)() as s:
        order = s.scalars(select(WorkOrder)).one()
        assert (order.department, order.source, order.grid_id) == ("urban_construction", "hotline", None)
        assert findings.ws.now() - order.issued_at > timedelta(days=1, hours=23)
    assert _count(engine, AuditLog, AuditLog.entity == "work_orders") == 1


def test_a_new_order_without_a_title_names_the_field_and_writes_nothing(findings, qtbot, engine):
    form = findings.open_order_form()
    form.description.setPlainText("无标题")
    _submit(qtbot, form)
    assert form.error_label.text().startswith("Title: ")
    assert _count(engine, WorkOrder) == 0


def test_a_map_click_goes_to_the_form_that_asked_for_it(findings, qtbot):
    form = findings.open_finding_form(pick=True)
    assert findings.scene.pick.picking and findings.scene.pick.owner == "findings"
    assert form.location.pick_button.isChecked()
    findings.scene.sig_map_clicked.emit(*IN_GRID)
    assert form.location.location == pytest.approx(IN_GRID)
    assert not findings.scene.pick.picking and not form.location.pick_button.isChecked()
    # Picking for the intake is not this form's.
    findings.scene.pick.set_mode(True, "intake")
    findings.scene.sig_map_clicked.emit(112.09, 32.69)
    assert form.location.location == pytest.approx(IN_GRID)
