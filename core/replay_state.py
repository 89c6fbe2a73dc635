"""Incidents, dispatches, escalations and timeline events *as of* a replay time. Pure.

The database keeps each record's final state with one timestamp per step; the state
at an earlier moment T is what those timestamps say had happened by T: a later
step is erased, not guessed. ``db.history.load_history`` loads the rows."""
from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from core.incidents import STATE_TIMESTAMP, STATES, DispatchSnapshot, IncidentSnapshot, TimelineEvent

__all__ = ["EscalationRecord", "History", "HistoryState", "Tick", "dispatch_at", "incident_at", "state_at",
           "ticks", "unit_statuses"]

# Events a support request and a tier order leave in the timeline (db.incidents_repo).
_SUPPORT_KIND = "support_requested"
_ORDER_KINDS = ("escalation", "deescalation")


@dataclass(frozen=True)
class EscalationRecord:
    id: int
    incident_id: int
    ordered_at: datetime
    direction: str  # up | down
    tier_from: int
    tier_to: int
    reason: str = ""
    ordered_by: str = ""


@dataclass(frozen=True)
class History:
    """Everything a replay window shows besides positions, as stored now."""

    start: datetime
    end: datetime
    incidents: list[IncidentSnapshot] = field(default_factory=list)
    dispatches: list[DispatchSnapshot] = field(default_factory=list)
    escalations: list[EscalationRecord] = field(default_factory=list)
    events: list[TimelineEvent] = field(default_factory=list)
    drill_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class HistoryState:
    at: datetime
    incidents: list[IncidentSnapshot]
    dispatches: list[DispatchSnapshot]
    escalations: list[EscalationRecord]
    events: list[TimelineEvent]
    unit_status: dict[int, str]  # unit id -> status for units committed at T; others were available


@dataclass(frozen=True, order=True)
class Tick:
    """A mark on the timeline."""

    at: datetime
    kind: str  # received | dispatch | arrival | escalation | checkin | ...
    incident_id: int | None = None


_ORDER = {state: i for i, state in enumerate(STATES)}


def _state_at(incident: IncidentSnapshot, at: datetime) -> str:
    reached = [(when, _ORDER[state], state) for state, column in STATE_TIMESTAMP.items()
               if (when := getattr(incident, column)) is not None and when <= at
               and (column != "cancelled_at" or state == incident.state)]  # invalid and cancelled share a column
    return max(reached)[2] if reached else "received"


def incident_at(incident: IncidentSnapshot, at: datetime, escalations: Sequence[EscalationRecord] = (),
                events: Sequence[TimelineEvent] = ()) -> IncidentSnapshot | None:
    """The incident as it stood at ``at`` (None: not yet received). ``escalations`` and
    ``events`` are this incident's; they give the tier and a pending support request."""
    if incident.received_at > at:
        return None
    cleared = {column: None for column in set(STATE_TIMESTAMP.values()) - {"received_at"}
               if (when := getattr(incident, column)) is not None and when > at}
    ordered = sorted((e for e in escalations if e.ordered_at <= at), key=lambda e: (e.ordered_at, e.id))
    if ordered:
        tier = ordered[-1].tier_to
    else:
        first = min(escalations, key=lambda e: (e.ordered_at, e.id), default=None)
        tier = first.tier_from if first is not None else incident.tier
    support = max((e.id for e in events if e.kind == _SUPPORT_KIND and e.at <= at), default=0)
    order = max((e.id for e in events if e.kind in _ORDER_KINDS and e.at <= at), default=0)
    updated = incident.updated_at if incident.updated_at is not None and incident.updated_at <= at else None
    return dataclasses.replace(incident, state=_state_at(incident, at), tier=tier, support_requested=support > order,
                               updated_at=updated, **cleared)


def dispatch_at(dispatch: DispatchSnapshot, at: datetime) -> DispatchSnapshot | None:
    """The dispatch as it stood at ``at`` (None: not yet ordered)."""
    if dispatch.dispatched_at > at:
        return None
    later = {name: None for name in ("acknowledged_at", "en_route_at", "arrived_at", "released_at")
             if (when := getattr(dispatch, name)) is not None and when > at}
    if "arrived_at" in later:
        later["arrival_source"] = None
    return dataclasses.replace(dispatch, **later) if later else dispatch


def unit_statuses(dispatches: Iterable[DispatchSnapshot]) -> dict[int, str]:
    """unit id -> dispatched / en_route / on_scene from dispatches not released (as of some T)."""
    rank = {"dispatched": 0, "en_route": 1, "on_scene": 2}
    out: dict[int, str] = {}
    for d in dispatches:
        if d.released_at is not None:
            continue
        status = "on_scene" if d.arrived_at else "en_route" if d.en_route_at else "dispatched"
        if d.unit_id not in out or rank[status] > rank[out[d.unit_id]]:
            out[d.unit_id] = status
    return out


def state_at(history: History, at: datetime) -> HistoryState:
    """Everything of ``history`` as it stood at ``at``."""
    esc_by: dict[int, list[EscalationRecord]] = {}
    for e in history.escalations:
        esc_by.setdefault(e.incident_id, []).append(e)
    ev_by: dict[int, list[TimelineEvent]] = {}
    for e in history.events:
        ev_by.setdefault(e.incident_id, []).append(e)
    incidents = [snap for inc in history.incidents
                 if (snap := incident_at(inc, at, esc_by.get(inc.id, ()), ev_by.get(inc.id, ()))) is not None]
    dispatches = [snap for d in history.dispatches if (snap := dispatch_at(d, at)) is not None]
    return HistoryState(at=at, incidents=incidents, dispatches=dispatches,
                        escalations=[e for e in history.escalations if e.ordered_at <= at],
                        events=[e for e in history.events if e.at <= at], unit_status=unit_statuses(dispatches))


def ticks(history: History) -> list[Tick]:
    """The timeline's marks, oldest first: incidents received, dispatches, arrivals,
    escalations, and other timeline events (check-ins, support requests, ...) that are
    not one of those already."""
    out = [Tick(i.received_at, "received", i.id) for i in history.incidents]
    for d in history.dispatches:
        out.append(Tick(d.dispatched_at, "dispatch", d.incident_id))
        if d.arrived_at is not None:
            out.append(Tick(d.arrived_at, "arrival", d.incident_id))
    out.extend(Tick(e.ordered_at, "escalation", e.incident_id) for e in history.escalations)
    covered = {"created", "dispatch", "arrival", "state", *_ORDER_KINDS}
    out.extend(Tick(e.at, e.kind, e.incident_id) for e in history.events if e.kind not in covered)
    return sorted(t for t in out if history.start <= t.at <= history.end)


