"""The program-type advisor: one test per rule (each fires on the facts it names and not on
the neutral facts), and the ranking that results."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from pmhc.planning import advisor
from pmhc.planning.advisor import RULES, Facts, advise, facts_for
from pmhc.planning.models import CommunityProfile
from pmhc.planning.tests.conftest import profile_values
from pmhc.toolkit.models import ProgramTypeCode as P
from pmhc.training.coverage import Coverage, GroupCoverage

#: Facts on which only the "nothing exists" rules fire: 3 calls per shift (neither busy nor
#: few), suburban, 20 officers per shift, no services, no training data.
NEUTRAL = Facts(
    setting="suburban",
    area_square_miles=100.0,
    patrol_per_shift=20,
    mh_calls_per_shift=3.0,
    has_crisis_line=False,
    has_mobile_crisis=False,
    has_receiving_center=False,
    has_co_responders=False,
    has_psychiatric_emergency=False,
    case_management_capacity=0,
)
ABSENCE_RULES = {
    "no-receiving-center",
    "no-co-responder-clinicians",
    "no-mobile-crisis-team",
    "no-crisis-line",
    "no-case-management",
}
#: For each rule: the change to NEUTRAL that makes it fire (absence rules fire on NEUTRAL).
CASES: dict[str, dict[str, Any]] = {
    "receiving-center": {"has_receiving_center": True},
    "no-receiving-center": {},
    "psychiatric-emergency": {"has_psychiatric_emergency": True},
    "busy-enough-for-co-response": {"mh_calls_per_shift": 4.0},
    "too-few-calls-for-co-response": {"mh_calls_per_shift": 1.9},
    "co-responder-clinicians": {"has_co_responders": True},
    "no-co-responder-clinicians": {},
    "mobile-crisis-team": {"has_mobile_crisis": True},
    "no-mobile-crisis-team": {},
    "crisis-line": {"has_crisis_line": True},
    "no-crisis-line": {},
    "large-rural-area": {"setting": "rural", "area_square_miles": 500.0},
    "few-officers-per-shift": {"patrol_per_shift": 4},
    "case-management-capacity": {"case_management_capacity": 25},
    "no-case-management": {},
    "cit-share-in-guideline": {"cit_share_of_patrol": 0.20},
    "cit-shift-gaps": {"uncovered_shifts": ("Night",)},
}
#: The change that stops each rule from firing (for the rules that NEUTRAL fires).
STOPPERS: dict[str, dict[str, Any]] = {
    "no-receiving-center": {"has_receiving_center": True},
    "no-co-responder-clinicians": {"has_co_responders": True},
    "no-mobile-crisis-team": {"has_mobile_crisis": True},
    "no-crisis-line": {"has_crisis_line": True},
    "no-case-management": {"case_management_capacity": 1},
}
#: Just short of each threshold: the rule must not fire.
NEAR_MISSES: dict[str, dict[str, Any]] = {
    "busy-enough-for-co-response": {"mh_calls_per_shift": 3.99},
    "too-few-calls-for-co-response": {"mh_calls_per_shift": 2.0},
    "large-rural-area": {"setting": "rural", "area_square_miles": 499.0},
    "few-officers-per-shift": {"patrol_per_shift": 5},
    "cit-share-in-guideline": {"cit_share_of_patrol": 0.19},
}


def test_every_rule_has_a_case():
    assert set(CASES) == {rule.id for rule in RULES}
    assert len({rule.id for rule in RULES}) == len(RULES)


def test_neutral_facts_fire_only_the_absence_rules():
    assert {rule.id for rule in advisor.fired_rules(NEUTRAL)} == ABSENCE_RULES


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_a_reason_states_a_condition_of_the_profile_or_the_roster(rule):
    """Reasons report what the profile (or Train's roster) records, not claims about the
    world: each starts from the record it read."""
    reason = rule.reason_for(dataclasses.replace(NEUTRAL, **CASES[rule.id]))
    assert reason.startswith(("The profile ", "About ", "On the Train roster, ")), reason


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.id)
def test_rule(rule):
    """The rule fires on its case and moves exactly the program types it names, by its weights;
    a rule against a type names what that type is missing."""
    facts = dataclasses.replace(NEUTRAL, **CASES[rule.id])
    advice = advise(facts)
    assert rule.id in advice.fired_ids
    for entry in advice.ranking:
        hits = [f for f in entry.fired if f.rule.id == rule.id]
        if entry.code in rule.effects:
            assert [f.weight for f in hits] == [rule.effects[entry.code]]
            assert hits[0].reason and "%(" not in hits[0].reason
            if rule.effects[entry.code] < 0:
                assert hits[0].missing and hits[0].missing in entry.missing
        else:
            assert hits == []
    stopped = dataclasses.replace(NEUTRAL, **STOPPERS.get(rule.id, {}))
    if rule.id in NEAR_MISSES:
        stopped = dataclasses.replace(NEUTRAL, **NEAR_MISSES[rule.id])
    assert rule.id not in advise(stopped).fired_ids
    assert "%(" not in rule.when_text()


def test_ranking_sums_weights_and_keeps_the_toolkit_order_on_ties():
    advice = advise(NEUTRAL)
    scores = {entry.code: entry.score for entry in advice.ranking}
    assert scores == {
        P.CIT: -2,
        P.CO_RESPONDER: -1,
        P.MOBILE_CRISIS: -3,
        P.CASE_MANAGEMENT: -2,
        P.TAILORED: 0,
    }
    assert [e.code for e in advice.ranking] == [
        P.TAILORED, P.CO_RESPONDER, P.CIT, P.CASE_MANAGEMENT, P.MOBILE_CRISIS,
    ]  # fmt: skip


def test_a_well_served_busy_city_ranks_co_response_first():
    facts = dataclasses.replace(
        NEUTRAL,
        setting="urban",
        mh_calls_per_shift=9.0,
        has_co_responders=True,
        has_psychiatric_emergency=True,
        has_receiving_center=True,
        has_crisis_line=True,
        has_mobile_crisis=True,
        case_management_capacity=10,
    )
    ranking = advise(facts).ranking
    assert ranking[0].code == P.CO_RESPONDER  # 2 + 2 + 1
    assert ranking[0].missing == []


def test_facts_from_a_profile_and_coverage():
    profile = CommunityProfile(**profile_values(mh_calls_per_year=None, mh_call_percent=3))
    coverage = Coverage(
        organization_id=1,
        on=dt.date(2025, 1, 1),
        sworn=10, patrol=8, cit_sworn=2, cit_patrol=2, mhfa_sworn=3,
        dispatchers=0, dispatchers_trained=0, volunteers=2, assigned=0, expiring_soon=0,
        by_shift=(GroupCoverage("Day", 4, 2), GroupCoverage("Night", 4, 0)),
        by_district=(),
    )  # fmt: skip
    facts = facts_for(profile, coverage)
    # 3% of 60,000 calls = 1,800 a year, over 365 days and 3 shifts.
    assert facts.mh_calls_per_shift == pytest.approx(1800 / 365 / 3)
    assert facts.cit_share_of_patrol == pytest.approx(0.25)
    assert facts.uncovered_shifts == ("Night",)
    assert {"cit-share-in-guideline", "cit-shift-gaps"} <= advise(facts).fired_ids
    assert facts_for(profile).cit_share_of_patrol is None
