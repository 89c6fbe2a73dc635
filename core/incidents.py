"""An incident's life (docs/domain.md, 110接处警): states, legal transitions, duplicate
detection, arrival decisions and response figures. Pure: no I/O."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any


# The main line, in order; cancelled and invalid end an incident early.
MAIN_LINE = ("received", "dispatched", "acknowledged", "en_route", "on_scene", "handling", "reported", "closed")
STATES = MAIN_LINE + ("cancelled", "invalid")
TERMINAL = frozenset({"closed", "cancelled", "invalid"})
OPEN_STATES = tuple(s for s in STATES if s not in TERMINAL)
STATE_LABELS_ZH = {
    "received": "接警", "dispatched": "派警", "acknowledged": "签收", "en_route": "出警", "on_scene": "到场",
    "handling": "处置", "reported": "反馈", "closed": "办结", "cancelled": "撤销", "invalid": "无效",
}
# The Incident column holding each state's time. The schema keeps one column for
# ending early, so an invalid call is stamped in cancelled_at (its state tells which).
STATE_TIMESTAMP = {
    "received": "received_at", "dispatched": "dispatched_at", "acknowledged": "acknowledged_at",
    "en_route": "en_route_at", "on_scene": "on_scene_at", "handling": "handling_at", "reported": "reported_at",
    "closed": "closed_at", "cancelled": "cancelled_at", "invalid": "cancelled_at",
}
# Auto-detected arrivals usually come before the unit signs off or reports en route:
# arrival may skip those states (they then keep no timestamp).
_ARRIVAL_FROM = ("dispatched", "acknowledged", "en_route")
# An invalid call is recognised before anyone is on the way.
_INVALID_FROM = ("received", "dispatched")


def _allowed() -> dict[str, tuple[str, ...]]:
    nxt: dict[str, list[str]] = {s: [] for s in STATES}
    for before, after in zip(MAIN_LINE, MAIN_LINE[1:]):
        nxt[before].append(after)
    for state in _ARRIVAL_FROM:
        if "on_scene" not in nxt[state]:
            nxt[state].append("on_scene")
    for state in _INVALID_FROM:
        nxt[state].append("invalid")
    for state in OPEN_STATES:
        nxt[state].append("cancelled")
    return {s: tuple(sorted(targets, key=STATES.index)) for s, targets in nxt.items()}


NEXT_STATES: dict[str, tuple[str, ...]] = _allowed()


class IllegalTransition(ValueError):
    pass


class FieldError(ValueError):
    """Bad input for one named field (the HTTP API answers 422 naming it)."""

    def __init__(self, field_name: str, message: str):
        super().__init__(f"{field_name}: {message}")
        self.field = field_name


def state_name(state: str) -> str:
    return f"{STATE_LABELS_ZH[state]}/{state}" if state in STATE_LABELS_ZH else repr(state)


def check_transition(current: str, target: str) -> None:
    """Raise IllegalTransition unless an incident in ``current`` may move to ``target``."""
    for state in (current, target):
        if state not in NEXT_STATES:
            raise IllegalTransition(f"unknown incident state {state!r}; states are {', '.join(STATES)}")
    allowed = NEXT_STATES[current]
    if target in allowed:
        return
    if not allowed:
        why = f"{state_name(current)} is final"
    else:
        why = "allowed next states are " + ", ".join(state_name(s) for s in allowed)
    raise IllegalTransition(f"cannot go from {state_name(current)} to {state_name(target)}: {why}")


def is_open(state: str) -> bool:
    return state not in TERMINAL


# --------------------------------------------------------------------------
# duplicates and arrival
# --------------------------------------------------------------------------

def find_duplicates(
    open_incidents: Iterable[tuple[Any, float, float, datetime]],
    lon: float, lat: float, at: datetime, radius_m: float, window: timedelta,
) -> list[Any]:
    """Ids of open incidents within ``radius_m`` (geodesic) and ``window`` either side of ``at``, nearest first."""
    from core.geodesy import distance_m  # pyproj: only when needed, not when the GUI starts

    hits = []
    for incident_id, other_lon, other_lat, received_at in open_incidents:
        if abs(received_at - at) > window:
            continue
        dist = distance_m(lon, lat, other_lon, other_lat)
        if dist <= radius_m:
            hits.append((dist, incident_id))
    hits.sort(key=lambda hit: hit[0])
    return [incident_id for _, incident_id in hits]


def is_arrival(
    unit_lon: float, unit_lat: float, accuracy_m: float | None,
    incident_lon: float, incident_lat: float, radius_m: float, max_accuracy_m: float | None = None,
) -> bool:
    """Is a fix close enough to call the unit arrived? Within ``radius_m`` plus the fix's
    accuracy (a poor fix may be the unit standing at the scene). A fix vaguer than
    ``max_accuracy_m`` proves nothing; an unknown accuracy adds nothing."""
    from core.geodesy import distance_m

    accuracy = max(accuracy_m or 0.0, 0.0)
    if max_accuracy_m is not None and accuracy > max_accuracy_m:
        return False
    return distance_m(unit_lon, unit_lat, incident_lon, incident_lat) <= radius_m + accuracy


# --------------------------------------------------------------------------
# what the views show
# --------------------------------------------------------------------------

def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


@dataclass(frozen=True)
class IncidentSnapshot:
    id: int
    number: str
    category: str
    level: str
    source: str
    state: str
    tier: int
    lon: float
    lat: float
    version: int
    received_at: datetime
    grid_id: int | None = None
    grid_code: str | None = None
    duplicate_of_id: int | None = None
    caller: str | None = None
    caller_phone: str | None = None
    address: str | None = None
    description: str | None = None
    dispatched_at: datetime | None = None
    acknowledged_at: datetime | None = None
    en_route_at: datetime | None = None
    on_scene_at: datetime | None = None
    handling_at: datetime | None = None
    reported_at: datetime | None = None
    closed_at: datetime | None = None
    cancelled_at: datetime | None = None
    results: dict = field(default_factory=dict)
    updated_at: datetime | None = None
    # A support request newer than the last escalation order (an escalation-rule input).
    support_requested: bool = False
    # 试警: a drill, drawn distinctly and left out of every statistic.
    drill: bool = False

    @property
    def is_open(self) -> bool:
        return self.state not in TERMINAL

    def state_time(self, state: str) -> datetime | None:
        return getattr(self, STATE_TIMESTAMP[state])

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (ISO 8601 times)."""
        return {key: _iso(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class DispatchSnapshot:
    id: int
    incident_id: int
    unit_id: int
    callsign: str
    tier: int
    mode: str
    dispatched_at: datetime
    dispatched_by: str
    version: int
    eta_s: float | None = None
    recommended_ring: int | None = None
    distance_m: float | None = None
    acknowledged_at: datetime | None = None
    en_route_at: datetime | None = None
    arrived_at: datetime | None = None
    arrival_source: str | None = None
    released_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.released_at is None

    def to_dict(self) -> dict[str, Any]:
        return {key: _iso(value) for key, value in asdict(self).items()}


@dataclass(frozen=True)
class DispatchRequest:
    """One unit to send, with what the recommendation said about it."""

    unit_id: int
    mode: str = "straight"  # road | straight: how eta_s was estimated
    eta_s: float | None = None
    ring: int | None = None  # the 1/3/5-minute ring it was recommended in
    distance_m: float | None = None
    tier: int | None = None  # None: the unit's own tier


@dataclass(frozen=True)
class TimelineEvent:
    id: int
    incident_id: int
    at: datetime
    kind: str  # created, state, dispatch, acknowledged, en_route, arrival, released, escalation, support_requested, ...
    actor: str
    workstation: str
    state_from: str | None = None
    state_to: str | None = None
    payload: dict = field(default_factory=dict)


# --------------------------------------------------------------------------
# response figures
# --------------------------------------------------------------------------

RINGS_MIN = (1, 3, 5)


def _get(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name, None)


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    return None if start is None or end is None else (end - start).total_seconds()


def arrival_ring(arrival_s: float | None) -> int | None:
    """The smallest 1/3/5-minute ring an arrival time fits in (None: later, or no arrival)."""
    if arrival_s is None:
        return None
    return next((ring for ring in RINGS_MIN if arrival_s <= ring * 60), None)


def met_ring(ring: int | None, arrival_s: float | None) -> bool | None:
    """Did the unit arrive within the ring it was recommended in? None if either is unknown."""
    if ring is None or arrival_s is None:
        return None
    return arrival_s <= ring * 60


def response_figures(incident: Any, dispatches: Sequence[Any]) -> dict[str, Any]:
    """Seconds from the dispatch order to sign-off, turn-out, arrival and feedback.

    ``incident`` has the state times (an IncidentSnapshot or a mapping); each dispatch
    has id, unit_id, dispatched_at, acknowledged_at, en_route_at, arrived_at and
    recommended_ring. The incident's figures are its state times (set by the first unit
    to reach each state) against its dispatch time; its ring is that of the first unit
    to arrive (else the first dispatched)."""
    per_dispatch = []
    for d in dispatches:
        start = _get(d, "dispatched_at")
        arrival = _seconds(start, _get(d, "arrived_at"))
        ring = _get(d, "recommended_ring")
        per_dispatch.append({
            "dispatch_id": _get(d, "id"), "unit_id": _get(d, "unit_id"), "callsign": _get(d, "callsign"),
            "sign_off_s": _seconds(start, _get(d, "acknowledged_at")),
            "turn_out_s": _seconds(start, _get(d, "en_route_at")),
            "arrival_s": arrival, "ring": ring, "met_ring": met_ring(ring, arrival),
            "arrival_ring": arrival_ring(arrival),
        })
    # The incident's ring is that of the unit whose arrival counted (else the first sent).
    by_dispatch = sorted(zip(dispatches, per_dispatch),
                         key=lambda pair: (_get(pair[0], "dispatched_at"), pair[1]["dispatch_id"] or 0))
    arrived = sorted((pair for pair in by_dispatch if _get(pair[0], "arrived_at") is not None),
                     key=lambda pair: _get(pair[0], "arrived_at"))
    first = (arrived or by_dispatch or [(None, None)])[0][1]
    start = _get(incident, "dispatched_at") or (_get(by_dispatch[0][0], "dispatched_at") if by_dispatch else None)
    arrival = _seconds(start, _get(incident, "on_scene_at"))
    ring = first["ring"] if first else None
    # Measured against the counted unit's own dispatch (a later tier's clock starts later).
    met = first["met_ring"] if arrived else met_ring(ring, arrival)
    return {
        "incident": {
            "sign_off_s": _seconds(start, _get(incident, "acknowledged_at")),
            "turn_out_s": _seconds(start, _get(incident, "en_route_at")),
            "arrival_s": arrival,
            "feedback_s": _seconds(start, _get(incident, "reported_at")),
            "ring": ring, "met_ring": met, "arrival_ring": arrival_ring(arrival),
            "counted_dispatch_id": first["dispatch_id"] if first else None,
        },
        "dispatches": per_dispatch,
    }
