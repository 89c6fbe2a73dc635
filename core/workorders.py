"""Hand-over work orders (工作交办单) under the 13710 rule (docs/domain.md): states and the
actions each allows, the three milestone deadlines, and the red/yellow/green light.

Pure: no I/O. The database list query computes the same light in SQL from stored
columns (``db.workorders_repo``); ``light_at`` here is the reference it is tested
against and what a single order's detail view uses.

Milestones, in order (the rule guarantees deploy <= progress <= resolve with the
default settings, and the checks below take them in that order):
- ``deploy``: the end of the issue day in the configured zone, met by signing (签收);
- ``progress``: issue time + 3 x 24 h, met by the first progress note;
- ``resolve``: issue time + 7 x 24 h (ordinary) or + 1 calendar month (major, wall
  clock in the zone, clamped to the month's last day), met by closing (办结);
  an approved extension replaces it.
A cancelled order (销号) counts every milestone still open as met at cancellation.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from core.incidents import FieldError
from core.settings import WorkOrderSettings

KINDS = ("ordinary", "major")
SOURCES = ("patrol", "incident", "hotline", "manual")
STATUSES = ("issued", "signed", "in_progress", "close_requested", "closed", "cancelled")
TERMINAL = frozenset({"closed", "cancelled"})
OPEN_STATUSES = tuple(s for s in STATUSES if s not in TERMINAL)
STATUS_LABELS_ZH = {"issued": "已交办", "signed": "已签收", "in_progress": "办理中", "close_requested": "申请办结",
                    "closed": "已办结", "cancelled": "已销号"}
MILESTONES = ("deploy", "progress", "resolve")
LIGHTS = ("red", "yellow", "green")
# The one place light colours live (the map layer and the dock read them from here).
LIGHT_COLORS = {"red": "#d32f2f", "yellow": "#f9a825", "green": "#2e7d32"}
# Ratings of a closed order: code -> 中文 (both spellings are accepted as input).
RATINGS = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}

# Actions, as the CLI and the dock name them.
SIGN, PROGRESS, REQUEST_CLOSE, CLOSE, SEND_BACK = "sign", "progress", "request-close", "close", "send-back"
EXTEND, APPROVE_EXTENSION, REFUSE_EXTENSION = "extend", "approve-extension", "refuse-extension"
CANCEL, SUPERVISE = "cancel", "supervise"
ACTIONS = (SIGN, PROGRESS, REQUEST_CLOSE, CLOSE, SEND_BACK, EXTEND, APPROVE_EXTENSION, REFUSE_EXTENSION, CANCEL,
           SUPERVISE)
# Where each status-changing action leads; the others leave the status alone.
_NEXT = {SIGN: "signed", PROGRESS: "in_progress", REQUEST_CLOSE: "close_requested", CLOSE: "closed",
         SEND_BACK: "in_progress", CANCEL: "cancelled"}
_BY_STATUS = {
    "issued": (SIGN, EXTEND, CANCEL, SUPERVISE),
    "signed": (PROGRESS, EXTEND, CANCEL, SUPERVISE),
    "in_progress": (PROGRESS, REQUEST_CLOSE, EXTEND, CANCEL, SUPERVISE),
    "close_requested": (CLOSE, SEND_BACK, CANCEL, SUPERVISE),
    "closed": (),
    "cancelled": (),
}
NOTE_REQUIRED = frozenset({PROGRESS, EXTEND, SUPERVISE, CANCEL})


class ActionNotAllowed(ValueError):
    def __init__(self, number: str, status: str, action: str, allowed: tuple[str, ...]):
        names = ", ".join(allowed) if allowed else f"none: {status} is final"
        super().__init__(f"{number}: cannot {action} while {status} ({STATUS_LABELS_ZH.get(status, status)}); "
                         f"allowed: {names}")
        self.allowed = allowed


def allowed_actions(status: str, extension_pending: bool = False) -> tuple[str, ...]:
    """What the order's state allows; an extension request waits for approve or refuse."""
    actions = _BY_STATUS.get(status, ())
    if not actions:
        return ()
    if extension_pending:
        actions = tuple(a for a in actions if a != EXTEND)
        actions = actions[:-2] + (APPROVE_EXTENSION, REFUSE_EXTENSION) + actions[-2:]
    return actions


