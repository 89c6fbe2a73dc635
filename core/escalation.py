"""Tiered reinforcement (梯次增援): the tiers and their forces, and the rules that suggest escalating.

The system suggests; a person orders (docs/domain.md). Each rule returns the reason
shown to the dispatcher and the tier it suggests bringing in. Rule parameters
come from ``DispatchSettings`` (``handling_overrun_min``, ``escalate_levels``);
``EscalationRules.enabled`` switches single rules off.
"""
from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from datetime import datetime

from core.dispatch import RINGS_S, Recommendation, format_duration, ring_counts
from core.settings import DispatchSettings
from core.units import UnitInfo

TOP_TIER = 3
# States after which nothing is escalated any more (the incident state machine owns the names).
ENDED_STATES = frozenset({"reported", "closed", "cancelled", "invalid"})


@dataclass(frozen=True)
class ForceSpec:
    force: str  # Unit.force
    label: str  # English; the UI translates


@dataclass(frozen=True)
class TierSpec:
    tier: int
    label: str
    forces: tuple[ForceSpec, ...]


# docs/domain.md "Forces and tiers". A unit belongs to tier T's force F when unit.tier == T and
# unit.force == F, so grid patrols appear in tier 1 and (as grid joint forces) in tier 2.
TIERS: dict[int, TierSpec] = {
    1: TierSpec(1, "Tier 1", (ForceSpec("grid_patrol", "grid joint patrol groups"),
                              ForceSpec("swat", "SWAT teams at key points"))),
    2: TierSpec(2, "Tier 2", (ForceSpec("grid_patrol", "grid joint forces"),
                              ForceSpec("station_police", "police stations"),
                              ForceSpec("swat", "SWAT"),
                              ForceSpec("traffic_police", "traffic police"))),
    3: TierSpec(3, "Tier 3", (ForceSpec("youth_commando", "PSB youth commando"),
                              ForceSpec("city_emergency", "city-management emergency team"))),
}


