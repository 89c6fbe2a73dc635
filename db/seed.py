"""Default vocabularies and the synthetic demo city (resources/demo).

Everything is upserted by its natural key (code, callsign, device id), so seeding
twice changes nothing the second time."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from sqlalchemy import select

from core import layers as L
from core.geodesy import bbox_of
from db.models import CodeTable, Device, Station, Unit
from db.operations import OpContext, OperationRunner
from db.places_repo import grid_ids_by_code, grid_index, upsert_feature

# Grids first: the other layers are placed in them.
DEMO_LAYER_ORDER = (L.GRIDS, L.STREETS, L.STATIONS, L.POINTS, L.LINES, L.TARGETS)
_UNIT_FIELDS = ("name", "agency", "force", "tier", "travel_mode", "members", "kit")


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, outcome: str) -> None:
        if outcome in ("created", "updated"):
            bucket = getattr(self, outcome)
            bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _resource_json(*parts: str) -> Any:
    return json.loads(resources.files("resources").joinpath(*parts).read_text(encoding="utf-8"))


def seed_defaults(ctx: OpContext, report: SeedReport) -> None:
    data = _resource_json("defaults", "code_tables.json")
    existing = {(r.table_name, r.code): r for r in ctx.session.scalars(select(CodeTable))}
    for table in ("category", "level", "source", "department", "finding_category"):
        for order, entry in enumerate(data[table]):
            if (table, entry["code"]) in existing:
                continue  # administrators may have edited labels: never overwrite them
            ctx.session.add(CodeTable(table_name=table, sort_order=order, **entry))
            report.count("code_tables", "created")
    # Roles and their permissions are declared in code (core.roles), not seeded.
    if report.created.get("code_tables"):
        ctx.changed("code_tables")


def _seed_layers(ctx: OpContext, report: SeedReport) -> None:
    for layer in DEMO_LAYER_ORDER:
        collection = _resource_json("demo", f"{layer}.geojson")
        codes = grid_ids_by_code(ctx.session)
        index = grid_index(ctx.session)[0] if layer != L.GRIDS else None
        for feature in collection["features"]:
            props = feature["properties"]
            geometry = feature["geometry"]
            outcome, before, after = upsert_feature(
                ctx.session, layer, props["code"], props["name"], geometry, bbox_of(geometry["coordinates"]),
                props, ctx.now, grid_codes=codes, index=index,
            )
            report.count(layer, outcome)
            if outcome != "unchanged":
                ctx.audit(layer, props["code"], before, after)
        if report.created.get(layer) or report.updated.get(layer):
            ctx.changed(layer)


def _seed_roster(ctx: OpContext, report: SeedReport) -> None:
    roster = _resource_json("demo", "roster.json")
    grids = grid_ids_by_code(ctx.session)
    stations = dict(ctx.session.execute(select(Station.code, Station.id)).all())
    units = {u.callsign: u for u in ctx.session.scalars(select(Unit))}
    devices = {d.device_id: d for d in ctx.session.scalars(select(Device))}
    for entry in roster["units"]:
        values = {k: entry[k] for k in _UNIT_FIELDS}
        values["grid_id"] = grids.get(entry.get("grid_code"))
        values["home_station_id"] = stations.get(entry.get("home_station"))
        unit = units.get(entry["callsign"])
        if unit is None:
            unit = Unit(callsign=entry["callsign"], status="available", created_at=ctx.now, **values)
            ctx.session.add(unit)
            ctx.session.flush()
            report.count("units", "created")
            ctx.audit("units", unit.callsign, None, {"callsign": unit.callsign, **values})
        elif any(getattr(unit, k) != v for k, v in values.items()):
            before = {k: getattr(unit, k) for k in values}
            for key, value in values.items():
                setattr(unit, key, value)
            unit.updated_at = ctx.now
            report.count("units", "updated")
            ctx.audit("units", unit.callsign, before, values)
        for dev in entry["devices"]:
            device = devices.get(dev["device_id"])
            if device is None:
                ctx.session.add(Device(device_id=dev["device_id"], unit_id=unit.id, kind=dev["kind"],
                                       agency=dev.get("agency"), created_at=ctx.now))
                report.count("devices", "created")
            elif device.unit_id != unit.id or device.agency != dev.get("agency"):
                device.unit_id, device.agency = unit.id, dev.get("agency")
                report.count("devices", "updated")
    if any(k in report.created or k in report.updated for k in ("units", "devices")):
        ctx.changed("units")


def seed_demo(runner: OperationRunner) -> SeedReport:
    report = SeedReport()

    def write(ctx: OpContext) -> SeedReport:
        seed_defaults(ctx, report)
        _seed_layers(ctx, report)
        _seed_roster(ctx, report)
        return report

    return runner.run("seed demo city", write, "seed_data")


def ensure_defaults(runner: OperationRunner) -> SeedReport:
    report = SeedReport()
    return runner.run("seed defaults", lambda ctx: (seed_defaults(ctx, report), report)[1], "seed_data")