def next_status(status: str, action: str) -> str:
    return _NEXT.get(action, status)


def parse_rating(value: str) -> str:
    """A rating code from a code or its Chinese name (优秀/良好/合格/不合格)."""
    by_zh = {zh: code for code, zh in RATINGS.items()}
    if value in RATINGS:
        return value
    if value in by_zh:
        return by_zh[value]
    known = ", ".join(f"{c} ({z})" for c, z in RATINGS.items())
    raise FieldError("rating", f"unknown rating {value!r} (known: {known})")


# --------------------------------------------------------------------------
# deadlines
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Deadlines:
    deploy: datetime
    progress: datetime
    resolve: datetime

    def as_dict(self) -> dict[str, datetime]:
        return {"deploy": self.deploy, "progress": self.progress, "resolve": self.resolve}


def add_months(when: datetime, months: int) -> datetime:
    """Calendar months on the wall clock of ``when``'s zone; 31 January + 1 month is the
    last day of February (28th, or 29th in a leap year), at the same local time."""
    index = when.month - 1 + months
    year, month = when.year + index // 12, index % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def _utc(when: datetime) -> datetime:
    return when.astimezone(timezone.utc)


def compute_deadlines(issued_at: datetime, kind: str, settings: WorkOrderSettings) -> Deadlines:
    if issued_at.tzinfo is None:
        raise FieldError("issued_at", "needs a time zone")
    if kind not in KINDS:
        raise FieldError("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    zone = ZoneInfo(settings.timezone)
    local = issued_at.astimezone(zone)
    # Hours are elapsed time: add them in UTC (aware arithmetic in one zone is wall-clock).
    issued_at = _utc(issued_at)
    # End of the issue day = the next local midnight (plus any extra days a place allows).
    last_day = local.date() + timedelta(days=settings.deploy_extra_days)
    deploy = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=zone)
    progress = issued_at + timedelta(hours=settings.progress_hours)
    if kind == "major" and settings.resolve_major_months > 0:
        resolve = add_months(local, settings.resolve_major_months)
    elif kind == "major":
        resolve = issued_at + timedelta(hours=settings.resolve_major_hours)
    else:
        resolve = issued_at + timedelta(hours=settings.resolve_ordinary_hours)
    return Deadlines(_utc(deploy), _utc(progress), _utc(resolve))


def warning_window(milestone: str, kind: str, settings: WorkOrderSettings) -> timedelta | None:
    """How long before a milestone its light turns yellow; deploy has none."""
    if milestone == "progress":
        return timedelta(hours=settings.warn_progress_hours)
    if milestone == "resolve":
        hours = settings.warn_resolve_major_hours if kind == "major" else settings.warn_resolve_ordinary_hours
        return timedelta(hours=hours)
    return None


def warning_starts(deadlines: Deadlines, kind: str, settings: WorkOrderSettings) -> dict[str, datetime | None]:
    """When each milestone turns yellow; stored beside the deadlines so lists need no date arithmetic."""
    out: dict[str, datetime | None] = {}
    for name, due in deadlines.as_dict().items():
        window = warning_window(name, kind, settings)
        out[name] = None if window is None else due - window
    return out


# --------------------------------------------------------------------------
# lights
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class MilestoneState:
    """One milestone of one order: when it is due, when it turns yellow, when it was met."""

    name: str
    due: datetime
    warn_from: datetime | None
    met_at: datetime | None

    def met_by(self, at: datetime) -> bool:
        return self.met_at is not None and self.met_at <= at

    def passed_unmet(self, at: datetime) -> bool:
        return self.due < at and not self.met_by(at)


def milestone_states(deadlines: Deadlines, warn: dict[str, datetime | None], signed_at: datetime | None,
                     first_progress_at: datetime | None, closed_at: datetime | None,
                     cancelled_at: datetime | None) -> tuple[MilestoneState, ...]:
    met = {"deploy": signed_at, "progress": first_progress_at, "resolve": closed_at}
    return tuple(MilestoneState(name, due, warn.get(name), met[name] or cancelled_at)
                 for name, due in deadlines.as_dict().items())


def overdue_at(milestones: tuple[MilestoneState, ...], at: datetime) -> tuple[str, ...]:
    return tuple(m.name for m in milestones if m.passed_unmet(at))


