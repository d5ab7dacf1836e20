"""The protocol's engine: each default rule, overrides, who is on duty, validation, caching."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from pmhc.dispatch import triage
from pmhc.dispatch.models import Routing, TeamKind
from pmhc.dispatch.triage import NO, UNKNOWN, YES, Availability

EVERYONE = Availability(
    cit_on_shift=True, team_kinds=frozenset({TeamKind.CO_RESPONDER, TeamKind.MOBILE_CRISIS})
)
CALM = {
    "danger_self": NO,
    "danger_others": NO,
    "weapons": "none",
    "violence_history": NO,
    "caller_in_crisis": NO,
}


def run(answers: dict[str, str], available: Availability | None = EVERYONE) -> triage.TriageResult:
    rules = triage.compile_rules(triage.default_rules())
    return triage.evaluate(rules, triage.clean_answers(answers), available)


@pytest.mark.parametrize(
    ("answers", "key", "route"),
    [
        ({"weapons": "now", "danger_others": YES}, "weapon_threat", Routing.PATROL_PRIORITY),
        ({"weapons": "now", "danger_self": YES}, "weapon_threat", Routing.PATROL_PRIORITY),
        ({"crime_in_progress": YES}, "crime_in_progress", Routing.PATROL_PRIORITY),
        ({**CALM, "medical_emergency": YES}, "medical_emergency", Routing.EMS),
        ({"weapons": "now"}, "weapon_now", Routing.CIT_OFFICER),
        ({"danger_others": YES, "weapons": "none"}, "danger_to_others", Routing.CO_RESPONDER),
        ({"danger_self": YES, "weapons": "access"}, "danger_to_self", Routing.CO_RESPONDER),
        ({**CALM, "violence_history": YES}, "history_of_violence", Routing.CO_RESPONDER),
        ({**CALM, "caller_in_crisis": YES}, "caller_asks_for_help", Routing.TRANSFER_988),
        (CALM, "no_danger", Routing.MOBILE_CRISIS),
        ({"response_plan": YES}, "response_plan", Routing.CIT_OFFICER),
        ({}, "default", Routing.CIT_OFFICER),
    ],
)
def test_each_default_rule_decides_its_case(answers, key, route):
    result = run(answers)
    assert result.route == route
    assert result.matched[0] == key
    rule = next(r for r in triage.default_rules() if r["key"] == key)
    assert result.reasons[0] == rule["reason"]


def test_every_default_rule_is_tested_above():
    keys = [r["key"] for r in triage.default_rules()]
    assert len(keys) == 11 and len(set(keys)) == 11


def test_a_weapon_without_a_threat_is_no_override():
    result = run({"weapons": "now", "danger_self": NO, "danger_others": NO})
    assert result.override is False
    assert result.route == Routing.CIT_OFFICER


def test_overrides_beat_ordinary_rules_and_every_reason_is_listed():
    result = run({"weapons": "now", "danger_self": YES, "medical_emergency": YES})
    assert result.override is True
    assert result.route == Routing.PATROL_PRIORITY
    assert result.matched[:3] == ("weapon_threat", "medical_emergency", "weapon_now")
    assert len(result.reasons) == len(result.matched)
    assert "Medical emergency: send EMS." in result.reasons


def test_an_override_later_in_the_list_still_beats_an_earlier_ordinary_rule():
    rules = [
        {
            "key": "first",
            "label": "First",
            "all": {"danger_self": [YES]},
            "route": "mobile_crisis",
            "reason": "First.",
        },
        {
            "key": "safety",
            "label": "Safety",
            "all": {"crime_in_progress": [YES]},
            "route": "patrol_priority",
            "reason": "Safety.",
            "override": True,
        },
    ]
    compiled = triage.compile_rules(rules)
    answers = triage.clean_answers({"danger_self": YES, "crime_in_progress": YES})
    result = triage.evaluate(compiled, answers)
    assert result.route == Routing.PATROL_PRIORITY
    assert result.reasons == ("Safety.", "First.")


def test_no_co_responder_on_duty_sends_a_cit_officer():
    available = Availability(cit_on_shift=True, team_kinds=frozenset())
    result = run({"danger_others": YES, "weapons": "none"}, available)
    assert result.rules_route == Routing.CO_RESPONDER
    assert result.route == Routing.CIT_OFFICER
    assert result.adjusted
    assert result.reasons[-1] == "No co-responder unit is on duty now: a CIT officer instead."


def test_no_cit_officer_on_shift_sends_patrol_with_priority():
    available = Availability(cit_on_shift=False, team_kinds=frozenset())
    result = run({"danger_others": YES, "weapons": "none"}, available)
    assert result.route == Routing.PATROL_PRIORITY
    assert result.reasons[-2:] == (
        "No co-responder unit is on duty now: a CIT officer instead.",
        "No CIT officer on this shift: patrol, with priority.",
    )


def test_no_mobile_crisis_team_sends_a_cit_officer():
    available = Availability(cit_on_shift=True, team_kinds=frozenset({TeamKind.CO_RESPONDER}))
    result = run(CALM, available)
    assert result.route == Routing.CIT_OFFICER
    assert "No mobile crisis team is on duty now" in result.reasons[-1]


def test_availability_leaves_ems_and_988_alone():
    nobody = Availability(cit_on_shift=False)
    assert run({**CALM, "medical_emergency": YES}, nobody).route == Routing.EMS
    assert run({**CALM, "caller_in_crisis": YES}, nobody).route == Routing.TRANSFER_988


def test_without_availability_the_rules_alone_decide():
    assert run({"danger_others": YES}, None).route == Routing.CO_RESPONDER


def test_no_matching_rule_falls_back_to_a_cit_officer():
    compiled = triage.compile_rules(
        [
            {
                "key": "only",
                "label": "Only",
                "all": {"danger_self": [YES]},
                "route": "co_responder",
                "reason": "Only.",
            }
        ]
    )
    result = triage.evaluate(compiled, triage.clean_answers({}))
    assert result.route == Routing.CIT_OFFICER
    assert result.matched == ()
    assert result.reasons == ("No rule applied: a CIT officer responds.",)


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"all": {"mood": [YES]}}, "unknown question “mood”"),
        ({"all": {"danger_self": ["maybe"]}}, "“danger_self” has no answer “maybe”"),
        ({"route": "helicopter"}, "unknown route “helicopter”"),
        ({"all": {"behavior": [YES]}}, "“behavior” is free text"),
        ({"all": {"danger_self": []}}, "choose at least one answer for “danger_self”"),
        ({"reason": ""}, "write the reason the call-taker will see"),
        ({"label": ""}, "give it a name"),
        ({"key": "Bad Key"}, "the key must start with a letter"),
        ({"colour": "red"}, "unknown field “colour”"),
        ({"override": "yes"}, "“override” must be true or false"),
    ],
)
def test_rule_data_is_validated_with_a_clear_message(rule, message):
    base = {
        "key": "r",
        "label": "R",
        "all": {"danger_self": [YES]},
        "route": "co_responder",
        "reason": "R.",
    }
    with pytest.raises(ValidationError) as caught:
        triage.compile_rules([base | rule])
    assert any(message in text for text in caught.value.messages), caught.value.messages


def test_a_catch_all_rule_must_come_last_and_cannot_override():
    catch_all = {"key": "all", "label": "All", "route": "co_responder", "reason": "All."}
    other = {
        "key": "b",
        "label": "B",
        "all": {"danger_self": [YES]},
        "route": "ems",
        "reason": "B.",
    }
    with pytest.raises(ValidationError, match="make it the last rule"):
        triage.compile_rules([catch_all, other])
    with pytest.raises(ValidationError, match="an override needs at least one condition"):
        triage.compile_rules([other, catch_all | {"override": True}])
    with pytest.raises(ValidationError, match="another rule already uses this key"):
        triage.compile_rules([other, other])


def test_answers_are_checked():
    with pytest.raises(ValidationError) as caught:
        triage.clean_answers({"weapons": "knife", "mood": "low"})
    assert set(caught.value.message_dict) == {"weapons", "answers"}
    cleaned = triage.clean_answers({"behavior": "  shouting  ", "danger_self": ""})
    assert cleaned["behavior"] == "shouting"
    assert cleaned["danger_self"] == UNKNOWN
    assert len(cleaned) == len(triage.QUESTIONS)


def test_compiled_rules_are_cached_by_key():
    loads: list[int] = []

    def load():
        loads.append(1)
        return triage.default_rules()

    key = ("test", 1, 99, "x")
    first = triage.cached_rules(key, load)
    second = triage.cached_rules(key, load)
    assert first is second
    assert loads == [1]
