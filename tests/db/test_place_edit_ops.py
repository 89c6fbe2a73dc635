"""Editing places by hand on both databases: a shape drawn on the map becomes a place with a
new code and the default rules, a move is a new version that joins the grid it now lies in,
the rules form saves a version, bad input names the field and writes nothing, deleting keeps
the history, and only an actor with edit_duty may do any of it."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.patrol_rules import RuleError
from core.place_edit import check_rules
from db.engine import session_factory
from db.models import AuditLog, ChangeLog, Grid, MustVisitPoint, PatrolLine
from db.operations import Actor, OperationRunner, PermissionDenied
from db.place_edit_ops import draw_place, move_place, place_history, retire_place, save_rules

IN_G02 = [112.0800, 32.6800]
IN_G03 = [112.0950, 32.6800]


def _count(engine, model) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model))


def _rows(engine, model, code: str):
    with session_factory(engine)() as s:
        return list(s.scalars(select(model).where(model.code == code).order_by(model.revision)))


def _grid_code(engine, grid_id) -> str:
    with session_factory(engine)() as s:
        return s.scalar(select(Grid.code).where(Grid.id == grid_id))


def test_draw_move_save_and_retire_a_point(seeded):
    runner, engine = seeded, seeded.engine
    code = draw_place(runner, "points", {"type": "Point", "coordinates": IN_G02}, "新必到点 %1")
    assert code == "P-E001"
    (row,) = _rows(engine, MustVisitPoint, code)
    assert row.name == "新必到点 P-E001" and row.radius_m == 50.0 and row.dwell_s == 120.0
    assert _grid_code(engine, row.grid_id) == "G02"
    # The next drawn point gets the next code.
    assert draw_place(runner, "points", {"type": "Point", "coordinates": IN_G02}, "%1") == "P-E002"

    assert move_place(runner, "points", code, {"type": "Point", "coordinates": IN_G03}) == "updated"
    old, new = _rows(engine, MustVisitPoint, code)
    assert old.valid_to is not None and new.valid_from == old.valid_to and new.revision == 2
    assert new.geometry["coordinates"] == IN_G03 and _grid_code(engine, new.grid_id) == "G03"

    rules = check_rules("points", code, "夜市口", "19:00-23:00*2，07:00-09:00", radius_m=80, dwell_s=300,
                        visits_per_shift=2)
    assert save_rules(runner, rules) == "updated"
    latest = _rows(engine, MustVisitPoint, code)[-1]
    assert (latest.name, latest.radius_m, latest.dwell_s, latest.visits_per_shift) == ("夜市口", 80.0, 300.0, 2)
    assert latest.time_windows == [{"start": "19:00", "end": "23:00", "visits": 2},
                                   {"start": "07:00", "end": "09:00", "visits": 1}]
    assert latest.geometry["coordinates"] == IN_G03  # the form keeps the place where it is

    retire_place(runner, "points", code)
    with session_factory(engine)() as s:
        history = place_history(s, "points", code)
        audits = s.scalars(select(AuditLog.operation).where(AuditLog.entity_id == code).order_by(AuditLog.id)).all()
        kinds = set(s.scalars(select(ChangeLog.kind)))
    assert [v.revision for v in history] == [3, 2, 1] and all(v.valid_to is not None for v in history)
    assert audits == ["set point rule"] * 3 + ["retire point"]
    assert "points" in kinds
    # A retired code is never handed out again: a new place does not continue its history.
    assert draw_place(runner, "points", {"type": "Point", "coordinates": IN_G02}, "%1") == "P-E003"


def test_draw_and_reshape_a_line(seeded):
    runner, engine = seeded, seeded.engine
    coords = [[112.078, 32.678], [112.082, 32.678], [112.082, 32.681]]
    code = draw_place(runner, "lines", {"type": "LineString", "coordinates": coords}, "新必巡线 %1")
    assert code == "L-E001"
    (row,) = _rows(engine, PatrolLine, code)
    assert row.corridor_m == 30.0 and row.passes_per_shift == 1 and row.geometry["coordinates"] == coords
    reshaped = coords[:2] + [[112.083, 32.6805], coords[2]]
    move_place(runner, "lines", code, {"type": "LineString", "coordinates": reshaped})
    assert _rows(engine, PatrolLine, code)[-1].geometry["coordinates"] == reshaped
    save_rules(runner, check_rules("lines", code, "新华路", "", buffer_m=45, passes_per_shift=3))
    latest = _rows(engine, PatrolLine, code)[-1]
    assert (latest.corridor_m, latest.passes_per_shift, latest.revision) == (45.0, 3, 3)


@pytest.mark.parametrize("layer, geometry, field", [
    ("points", {"type": "LineString", "coordinates": [[112.08, 32.68], [112.09, 32.68]]}, "coordinates"),
    ("lines", {"type": "LineString", "coordinates": [[112.08, 32.68], [112.08, 32.68]]}, "coordinates"),
    ("lines", {"type": "LineString", "coordinates": [[112.08, 32.68], [112.09, 32.68], [112.085, 32.68]]},
     "coordinates"),
    ("points", {"type": "Point", "coordinates": [512.08, 32.68]}, "coordinates"),
])
def test_a_bad_drawn_shape_names_the_field_and_writes_nothing(seeded, layer, geometry, field):
    engine = seeded.engine
    model = MustVisitPoint if layer == "points" else PatrolLine
    before, audits = _count(engine, model), _count(engine, AuditLog)
    with pytest.raises(RuleError) as info:
        draw_place(seeded, layer, geometry, "%1")
    assert info.value.field == field and "\n" not in str(info.value)
    assert _count(engine, model) == before and _count(engine, AuditLog) == audits


def test_only_edit_duty_may_edit_places(seeded):
    engine = seeded.engine
    viewer = OperationRunner(engine, Actor("viewer", "ws-2", frozenset({"view"})))
    before = _count(engine, MustVisitPoint)
    with pytest.raises(PermissionDenied):
        draw_place(viewer, "points", {"type": "Point", "coordinates": IN_G02}, "%1")
    with pytest.raises(PermissionDenied):
        move_place(viewer, "points", "P01", {"type": "Point", "coordinates": IN_G03})
    assert _count(engine, MustVisitPoint) == before
    editor = OperationRunner(engine, Actor("commander", "ws-3", frozenset({"edit_duty"})))
    assert move_place(editor, "points", "P01", {"type": "Point", "coordinates": IN_G03}) == "updated"