def light_at(milestones: tuple[MilestoneState, ...], at: datetime) -> str:
    """Red: a milestone passed unmet. Yellow: the next unmet milestone is inside its
    warning window. Otherwise green (also once everything is met)."""
    if overdue_at(milestones, at):
        return "red"
    upcoming = next((m for m in milestones if not m.met_by(at)), None)
    if upcoming is not None and upcoming.warn_from is not None and upcoming.warn_from <= at:
        return "yellow"
    return "green"


# --------------------------------------------------------------------------
# what the CLI, the dock and the map are given
# --------------------------------------------------------------------------

# Overdue milestones from a bit mask (deploy 1, progress 2, resolve 4), as the list query returns them.
OVERDUE_BY_MASK = tuple(tuple(m for bit, m in enumerate(MILESTONES) if mask >> bit & 1) for mask in range(8))


def overdue_mask(names: tuple[str, ...]) -> int:
    return sum(1 << MILESTONES.index(n) for n in names)


class WorkOrderSnapshot(NamedTuple):
    """An order as lists show it, with its light and overdue milestones as of the time asked.

    A NamedTuple, not a dataclass: the list query builds one per row straight from the
    result tuple (``_make``), which keeps 10,000-row lists inside the 200 ms budget."""

    id: int
    number: str
    title: str
    kind: str
    source: str
    department: str
    department_name: str
    grid_code: str | None
    lon: float | None
    lat: float | None
    issued_at: datetime
    status: str
    deploy_due: datetime
    progress_due: datetime
    resolve_due: datetime
    light: str
    overdue_bits: int
    version: int
    extension_until: datetime | None = None  # a pending extension request
    rating: str | None = None

    @property
    def deadlines(self) -> Deadlines:
        return Deadlines(self.deploy_due, self.progress_due, self.resolve_due)

    @property
    def overdue(self) -> tuple[str, ...]:
        return OVERDUE_BY_MASK[self.overdue_bits]

    @property
    def allowed(self) -> tuple[str, ...]:
        return allowed_actions(self.status, self.extension_until is not None)

    @property
    def is_open(self) -> bool:
        return self.status not in TERMINAL


@dataclass(frozen=True)
class TimelineEntry:
    """One step of an order's history: a state change, a progress or supervision note."""

    at: datetime
    kind: str  # created | signed | progress | close_requested | closed | returned | extension_* | cancelled | supervision
    author: str
    text: str


@dataclass(frozen=True)
class PhotoRef:
    sha256: str
    mime: str
    size: int


@dataclass(frozen=True)
class WorkOrderDetail:
    order: WorkOrderSnapshot
    description: str
    requirements: str | None
    assigning_unit: str
    responsible: str | None
    contact: str | None
    signed_at: datetime | None
    first_progress_at: datetime | None
    closed_at: datetime | None
    cancelled_at: datetime | None
    result: str | None
    reviewer_opinion: str | None
    timeline: tuple[TimelineEntry, ...] = ()
    photos: tuple[PhotoRef, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


def iso_z(when: datetime | None) -> str | None:
    """ISO-8601 UTC with ``Z``, to the second."""
    if when is None:
        return None
    return _utc(when).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def order_json(order: WorkOrderSnapshot) -> dict[str, Any]:
    """The CLI's JSON shape of an order (issue 9, keys exactly as written there)."""
    d = order.deadlines
    return {
        "number": order.number, "title": order.title, "kind": order.kind, "department": order.department,
        "grid_code": order.grid_code, "issued_utc": iso_z(order.issued_at), "status": order.status,
        "light": order.light,
        "deadlines": {"deploy_utc": iso_z(d.deploy), "progress_utc": iso_z(d.progress),
                      "resolve_utc": iso_z(d.resolve)},
        "overdue": list(order.overdue),
    }


@dataclass(frozen=True)
class ActionRequest:
    """What the work-order dock asks for; the controller runs ``db.workorder_ops.act``."""

    order_id: int
    number: str
    action: str
    expected_version: int
    note: str | None = None
    until: datetime | None = None
    rating: str | None = None


@dataclass(frozen=True)
class PhotoRequest:
    """The dock wants a photo's bytes (it never reads the database itself)."""

    order_id: int
    sha256: str
