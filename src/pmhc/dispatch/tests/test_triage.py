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


P, E, CO, CIT, MC, T988, FU = (
    Routing.PATROL_PRIORITY,
    Routing.EMS,
    Routing.CO_RESPONDER,
    Routing.CIT_OFFICER,
    Routing.MOBILE_CRISIS,
    Routing.TRANSFER_988,
    Routing.FOLLOW_UP,
)
#: Calm, and about the person's willingness to talk nothing is known yet.
OPEN = {**CALM, "medical_emergency": NO, "crime_in_progress": NO}

#: The routing table: answers -> the units of the response (lead first) and the rule that
#: decided the lead. Every team free, a CIT officer on the shift.
ROUTING_TABLE = [
    (
        "knife, self-injury, medical emergency",
        {"weapons": "now", "danger_self": "attempt", "medical_emergency": YES},
        (P, E, CO),
        "weapon_threat",
    ),
    (
        "weapon, threat to others",
        {"weapons": "now", "danger_others": YES},
        (P, CO),
        "weapon_threat",
    ),
    (
        "violent crime in progress",
        {**OPEN, "crime_in_progress": "violent"},
        (P, MC),
        "violent_crime",
    ),
    ("low-level crime alone", {**OPEN, "crime_in_progress": "low_level"}, (MC,), "no_danger"),
    ("suicide attempt in progress", {**OPEN, "danger_self": "attempt"}, (E, CO), "suicide_attempt"),
    ("medical emergency, calm", {**OPEN, "medical_emergency": YES}, (E, MC), "medical_emergency"),
    ("overdose, calm", {**OPEN, "overdose": YES}, (E, MC), "injury_or_overdose"),
    (
        "injury, danger to others",
        {"injured": YES, "danger_others": YES, "weapons": "none"},
        (E, CO),
        "injury_or_overdose",
    ),
    ("danger to others", {"danger_others": YES, "weapons": "none"}, (CO,), "danger_to_others"),
    ("suicide plan", {**OPEN, "danger_self": "plan"}, (CO,), "danger_to_self"),
    ("means at hand", {**OPEN, "danger_self": "means"}, (CO,), "danger_to_self"),
    (
        "suicide plan, using drugs now",
        {**OPEN, "danger_self": "plan", "substance_now": YES},
        (CO, E),
        "danger_to_self",
    ),
    ("at risk, grade not known", {"danger_self": "at_risk"}, (CO,), "danger_to_self"),
    (
        "weapon, no threat",
        {"weapons": "now", "danger_self": NO, "danger_others": NO},
        (CIT,),
        "weapon_now",
    ),
    ("history of violence", {**OPEN, "violence_history": YES}, (CO,), "history_of_violence"),
    (
        "person calls about own thoughts",
        {**OPEN, "danger_self": "thoughts", "caller_in_crisis": YES},
        (T988,),
        "warm_transfer",
    ),
    (
        "third party, person agrees to talk",
        {**OPEN, "danger_self": "thoughts", "agrees_to_talk": YES},
        (T988,),
        "warm_transfer",
    ),
    (
        "third party, person does not agree",
        {**OPEN, "danger_self": "thoughts", "agrees_to_talk": NO},
        (MC,),
        "no_danger",
    ),
    (
        "thoughts with a weapon at hand",
        {**OPEN, "danger_self": "thoughts", "weapons": "access", "caller_in_crisis": YES},
        (CIT,),
        "default",
    ),
    (
        "thoughts and a medical emergency",
        {**OPEN, "danger_self": "thoughts", "medical_emergency": YES, "caller_in_crisis": YES},
        (E, MC),
        "medical_emergency",
    ),
    ("no danger, no weapons", OPEN, (MC,), "no_danger"),
    ("response plan on file", {**OPEN, "response_plan": YES}, (MC,), "no_danger"),
    (
        "dementia, deaf, veteran",
        {**OPEN, "dementia": YES, "deaf": YES, "veteran": YES},
        (MC,),
        "no_danger",
    ),
    ("nothing known", {}, (CIT,), "default"),
]


