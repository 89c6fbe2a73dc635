"""Escalation rules: each fires when it should and stays quiet otherwise; tiers and forces."""
from datetime import datetime, timedelta, timezone

import pytest

from core.dispatch import Recommendation
from core.escalation import (
    RULES, TIERS, EscalationRules, IncidentFacts, forces_availability, suggest_escalation,
)
from core.settings import DispatchSettings
from core.units import LastFix, UnitInfo

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
SETTINGS = DispatchSettings()  # handling_overrun_min 30, escalate_levels [major, serious]


def rec(unit_id, eta_s, tier=1):
    ring = 1 if eta_s <= 60 else 3 if eta_s <= 180 else 5 if eta_s <= 300 else None
    return Recommendation(callsign=f"U{unit_id}", unit_id=unit_id, tier=tier, status="available", agency="joint",
                          distance_m=100.0, eta_s=eta_s, ring=ring, mode="road", note="")


def rules_fired(facts, recs=(), now=NOW, settings=SETTINGS):
    return {(s.rule, s.to_tier) for s in suggest_escalation(facts, list(recs), now, settings)}


def test_no_tier1_unit_within_five_minutes():
    facts = IncidentFacts()
    assert rules_fired(facts, [rec(1, 299.9), rec(2, 600, tier=2)]) == set()
    assert rules_fired(facts, [rec(1, 300.0)]) == set()
    assert rules_fired(facts, [rec(1, 301), rec(2, 60, tier=2)]) == {("no_tier1_in_time", 2)}
    [s] = suggest_escalation(facts, [rec(1, 420)], NOW, SETTINGS)
    assert "no tier-1 unit can arrive within 5 min" in s.reason and "fastest 7 min" in s.reason
    assert rules_fired(facts, []) == {("no_tier1_in_time", 2)}
    # A tier-1 unit already on its way within 5 minutes counts.
    assert rules_fired(IncidentFacts(state="dispatched", dispatched_tier1_eta_s=(200.0,)), []) == set()
    # Someone is on scene, or tier 2 is already in: nothing to say.
    assert rules_fired(IncidentFacts(state="on_scene", on_scene_at=NOW), []) == set()
    assert rules_fired(IncidentFacts(current_tier=2), []) == set()


def test_level_raised():
    near = [rec(1, 100)]
    assert rules_fired(IncidentFacts(level="general"), near) == set()
    assert rules_fired(IncidentFacts(level="major"), near) == {("level_raised", 2)}
    assert rules_fired(IncidentFacts(level="serious"), near) == {("level_raised", 3)}
    assert rules_fired(IncidentFacts(level="major", current_tier=2), near) == set()
    assert rules_fired(IncidentFacts(level="serious", current_tier=2), near) == {("level_raised", 3)}
    # The levels are settings: an administrator may list others.
    custom = DispatchSettings(escalate_levels=["red"])
    assert rules_fired(IncidentFacts(level="red"), near, settings=custom) == {("level_raised", 2)}
    assert rules_fired(IncidentFacts(level="major"), near, settings=custom) == set()


def test_support_requested():
    near = [rec(1, 100)]
    on_scene = dict(state="on_scene", on_scene_at=NOW - timedelta(minutes=5))
    assert rules_fired(IncidentFacts(**on_scene), near) == set()
    assert rules_fired(IncidentFacts(support_requested=True, **on_scene), near) == {("support_requested", 2)}
    assert rules_fired(IncidentFacts(support_requested=True, current_tier=2, **on_scene), near) == {
        ("support_requested", 3)}
    assert rules_fired(IncidentFacts(support_requested=True, current_tier=3, **on_scene), near) == set()


def test_handling_overrun():
    def facts(minutes_on_scene, reported=False):
        return IncidentFacts(state="handling", on_scene_at=NOW - timedelta(minutes=minutes_on_scene),
                             reported_at=NOW if reported else None)

    assert rules_fired(facts(30)) == set()
    assert rules_fired(facts(31)) == {("handling_overrun", 2)}
    [s] = suggest_escalation(facts(45), [], NOW, SETTINGS)
    assert s.reason == "on scene 45 min without a result (limit 30 min)"
    assert rules_fired(IncidentFacts(state="reported", on_scene_at=NOW - timedelta(hours=2), reported_at=NOW)) == set()
    assert rules_fired(facts(31), settings=DispatchSettings(handling_overrun_min=60)) == set()


def test_ended_incidents_and_disabled_rules_are_quiet():
    loud = IncidentFacts(level="serious", support_requested=True, on_scene_at=NOW - timedelta(hours=1))
    assert {r for r, _ in rules_fired(loud)} == {"level_raised", "support_requested", "handling_overrun"}
    for state in ("closed", "cancelled", "invalid"):
        assert rules_fired(IncidentFacts(state=state, level="serious", support_requested=True)) == set()
    only_support = EscalationRules.from_settings(SETTINGS, enabled={"support_requested"})
    assert rules_fired(loud, settings=only_support) == {("support_requested", 2)}
    assert list(RULES) == ["no_tier1_in_time", "level_raised", "support_requested", "handling_overrun"]


def test_tiers_table_and_force_availability():
    assert [f.force for f in TIERS[1].forces] == ["grid_patrol", "swat"]
    assert [f.force for f in TIERS[2].forces] == ["grid_patrol", "station_police", "swat", "traffic_police"]
    assert [f.force for f in TIERS[3].forces] == ["youth_commando", "city_emergency"]

    def u(uid, force, tier, status="available"):
        return UnitInfo(uid, f"U{uid}", "", "police", force, tier, "car", status, None,
                        last_fix=LastFix(NOW, 112.0, 32.0))

    units = [u(1, "grid_patrol", 1), u(2, "grid_patrol", 1), u(3, "grid_patrol", 1, "dispatched"),
             u(4, "swat", 1), u(5, "grid_patrol", 2), u(6, "station_police", 2)]
    recs = [rec(1, 50), rec(2, 200), rec(4, 400), rec(5, 100, tier=2), rec(6, 250, tier=2)]
    tier1 = {f.force: f for f in forces_availability(units, recs, 1)}
    assert (tier1["grid_patrol"].total, tier1["grid_patrol"].available) == (3, 2)
    assert tier1["grid_patrol"].rings == {1: 1, 3: 1, 5: 2}
    assert (tier1["swat"].total, tier1["swat"].available, tier1["swat"].rings) == (1, 1, {1: 0, 3: 0, 5: 0})
    tier2 = forces_availability(units, recs, 2)
    assert [(f.force, f.total, f.rings[5]) for f in tier2] == [
        ("grid_patrol", 1, 1), ("station_police", 1, 1), ("swat", 0, 0), ("traffic_police", 0, 0)]
    assert tier2[0].label == "grid joint forces"
    with pytest.raises(KeyError):
        forces_availability(units, recs, 4)
