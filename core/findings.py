"""What the window asks for and shows about patrol findings (巡查发现) and new work
orders: the drafts the forms emit (the controller turns them into
``db.findings_ops.NewFinding`` / ``db.workorder_ops.NewOrder``) and a finding as the
findings list shows it. Pure data: photos travel as file paths, read by the controller."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FindingDraft:
    """A finding as the form has it. ``outcome``: on_spot (立查立纠) or handed_over (移交);
    department, kind and title only go with a handed-over one (its work order)."""

    lon: float
    lat: float
    category: str
    description: str
    outcome: str
    photo_paths: tuple[str, ...] = ()
    incident_id: int | None = None
    department: str | None = None
    kind: str = "ordinary"
    title: str | None = None


@dataclass(frozen=True)
class OrderDraft:
    """A work order issued directly from the window; ``issued_at`` back-enters a paper order."""

    title: str
    description: str
    department: str
    kind: str
    source: str
    lon: float | None = None
    lat: float | None = None
    incident_id: int | None = None
    issued_at: datetime | None = None


@dataclass(frozen=True)
class FindingSummary:
    """One recorded finding in the findings list: how it ended and the order it became."""

    id: int
    found_at: datetime
    found_by: str
    category: str
    category_name: str
    description: str
    outcome: str
    grid_code: str | None
    lon: float
    lat: float
    photo_count: int = 0
    incident_id: int | None = None
    order_id: int | None = None
    order_number: str | None = None