@dataclass(frozen=True)
class IncidentFacts:
    """What the rules need to know about one incident."""

    current_tier: int = 1  # the highest tier ordered in so far
    level: str = "general"
    state: str = "received"
    on_scene_at: datetime | None = None  # first unit on scene
    support_requested: bool = False  # a unit on scene asked for support (请求支援)
    reported_at: datetime | None = None  # result reported (反馈); None: still handling
    # ETAs (s) of tier-1 units already sent; they count for the 5-minute rule
    # because the recommendations list only the units still available.
    dispatched_tier1_eta_s: tuple[float, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    rule: str
    reason: str
    to_tier: int


@dataclass(frozen=True)
class EscalationRules:
    arrival_limit_s: float = float(RINGS_S[-1])  # the 5-minute ring
    levels: tuple[str, ...] = ("major", "serious")  # the n-th listed level asks for tier n + 1
    handling_overrun_s: float = 30 * 60.0
    enabled: frozenset[str] = field(default_factory=lambda: frozenset(RULES))

    @classmethod
    def from_settings(cls, s: DispatchSettings, enabled: Collection[str] | None = None) -> "EscalationRules":
        return cls(levels=tuple(s.escalate_levels), handling_overrun_s=float(s.handling_overrun_min) * 60.0,
                   enabled=frozenset(RULES if enabled is None else enabled))


def _next_tier(facts: IncidentFacts) -> int | None:
    return facts.current_tier + 1 if facts.current_tier < TOP_TIER else None


def _no_tier1_in_time(facts, recs, now, rules) -> Suggestion | None:
    if facts.current_tier >= 2 or facts.on_scene_at is not None:
        return None
    etas = [r.eta_s for r in recs if r.tier == 1] + list(facts.dispatched_tier1_eta_s)
    if any(eta <= rules.arrival_limit_s for eta in etas):
        return None
    limit = format_duration(rules.arrival_limit_s)
    reason = (f"no tier-1 unit can arrive within {limit}" if not etas else
              f"no tier-1 unit can arrive within {limit} (fastest {format_duration(min(etas))})")
    return Suggestion("no_tier1_in_time", reason, 2)


def _level_raised(facts, recs, now, rules) -> Suggestion | None:
    if facts.level not in rules.levels:
        return None
    wanted = min(TOP_TIER, rules.levels.index(facts.level) + 2)
    if wanted <= facts.current_tier:
        return None
    return Suggestion("level_raised", f"level raised to {facts.level}", wanted)


def _support_requested(facts, recs, now, rules) -> Suggestion | None:
    to_tier = _next_tier(facts)
    if not facts.support_requested or to_tier is None:
        return None
    return Suggestion("support_requested", "a unit on scene requested support", to_tier)


def _handling_overrun(facts, recs, now, rules) -> Suggestion | None:
    to_tier = _next_tier(facts)
    if facts.on_scene_at is None or facts.reported_at is not None or to_tier is None:
        return None
    on_scene_s = (now - facts.on_scene_at).total_seconds()
    if on_scene_s <= rules.handling_overrun_s:
        return None
    return Suggestion("handling_overrun", f"on scene {format_duration(on_scene_s)} without a result "
                      f"(limit {format_duration(rules.handling_overrun_s)})", to_tier)


Rule = Callable[[IncidentFacts, Sequence[Recommendation], datetime, EscalationRules], "Suggestion | None"]
# Evaluated in this order; the names are what settings and the UI refer to.
RULES: dict[str, Rule] = {
    "no_tier1_in_time": _no_tier1_in_time,
    "level_raised": _level_raised,
    "support_requested": _support_requested,
    "handling_overrun": _handling_overrun,
}


def suggest_escalation(facts: IncidentFacts, recommendations: Sequence[Recommendation], now: datetime,
                       settings: DispatchSettings | EscalationRules) -> list[Suggestion]:
    """Every enabled rule that fires, with its reason and the tier it suggests.

    ``recommendations`` are the current ranking for the incident (all tiers or
    tier 1); an ended incident gets no suggestions."""
    rules = settings if isinstance(settings, EscalationRules) else EscalationRules.from_settings(settings)
    if facts.state in ENDED_STATES:
        return []
    out = []
    for name, rule in RULES.items():
        if name in rules.enabled and (found := rule(facts, recommendations, now, rules)) is not None:
            out.append(found)
    return out


@dataclass(frozen=True)
class ForceAvailability:
    force: str
    label: str
    total: int  # units of this force in the tier
    available: int  # status "available", whatever their fix
    rings: dict[int, int]  # units ranked within 1/3/5 minutes, cumulative (see ring_counts)


def forces_availability(units: Iterable[UnitInfo], recommendations: Iterable[Recommendation],
                        tier: int) -> list[ForceAvailability]:
    """Per force of ``tier`` (TIERS order): how many units, how many available, how many in each ring.

    ``recommendations`` should be a full ranking (no limit) for the incident."""
    spec = TIERS[tier]
    members: dict[str, list[UnitInfo]] = {f.force: [] for f in spec.forces}
    force_of: dict[int, str] = {}
    for unit in units:
        if unit.tier == tier and unit.force in members:
            members[unit.force].append(unit)
            force_of[unit.unit_id] = unit.force
    # One pass over the ranking (thousands of candidates), not one per force.
    ranked: dict[str, list[Recommendation]] = {force: [] for force in members}
    for r in recommendations:
        force = force_of.get(r.unit_id)
        if force is not None:
            ranked[force].append(r)
    return [ForceAvailability(force=f.force, label=f.label, total=len({u.unit_id for u in members[f.force]}),
                              available=sum(1 for u in members[f.force] if u.status == "available"),
                              rings=ring_counts(ranked[f.force]))
            for f in spec.forces]


@dataclass(frozen=True)
class EscalationPicture:
    """What the escalation dock shows for one incident: per tier, its forces' availability
    and ring counts; and what the rules suggest."""

    incident: Any  # IncidentSnapshot
    tiers: tuple[tuple[int, tuple[ForceAvailability, ...]], ...]
    suggestions: tuple[Suggestion, ...]


def escalation_picture(incident: Any, units: Iterable[UnitInfo], recommendations: Sequence[Recommendation],
                       dispatches: Iterable[Any], now: datetime, settings: DispatchSettings) -> EscalationPicture:
    """Availability per tier and force for ``incident`` (``recommendations``: a full ranking
    over every tier) and the rules' suggestions. Tier-1 units already sent count for the
    5-minute rule."""
    units = list(units)
    tiers = tuple((tier, tuple(forces_availability(units, recommendations, tier))) for tier in sorted(TIERS))
    facts = IncidentFacts(current_tier=incident.tier, level=incident.level, state=incident.state,
                          on_scene_at=incident.on_scene_at, support_requested=incident.support_requested,
                          reported_at=incident.reported_at,
                          dispatched_tier1_eta_s=tuple(d.eta_s for d in dispatches
                                                       if d.tier == 1 and d.active and d.eta_s is not None))
    return EscalationPicture(incident, tiers, tuple(suggest_escalation(facts, recommendations, now, settings)))
