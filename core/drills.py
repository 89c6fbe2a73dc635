"""Scoring a drill (试警) or a what-if choice against the best possible response. Pure.

The reference is the ranking of every unit that could have been sent, from the
positions at the incident's intake moment (``core.dispatch.rank_units``): its
first entry is the best ETA. A choice is judged by its own fastest unit:

- ``eta_diff_s`` = chosen ETA - best ETA (0 is the best choice);
- ``ring_met``: the response arrives within the last ring (5 minutes by default,
  the 1-3-5 rule (docs/domain.md) and the city's arrival deadline) — by the actual arrival
  when there was one (a live drill), else by the chosen ETA (a what-if);
- ``tier``: the lowest tier chosen; ``tier_ok`` is False when a higher tier was
  sent although a tier-1 unit could have met the ring (tiers are for escalation).

The score (0-100) is ``100 x best ETA / chosen ETA``, minus ``RING_PENALTY`` when
the ring was missed although the best unit would have met it, minus
``TIER_PENALTY`` when the tier was not needed; a choice with no unit that could
go scores 0.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from core.dispatch import RINGS_S, Recommendation

__all__ = ["RING_PENALTY", "TIER_PENALTY", "DrillScore", "score_choice"]

RING_PENALTY = 25.0
TIER_PENALTY = 15.0


@dataclass(frozen=True)
class DrillScore:
    best_eta_s: float | None
    best_callsign: str | None
    chosen_eta_s: float | None
    eta_diff_s: float | None
    ring_met: bool | None
    tier: int | None
    tier_ok: bool | None
    score: float
    unknown: tuple[str, ...] = ()  # chosen units that could not have gone (busy, no fix, wrong agency)


def score_choice(ranking: Sequence[Recommendation], chosen: Collection[str], *, arrival_s: float | None = None,
                 rings_s: Sequence[int] = RINGS_S) -> DrillScore:
    """Score the units ``chosen`` (callsigns) against ``ranking`` (best first)."""
    deadline = rings_s[-1]
    by_callsign = {r.callsign: r for r in ranking}
    picked = [by_callsign[c] for c in chosen if c in by_callsign]
    unknown = tuple(sorted(c for c in chosen if c not in by_callsign))
    best = ranking[0] if ranking else None
    best_eta = best.eta_s if best else None
    chosen_eta = min((r.eta_s for r in picked), default=None)
    tier = min((r.tier for r in picked), default=None)
    reach = arrival_s if arrival_s is not None else chosen_eta
    ring_met = None if reach is None else reach <= deadline
    tier1_could = any(r.tier == 1 and r.eta_s <= deadline for r in ranking)
    tier_ok = None if tier is None else (tier == 1 or not tier1_could)
    if chosen_eta is None or best_eta is None:
        score = 0.0
    else:
        score = 100.0 * (best_eta / chosen_eta if chosen_eta > 0 else 1.0)
        if ring_met is False and best_eta <= deadline:
            score -= RING_PENALTY
        if tier_ok is False:
            score -= TIER_PENALTY
    return DrillScore(
        best_eta_s=best_eta, best_callsign=best.callsign if best else None, chosen_eta_s=chosen_eta,
        eta_diff_s=None if chosen_eta is None or best_eta is None else round(chosen_eta - best_eta, 1),
        ring_met=ring_met, tier=tier, tier_ok=tier_ok, score=round(min(100.0, max(0.0, score)), 1), unknown=unknown)
