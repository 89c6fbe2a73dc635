"""Patrol findings (巡查发现): a problem found on patrol or at an incident, with its place,
grid, category, description and photos, and how it ended: handled on the spot
(立查立纠) or handed over on a work order, issued in the same transaction.

Photos are checked (size limit, really an image by its magic bytes) before anything
is written, and stored once by content hash in the database (table ``photos``)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.images import check_photo
from core.incidents import FieldError
from core.settings import WorkOrderSettings
from core.workorders import WorkOrderSnapshot
from db.field_checks import check_code, check_coordinate
from db.models import CodeTable, Grid, PatrolFinding
from db.operations import OpContext, OperationRunner, row_dict
from db.places_repo import grid_index
from db.workorder_ops import (
    NewOrder, check_text, check_when, insert_order, run_numbered, store_photos, validate_new_order,
)
from db.workorders_repo import order_by_number

OUTCOMES = ("on_spot", "handed_over")
CHANGE_KIND = "findings"


@dataclass(frozen=True)
class NewFinding:
    lon: float
    lat: float
    category: str
    description: str
    outcome: str
    photos: tuple[bytes, ...] = ()
    found_at: datetime | None = None
    incident_id: int | None = None
    # handed over only: the order's department (default: the category's), kind and title
    department: str | None = None
    kind: str = "ordinary"
    title: str | None = None


@dataclass(frozen=True)
class Recorded:
    finding_id: int
    grid_code: str | None
    outside_grid: bool
    order: WorkOrderSnapshot | None


def _default_department(session: Session, category: str) -> str | None:
    extra = session.scalar(select(CodeTable.extra).where(CodeTable.table_name == "finding_category",
                                                         CodeTable.code == category))
    return (extra or {}).get("department")


def record_finding(runner: OperationRunner, new: NewFinding, settings: WorkOrderSettings | None = None) -> Recorded:
    settings = settings or WorkOrderSettings()
    check_coordinate("lon", new.lon, 180)
    check_coordinate("lat", new.lat, 90)
    check_text("description", new.description, True)
    if new.outcome not in OUTCOMES:
        raise FieldError("outcome", f"must be on_spot (立查立纠) or handed_over (移交), got {new.outcome!r}")
    if new.outcome == "on_spot":
        for name in ("department", "title"):
            if getattr(new, name):
                raise FieldError(name, "only goes with a handed-over finding (its work order)")
    checked = [(*check_photo(data, settings.photo_max_bytes, f"photo {n}"), data)
               for n, data in enumerate(new.photos, 1)]
    if new.found_at is not None and new.found_at.tzinfo is None:
        raise FieldError("found_at", "needs a time zone")

    def write(ctx: OpContext) -> Recorded:
        session = ctx.session
        check_code(session, "finding_category", new.category, "category")
        found = check_when("found_at", new.found_at, ctx)
        shas = store_photos(ctx, checked)
        grid_id = grid_index(session)[0].grid_of(new.lon, new.lat)
        order = None
        if new.outcome == "handed_over":
            department = new.department or _default_department(session, new.category)
            if department is None:
                raise FieldError("department", f"category {new.category!r} has no default department: name one")
            label = session.scalar(select(CodeTable.label_zh).where(CodeTable.table_name == "finding_category",
                                                                    CodeTable.code == new.category))
            spec = NewOrder(title=new.title or f"{label}: {new.description.strip()[:60]}",
                            description=new.description, department=department, kind=new.kind, lon=new.lon,
                            lat=new.lat, source="patrol", incident_id=new.incident_id,
                            issued_at=new.found_at)
            validate_new_order(spec)
            order, _ = insert_order(ctx, spec, settings, photos=shas)
        finding = PatrolFinding(found_at=found, found_by=ctx.actor.user, lon=new.lon, lat=new.lat, grid_id=grid_id,
                                category=new.category, description=new.description.strip(), photos=shas,
                                outcome=new.outcome, incident_id=new.incident_id,
                                work_order_id=order.id if order else None, created_at=ctx.now)
        session.add(finding)
        session.flush()
        ctx.audit("patrol_findings", finding.id, None, row_dict(finding))
        ctx.changed(CHANGE_KIND, finding.id)
        code = session.scalar(select(Grid.code).where(Grid.id == grid_id)) if grid_id else None
        snapshot = order_by_number(session, order.number, max(ctx.now, order.issued_at)) if order else None
        return Recorded(finding.id, code, grid_id is None, snapshot)

    return run_numbered(runner, "record patrol finding", write, "record_findings")
