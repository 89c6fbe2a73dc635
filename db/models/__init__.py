"""SQLAlchemy models for the whole domain (docs/domain.md), one module per area."""
from db.models.base import Base
from db.models.places import Grid, KeyTarget, MustVisitPoint, PatrolLine, Station, Street
from db.models.forces import Device, Unit
from db.models.positions import FeedRevision, Position, RejectedReport, UnitLastPosition
from db.models.incidents import CodeTable, Commendation, Dispatch, DrillResult, Escalation, Incident, IncidentEvent
from db.models.work_orders import PatrolFinding, Photo, WorkOrder, WorkOrderNote
from db.models.admin import ApiClient, AuditLog, ChangeLog, User
from db.models.patrol import DutyAssignment, PatrolEvent, Shift

__all__ = [
    "Base", "Grid", "KeyTarget", "MustVisitPoint", "PatrolLine", "Station", "Street", "Device", "Unit",
    "FeedRevision", "Position", "RejectedReport", "UnitLastPosition", "CodeTable", "Commendation", "Dispatch", "DrillResult", "Escalation",
    "Incident", "IncidentEvent", "WorkOrder", "WorkOrderNote", "PatrolFinding", "Photo", "AuditLog", "ChangeLog", "User",
    "ApiClient",
    "DutyAssignment", "PatrolEvent", "Shift",
]