@pytest.mark.parametrize(
    ("answers", "units", "key"),
    [case[1:] for case in ROUTING_TABLE],
    ids=[case[0] for case in ROUTING_TABLE],
)
def test_the_routing_table(answers, units, key):
    result = run(answers)
    assert result.units == units
    assert result.route == units[0]
    assert result.matched[0] == key
    rule = next(r for r in triage.default_rules() if r["key"] == key)
    assert result.reasons[0] == rule["reason"]


def test_every_default_rule_decides_a_case_in_the_table():
    keys = [r["key"] for r in triage.default_rules()]
    assert len(keys) == len(set(keys)) == 13
    # One rule only adds EMS to the co-responders; the others each decide a case.
    assert set(keys) - {case[3] for case in ROUTING_TABLE} == {"at_risk_and_using"}
    assert "at_risk_and_using" in run({**OPEN, "danger_self": "plan", "substance_now": YES}).matched


def test_a_response_plan_is_a_note_and_never_the_route():
    plain = run(OPEN)
    with_plan = run({**OPEN, "response_plan": YES})
    assert with_plan.units == plain.units
    assert with_plan.notes == (
        "Known to have a response plan: responders should read it on the way.",
    )
    assert plain.notes == ()


def test_information_for_responders_cannot_route():
    rule = {
        "key": "r",
        "label": "R",
        "all": {"veteran": [YES], "danger_others": [YES]},
        "route": "ems",
        "reason": "R.",
    }
    with pytest.raises(ValidationError, match="information for the responders"):
        triage.compile_rules([{**rule, "all": {"veteran": [YES]}, "key": "v"}, rule])


def test_a_weapon_without_a_threat_is_no_override():
    result = run({"weapons": "now", "danger_self": NO, "danger_others": NO})
    assert result.override is False
    assert result.route == Routing.CIT_OFFICER


def test_overrides_add_police_without_dropping_ems_or_the_clinician():
    result = run({"weapons": "now", "danger_self": "plan", "medical_emergency": YES})
    assert result.override is True
    assert result.units == (P, E, CO)
    assert result.matched[:3] == ("weapon_threat", "medical_emergency", "danger_to_self")
    assert len(result.reasons) == len(result.matched)
    assert "Medical emergency: send EMS." in result.reasons


def test_each_unit_names_the_rule_that_decided_it():
    result = run({"weapons": "now", "danger_self": "attempt", "medical_emergency": YES})
    assert result.unit_rows == [
        ("Patrol, with priority", "Weapon with a threat"),
        ("EMS", "Suicide attempt in progress"),
        ("Co-responder unit", "Suicide risk with a plan or the means"),
    ]
    replaced = run({"danger_others": YES, "weapons": "none"}, Availability(cit_on_shift=True))
    assert replaced.unit_rows == [("CIT officer", "Who is on duty now")]


def test_a_rule_adds_units_and_the_format_is_checked():
    rules = [
        {
            "key": "first",
            "label": "First",
            "all": {"danger_others": [YES]},
            "route": "co_responder",
            "add": ["ems", "co_responder"],
            "reason": "First.",
        }
    ]
    result = triage.evaluate(
        triage.compile_rules(rules), triage.clean_answers({"danger_others": YES})
    )
    assert result.units == (CO, E)
    with pytest.raises(ValidationError, match="cannot add “transfer_988”"):
        triage.compile_rules([{**rules[0], "add": ["transfer_988"]}])
    with pytest.raises(ValidationError, match="“add” must list units"):
        triage.compile_rules([{**rules[0], "add": "ems"}])


#: A rule set as the protocol's first version wrote it: yes/no for danger to self and crime
#: in progress, and a rule on the response plan.
LEGACY_RULES = [
    {
        "key": "crime_in_progress",
        "label": "Crime in progress",
        "all": {"crime_in_progress": ["yes"]},
        "any": {},
        "route": "patrol_priority",
        "reason": "A crime is in progress: police respond.",
        "override": True,
    },
    {
        "key": "danger_to_self",
        "label": "Danger to self",
        "all": {"danger_self": ["yes"]},
        "any": {},
        "route": "co_responder",
        "reason": "Danger to self.",
        "override": False,
    },
    {
        "key": "response_plan",
        "label": "Response plan on file",
        "all": {"response_plan": ["yes"]},
        "any": {},
        "route": "cit_officer",
        "reason": "Known to have a response plan.",
        "override": False,
    },
    {"key": "default", "label": "Anything else", "route": "cit_officer", "reason": "Else."},
]


