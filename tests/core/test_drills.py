"""What-if and drill scoring (core/drills.py)."""
from __future__ import annotations

from core.dispatch import Recommendation
from core.drills import RING_PENALTY, TIER_PENALTY, score_choice


def rec(callsign, eta_s, tier=1):
    return Recommendation(callsign=callsign, unit_id=hash(callsign) % 1000, tier=tier, status="available",
                          agency="joint", distance_m=eta_s, eta_s=eta_s, ring=None, mode="road", note="")


RANKING = [rec("A", 100.0), rec("B", 200.0), rec("S", 150.0, tier=2), rec("C", 400.0)]
RANKING.sort(key=lambda r: r.eta_s)


def test_the_best_choice_scores_100():
    s = score_choice(RANKING, ["A"])
    assert (s.best_eta_s, s.chosen_eta_s, s.eta_diff_s, s.ring_met, s.tier, s.tier_ok, s.score) == (
        100.0, 100.0, 0.0, True, 1, True, 100.0)


def test_a_slower_choice_scores_the_eta_ratio_and_the_fastest_chosen_counts():
    assert score_choice(RANKING, ["B"]).score == 50.0
    assert score_choice(RANKING, ["C", "B"]).chosen_eta_s == 200.0


def test_missing_the_ring_the_best_unit_would_meet_costs_the_ring_penalty():
    s = score_choice(RANKING, ["C"])
    assert s.ring_met is False and s.score == round(100 * 100 / 400 - RING_PENALTY, 1)


def test_a_higher_tier_when_tier_1_could_meet_the_ring_costs_the_tier_penalty():
    s = score_choice(RANKING, ["S"])
    assert s.tier == 2 and s.tier_ok is False and s.score == round(100 * 100 / 150 - TIER_PENALTY, 1)
    alone = score_choice([rec("S", 150.0, tier=2), rec("A", 400.0)], ["S"])
    assert alone.tier_ok is True and alone.score == 100.0


def test_a_live_drill_is_judged_by_its_actual_arrival():
    s = score_choice(RANKING, ["A"], arrival_s=420.0)
    assert s.ring_met is False and s.score == 100.0 - RING_PENALTY


def test_units_that_could_not_go_score_nothing():
    s = score_choice(RANKING, ["nobody"])
    assert s.chosen_eta_s is None and s.score == 0.0 and s.unknown == ("nobody",)
    assert score_choice([], ["A"]).score == 0.0
