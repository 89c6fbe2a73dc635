"""Reading patrol findings (巡查发现): the recent ones, with how each ended and the work
order it became, for the findings list in the window."""
from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from core.findings import FindingSummary
from db.models import CodeTable, Grid, PatrolFinding, WorkOrder

F = PatrolFinding


def recent_findings(session: Session, limit: int = 200) -> list[FindingSummary]:
    """The ``limit`` most recently found, newest first."""
    query = (
        select(F.id, F.found_at, F.found_by, F.category, CodeTable.label_zh, F.description, F.outcome, Grid.code,
               F.lon, F.lat, F.photos, F.incident_id, F.work_order_id, WorkOrder.number)
        .outerjoin(CodeTable, and_(CodeTable.table_name == "finding_category", CodeTable.code == F.category))
        .outerjoin(Grid, Grid.id == F.grid_id)
        .outerjoin(WorkOrder, WorkOrder.id == F.work_order_id)
        .order_by(F.found_at.desc(), F.id.desc())
        .limit(limit)
    )
    return [FindingSummary(id=r[0], found_at=r[1], found_by=r[2], category=r[3], category_name=r[4] or r[3],
                           description=r[5], outcome=r[6], grid_code=r[7], lon=r[8], lat=r[9],
                           photo_count=len(r[10] or ()), incident_id=r[11], order_id=r[12], order_number=r[13])
            for r in session.execute(query)]