@pytest.mark.parametrize(
    ("answers", "units", "key"),
    [
        ({"crime_in_progress": "low_level"}, (P,), "crime_in_progress"),
        ({"crime_in_progress": "violent"}, (P,), "crime_in_progress"),
        ({"crime_in_progress": YES}, (P,), "crime_in_progress"),
        ({"danger_self": "thoughts"}, (CO,), "danger_to_self"),
        ({"danger_self": YES}, (CO,), "danger_to_self"),
        ({"response_plan": YES}, (CIT,), "default"),
    ],
)
def test_a_published_rule_set_of_the_first_version_still_compiles(answers, units, key):
    compiled = triage.compile_rules(LEGACY_RULES)
    result = triage.evaluate(compiled, triage.clean_answers(answers))
    assert result.units == units
    assert result.matched[0] == key
    assert [r["key"] for r in triage.upgrade_rules(LEGACY_RULES)] == [
        "crime_in_progress",
        "danger_to_self",
        "default",
    ]


def test_legacy_answers_are_read_as_they_meant():
    cleaned = triage.clean_answers({"danger_self": YES, "crime_in_progress": YES})
    assert cleaned["danger_self"] == "at_risk"
    assert cleaned["crime_in_progress"] == "violent"


def test_a_transfer_not_taken_falls_back_to_the_next_recommendation():
    rules = triage.compile_rules(triage.default_rules())
    answers = triage.clean_answers({**OPEN, "danger_self": "thoughts", "caller_in_crisis": YES})
    assert triage.evaluate(rules, answers).units == (T988,)
    fallback = triage.evaluate(rules, answers, EVERYONE, without_transfer=True)
    assert fallback.units == (MC,)
    assert "warm_transfer" not in fallback.matched


def test_a_busy_mobile_crisis_team_queues_the_call():
    busy = Availability(
        cit_on_shift=True,
        team_kinds=frozenset({TeamKind.CO_RESPONDER}),
        busy_kinds=frozenset({TeamKind.MOBILE_CRISIS}),
    )
    result = run(OPEN, busy)
    assert result.units == (MC,)
    assert result.queued_kinds == {TeamKind.MOBILE_CRISIS}
    assert result.reasons[-1] == (
        "Every mobile crisis team on duty is on a call: the call waits in the queue, or choose "
        "another route and say why."
    )


@pytest.mark.parametrize("cit_on_shift", [True, False])
def test_a_low_risk_call_with_no_team_on_duty_is_referred_not_sent_to_patrol(cit_on_shift):
    result = run(OPEN, Availability(cit_on_shift=cit_on_shift))
    assert result.units == (FU,)
    assert result.rules_route == MC
    assert result.adjusted
    assert "refer the call for follow-up" in result.reasons[-1]


@pytest.mark.parametrize(
    ("cit_on_shift", "sent"), [(True, Routing.CIT_OFFICER), (False, Routing.PATROL_PRIORITY)]
)
def test_thoughts_of_suicide_with_no_team_on_duty_get_a_unit_not_a_referral(cit_on_shift, sent):
    """A call the mobile crisis team would take is referred for follow-up only when no risk
    to self is known: with thoughts of suicide and no transfer, someone goes now."""
    answers = {**OPEN, "danger_self": triage.RISK_THOUGHTS}
    result = run(answers, Availability(cit_on_shift=cit_on_shift))
    assert result.rules_route == MC
    assert result.units == (sent,)
    assert FU not in result.units
    assert any("risk to self is not ruled out" in reason for reason in result.reasons)


def test_an_added_mobile_crisis_team_with_none_on_duty_is_left_out():
    result = run({**OPEN, "crime_in_progress": "violent"}, Availability(cit_on_shift=True))
    assert result.units == (P,)


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


def test_availability_leaves_ems_and_988_alone():
    nobody = Availability(cit_on_shift=False)
    assert run({**CALM, "medical_emergency": YES}, nobody).route == Routing.EMS
    transfer = {**OPEN, "caller_in_crisis": YES}
    assert run(transfer, nobody).route == Routing.TRANSFER_988


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
