"""Reading and writing the static map layers (grids, stations, points, lines, targets, streets).

Must-visit points and must-patrol lines are versioned by validity period: a change
closes the row in force and inserts the next revision, so history still shows which
points were in force on a past day."""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import layers as L
from core.grid_lookup import GridIndex, geometry_from_geojson
from core.layers import LayerFeature
from db.models import Grid, KeyTarget, MustVisitPoint, PatrolLine, Station, Street

MODELS = {
    L.GRIDS: Grid, L.STATIONS: Station, L.POINTS: MustVisitPoint,
    L.LINES: PatrolLine, L.TARGETS: KeyTarget, L.STREETS: Street,
}
VERSIONED = (L.POINTS, L.LINES)
# Which column carries a layer's kind, and which typed columns come from properties.
KIND_COLUMN = {L.STATIONS: "kind", L.TARGETS: "category", L.STREETS: "road_class"}
TYPED_DEFAULT_KIND = {L.STREETS: "residential"}
TYPED_COLUMNS = {
    L.POINTS: {"radius_m": 50.0, "dwell_s": 120.0, "visits_per_shift": 1, "time_windows": []},
    L.LINES: {"corridor_m": 30.0, "passes_per_shift": 1, "time_windows": []},
    L.STREETS: {"oneway": False},
}
# Properties that live in their own columns and so are not repeated in ``properties``.
_COLUMN_PROPS = {"code", "name", "grid_code", "kind", "category", "road_class", "valid_from", "valid_to",
                 "radius_m", "dwell_s", "visits_per_shift", "corridor_m", "passes_per_shift", "time_windows", "oneway"}


def in_force(model, at: datetime):
    """Rows of a validity-versioned model in force at ``at``."""
    return (model.valid_from <= at) & or_(model.valid_to.is_(None), model.valid_to > at)


def _parse_when(value: Any, default: datetime) -> datetime:
    """Validity dates in files are local dates or ISO times; store them as UTC."""
    if value in (None, ""):
        return default
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    text = str(value)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        parsed = datetime.combine(date.fromisoformat(text), time())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def grid_index(session: Session) -> tuple[GridIndex, dict[int, str]]:
    grids = session.execute(select(Grid.id, Grid.code, Grid.geometry)).all()
    index = GridIndex((gid, geometry_from_geojson(geom)) for gid, _, geom in grids)
    return index, {gid: code for gid, code, _ in grids}


def grid_ids_by_code(session: Session) -> dict[str, int]:
    return dict(session.execute(select(Grid.code, Grid.id)).all())


def _grid_for(props: dict, geometry: dict, codes: dict[str, int], index: GridIndex | None) -> int | None:
    code = props.get("grid_code")
    if code and code in codes:
        return codes[code]
    if index is None:
        return None
    point = geometry_from_geojson(geometry).representative_point()
    return index.grid_of(point.x, point.y)


def _snapshot(row) -> dict[str, Any]:
    return {"code": row.code, "name": row.name, "geometry": row.geometry, "properties": row.properties}


def upsert_feature(
    session: Session, layer: str, code: str, name: str, geometry: dict, bbox: tuple, props: dict[str, Any],
    now: datetime, source_crs: str = "EPSG:4326", grid_codes: dict[str, int] | None = None,
    index: GridIndex | None = None,
) -> tuple[str, dict | None, dict]:
    """Insert or update one feature; returns (what happened, before, after)."""
    model = MODELS[layer]
    values: dict[str, Any] = {
        "name": name, "geometry": geometry, "min_lon": bbox[0], "min_lat": bbox[1], "max_lon": bbox[2],
        "max_lat": bbox[3], "source_crs": source_crs,
        "properties": {k: v for k, v in props.items() if k not in _COLUMN_PROPS},
    }
    if layer in KIND_COLUMN:
        values[KIND_COLUMN[layer]] = props.get(KIND_COLUMN[layer]) or props.get("kind") or TYPED_DEFAULT_KIND.get(layer)
    for column, default in TYPED_COLUMNS.get(layer, {}).items():
        values[column] = props.get(column, default) if props.get(column) is not None else default
    if layer not in (L.GRIDS, L.STREETS):
        values["grid_id"] = _grid_for(props, geometry, grid_codes or {}, index)

    if layer in VERSIONED:
        current = session.scalars(select(model).where(model.code == code, in_force(model, now))).first()
        if current is not None and all(getattr(current, k) == v for k, v in values.items() if k != "source_crs"):
            return "unchanged", None, _snapshot(current)
        valid_from = _parse_when(props.get("valid_from"), now)
        revision = 1
        before = None
        if current is not None:
            before = _snapshot(current)
            current.valid_to = now
            current.updated_at = now
            revision = current.revision + 1
            valid_from = now  # the new version is in force from the change on
        else:
            latest = session.scalars(select(model).where(model.code == code).order_by(model.revision.desc())).first()
            revision = latest.revision + 1 if latest else 1
        row = model(code=code, revision=revision, valid_from=valid_from,
                    valid_to=_parse_when(props["valid_to"], now) if props.get("valid_to") else None,
                    created_at=now, **values)
        session.add(row)
        session.flush()
        return ("updated" if before else "created"), before, _snapshot(row)

    row = session.scalars(select(model).where(model.code == code)).first()
    if row is None:
        row = model(code=code, created_at=now, **values)
        session.add(row)
        session.flush()
        return "created", None, _snapshot(row)
    if all(getattr(row, k) == v for k, v in values.items() if k != "source_crs"):
        return "unchanged", None, _snapshot(row)
    before = _snapshot(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = now
    session.flush()
    return "updated", before, _snapshot(row)



def load_layer(session: Session, layer: str, at: datetime | None = None) -> list[LayerFeature]:
    """The features of one layer in force at ``at`` (default: now), ordered by code."""
    model = MODELS[layer]
    stmt = select(model).order_by(model.code)
    if layer in VERSIONED:
        stmt = stmt.where(in_force(model, at or datetime.now(timezone.utc)))
    grid_codes = {gid: code for code, gid in grid_ids_by_code(session).items()}
    out = []
    for row in session.scalars(stmt):
        props = dict(row.properties or {})
        for column in TYPED_COLUMNS.get(layer, {}):
            props[column] = getattr(row, column)
        kind = getattr(row, KIND_COLUMN[layer]) if layer in KIND_COLUMN else None
        out.append(LayerFeature(
            layer=layer, code=row.code, name=row.name, geometry=row.geometry,
            bbox=(row.min_lon, row.min_lat, row.max_lon, row.max_lat), kind=kind,
            grid_code=grid_codes.get(getattr(row, "grid_id", None)), properties=props,
        ))
    return out


def load_all_layers(session: Session, at: datetime | None = None) -> dict[str, list[LayerFeature]]:
    return {layer: load_layer(session, layer, at) for layer in L.ALL_LAYERS}


def layer_counts(session: Session, at: datetime | None = None) -> dict[str, int]:
    return {layer: len(features) for layer, features in load_all_layers(session, at).items()}
