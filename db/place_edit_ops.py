"""Editing must-visit points and must-patrol lines by hand, on the map and in the rules form.
Each edit is one ``db.duty_ops`` operation (permission ``edit_duty``, audit row, change row,
a new version; the old one keeps its history); this only turns a drawn shape, a moved shape
or the form's values into that operation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import layers as L
from core.grid_lookup import geometry_from_geojson
from core.place_edit import PlaceRules, check_drawn, next_place_code
from db.duty_ops import RuleEdit, retire_place, set_rule
from db.engine import session_factory
from db.operations import OperationRunner
from db.places_repo import MODELS, grid_index

__all__ = ["draw_place", "move_place", "save_rules", "retire_place", "place_history", "PlaceVersion"]


@dataclass(frozen=True, slots=True)
class PlaceVersion:
    revision: int
    name: str
    valid_from: datetime
    valid_to: datetime | None


def codes_ever_used(session: Session, layer: str) -> set[str]:
    model = MODELS[layer]
    return set(session.scalars(select(model.code).distinct()))


def _grid_at(session: Session, geometry: dict) -> str | None:
    index, codes = grid_index(session)
    point = geometry_from_geojson(geometry).representative_point()
    gid = index.grid_of(point.x, point.y)
    return codes.get(gid) if gid is not None else None


def draw_place(runner: OperationRunner, layer: str, geometry: dict, name_template: str) -> str:
    """A place drawn on the map, with the default rules and a new code; returns the code.
    ``name_template`` names it ("%1" becomes the code) until the commander renames it."""
    coords = check_drawn(layer, geometry)
    with session_factory(runner.engine)() as session:
        code = next_place_code(layer, codes_ever_used(session, layer))
    set_rule(runner, layer, code, RuleEdit(name=name_template.replace("%1", code), coordinates=coords))
    return code


def move_place(runner: OperationRunner, layer: str, code: str, geometry: dict) -> str:
    """A place moved (or a line's vertices edited) on the map; it joins the grid it now lies in."""
    coords = check_drawn(layer, geometry)
    with session_factory(runner.engine)() as session:
        grid_code = _grid_at(session, {"type": geometry["type"], "coordinates": coords})
    return set_rule(runner, layer, code, RuleEdit(coordinates=coords, grid_code=grid_code))


def save_rules(runner: OperationRunner, rules: PlaceRules) -> str:
    """The rules form's checked values as the place's next version."""
    if rules.layer == L.POINTS:
        edit = RuleEdit(name=rules.name, windows=list(rules.windows), radius_m=rules.radius_m, dwell_s=rules.dwell_s,
                        visits_per_shift=rules.visits_per_shift)
    else:
        edit = RuleEdit(name=rules.name, windows=list(rules.windows), buffer_m=rules.buffer_m,
                        passes_per_shift=rules.passes_per_shift)
    return set_rule(runner, rules.layer, rules.code, edit)


def place_history(session: Session, layer: str, code: str) -> list[PlaceVersion]:
    """Every version of a place, newest first."""
    model = MODELS[layer]
    rows = session.scalars(select(model).where(model.code == code).order_by(model.revision.desc()))
    return [PlaceVersion(r.revision, r.name, r.valid_from, r.valid_to) for r in rows]


