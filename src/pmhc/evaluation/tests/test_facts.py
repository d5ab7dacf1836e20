"""Each column of a call's fact, on hand-made calls and reports (``fact_builder``)."""

from __future__ import annotations

import datetime as dt

import pytest

from pmhc.dispatch.models import CallTransfer, DatePrecision, Routing
from pmhc.evaluation import fact_builder, metrics
from pmhc.evaluation.models import CallFact
from pmhc.evaluation.tests import world
from pmhc.response.models import EncounterStatus, ResponderRole


@pytest.fixture
def agency(cast):
    organization = world.utc_org(cast.agency)
    world.shifts(organization)
    return organization


def fact(organization, call) -> CallFact:
    fact_builder.write_facts(organization, [call.pk])
    return CallFact.objects.get(call_id=call.pk)


def test_dates_shift_and_minutes(agency):
    call = world.call(
        agency,
        world.at(2026, 3, 4, 23, 30),
        first_arrival_at=world.at(2026, 3, 4, 23, 42),
        district="North",
        apco_type="MH",
        priority=2,
    )
    row = fact(agency, call)
    assert (row.month, row.day, row.weekday) == (dt.date(2026, 3, 1), dt.date(2026, 3, 4), 2)
    assert row.shift == "Night"
    assert (row.district, row.apco_type, row.priority) == ("North", "MH", 2)
    assert row.minutes_to_scene == 12
    assert row.mental_health and not row.reported
    assert row.officer_minutes is None


def test_a_call_known_to_its_month_keeps_the_month_only(agency):
    call = world.call(
        agency,
        world.at(2026, 3, 1, 9),
        received_precision=DatePrecision.MONTH,
        first_arrival_at=world.at(2026, 3, 1, 9, 10),
    )
    row = fact(agency, call)
    assert row.month == dt.date(2026, 3, 1)
    assert (row.day, row.weekday, row.shift, row.minutes_to_scene) == (None, None, "", None)


def test_months_are_the_agencys_local_months(cast):
    agency = cast.agency  # America/Chicago
    agency.time_zone = "America/Chicago"
    agency.save()
    call = world.call(agency, world.at(2026, 4, 1, 3))  # 22:00 on 31 March in Chicago
    row = fact(agency, call)
    assert row.month == dt.date(2026, 3, 1)
    assert row.day == dt.date(2026, 3, 31)


def test_route_decision_then_recommendation_then_what_answered(agency):
    decided = world.call(
        agency, world.at(2026, 3, 2), recommendation=Routing.MOBILE_CRISIS, decision="ems"
    )
    recommended = world.call(agency, world.at(2026, 3, 2), recommendation=Routing.MOBILE_CRISIS)
    cit = world.call(agency, world.at(2026, 3, 2), cit_dispatched=True)
    patrol = world.call(agency, world.at(2026, 3, 2), units=["1N20"])
    nothing = world.call(agency, world.at(2026, 3, 2))
    with_clinician = world.call(agency, world.at(2026, 3, 2))
    encounter = world.report(with_clinician)
    world.responder(encounter, role="clinician")
    world.responder(encounter, role="officer")
    assert fact(agency, decided).route == "ems"
    assert fact(agency, recommended).route == Routing.MOBILE_CRISIS
    assert fact(agency, cit).route == Routing.CIT_OFFICER
    assert fact(agency, patrol).route == Routing.PATROL_PRIORITY
    assert fact(agency, nothing).route == ""
    row = fact(agency, with_clinician)
    assert row.route == Routing.CO_RESPONDER
    assert row.clinician and row.cit_or_clinician


def test_clinician_routes_matched_or_unavailable(agency):
    matched = world.call(agency, world.at(2026, 3, 2), recommendation=Routing.CO_RESPONDER)
    downgraded = world.call(
        agency,
        world.at(2026, 3, 2),
        recommendation=Routing.MOBILE_CRISIS,
        decision=Routing.PATROL_PRIORITY,
    )
    other = world.call(agency, world.at(2026, 3, 2), recommendation=Routing.CIT_OFFICER)
    a, b, c = fact(agency, matched), fact(agency, downgraded), fact(agency, other)
    assert (a.matched_clinician_route, a.clinician_route_unavailable) == (True, False)
    assert (b.matched_clinician_route, b.clinician_route_unavailable) == (False, True)
    assert (c.matched_clinician_route, c.clinician_route_unavailable) == (False, False)
    assert a.clinician and not b.clinician and not c.clinician
    assert b.recommended == Routing.MOBILE_CRISIS


def test_cit(agency):
    arrived = world.call(agency, world.at(2026, 3, 2), cit_arrived=True)
    on_report = world.call(agency, world.at(2026, 3, 2))
    world.responder(world.report(on_report), cit_certified=True)
    neither = world.call(agency, world.at(2026, 3, 2))
    world.responder(world.report(neither), cit_certified=False)
    assert fact(agency, arrived).cit_responder and fact(agency, arrived).cit_or_clinician
    assert fact(agency, on_report).cit_responder
    assert not fact(agency, neither).cit_or_clinician


def test_an_officer_responded(agency):
    cad = world.call(agency, world.at(2026, 3, 2), cit_arrived=True)
    officer = world.call(agency, world.at(2026, 3, 2))
    world.responder(world.report(officer), role="officer")
    clinician = world.call(agency, world.at(2026, 3, 2))
    world.responder(world.report(clinician), role="clinician")
    nobody = world.call(agency, world.at(2026, 3, 2))
    world.report(nobody)
    assert fact(agency, cad).officer_responder and fact(agency, officer).officer_responder
    assert not fact(agency, clinician).officer_responder
    assert not fact(agency, nobody).officer_responder
    routed = world.call(agency, world.at(2026, 3, 2), decision=Routing.TRANSFER_988)
    accepted = world.call(agency, world.at(2026, 3, 2))
    CallTransfer.objects.create(
        call=accepted, line="988", transferred_at=world.at(2026, 3, 2), accepted=True
    )
    refused = world.call(agency, world.at(2026, 3, 2))
    CallTransfer.objects.create(
        call=refused, line="988", transferred_at=world.at(2026, 3, 2), accepted=False
    )
    assert (fact(agency, routed).transfer_988, fact(agency, routed).transfer_988_accepted) == (
        True,
        False,
    )
    assert fact(agency, accepted).transfer_988_accepted
    row = fact(agency, refused)
    assert row.transfer_988 and not row.transfer_988_accepted


def test_only_the_newest_accepted_report_counts(agency):
    call = world.call(agency, world.at(2026, 3, 2))
    world.report(call, law_outcome="arrested")
    world.report(call, law_outcome="none")
    world.report(call, law_outcome="arrested", status=EncounterStatus.SUBMITTED)
    row = fact(agency, call)
    assert row.reported and not row.arrested
    draft_only = world.call(agency, world.at(2026, 3, 2))
    world.report(draft_only, law_outcome="arrested", status=EncounterStatus.DRAFT)
    row = fact(agency, draft_only)
    assert not row.reported and not row.arrested


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"highest_force": "verbal"}, {"force_above_presence": False}),
        ({"highest_force": "hands_on"}, {"force_above_presence": True}),
        ({"highest_force": "less_lethal"}, {"force_above_presence": True}),
        ({"officer_injury": "minor"}, {"officer_injured": True, "subject_injured": False}),
        ({"subject_injury": "serious"}, {"subject_injured": True, "officer_injured": False}),
        (
            {"arrest_eligible": True, "law_outcome": "diverted"},
            {"arrest_eligible": True, "diverted": True, "arrested": False},
        ),
        ({"arrest_eligible": False, "law_outcome": "diverted"}, {"diverted": False}),
        ({"arrest_eligible": True, "law_outcome": "arrested"}, {"arrested": True}),
        (
            {"transport": "voluntary", "destination_kind": "emergency_department"},
            {"transported": True, "transport_ed": True, "connected": False},
        ),
        (
            {"transport": "voluntary", "destination_kind": "crisis_center"},
            {"transported": True, "transport_crisis": True, "connected": True},
        ),
        (
            {"transport": "none", "destination_kind": "crisis_center"},
            {"transported": False, "transport_crisis": False, "connected": False},
        ),
        ({"outcome": "connected"}, {"connected": True}),
        ({"outcome": "declined"}, {"connected": False}),
    ],
)
def test_report_flags(agency, fields, expected):
    call = world.call(agency, world.at(2026, 3, 2))
    world.report(call, **fields)
    row = fact(agency, call)
    assert row.reported
    assert {name: getattr(row, name) for name in expected} == expected


def test_officer_minutes_sum_the_responders(agency):
    call = world.call(agency, world.at(2026, 3, 2, 10))
    encounter = world.report(
        call, arrived_at=world.at(2026, 3, 2, 10, 10), back_in_service_at=world.at(2026, 3, 2, 11)
    )
    world.responder(
        encounter, arrived_at=world.at(2026, 3, 2, 10, 5), cleared_at=world.at(2026, 3, 2, 10, 35)
    )
    world.responder(encounter)  # the report's own times stand in: 50 minutes
    # A clinician's and another responder's time are not officers' minutes.
    world.responder(encounter, role=ResponderRole.CLINICIAN)
    world.responder(encounter, role=ResponderRole.OTHER)
    assert fact(agency, call).officer_minutes == 80


def test_officer_minutes_are_empty_without_an_officer(agency):
    call = world.call(agency, world.at(2026, 3, 2, 10))
    encounter = world.report(
        call, arrived_at=world.at(2026, 3, 2, 10, 10), back_in_service_at=world.at(2026, 3, 2, 11)
    )
    world.responder(encounter, role=ResponderRole.CLINICIAN)
    row = fact(agency, call)
    assert row.reported and row.officer_minutes is None
    assert metrics.BY_KEY["officer_minutes"].version == 2
    assert metrics.BY_KEY["officer_minutes"].changes


def test_referrals_and_attendance_within_30_days(agency):
    who = world.person(agency)
    sent = world.at(2026, 3, 2, 13)
    attended = world.call(agency, world.at(2026, 3, 2))
    world.referral(world.report(attended), who, sent, sent + dt.timedelta(days=30))
    late = world.call(agency, world.at(2026, 3, 2))
    world.referral(world.report(late), who, sent, sent + dt.timedelta(days=31))
    pending = world.call(agency, world.at(2026, 3, 2))
    world.referral(world.report(pending), who, sent)
    a, b, c = fact(agency, attended), fact(agency, late), fact(agency, pending)
    assert a.referred and a.referral_attended_30d and a.connected
    assert b.referred and not b.referral_attended_30d
    assert c.referred and not c.referral_attended_30d and c.connected


def test_race_of_the_person_in_crisis(agency):
    one = world.call(agency, world.at(2026, 3, 2))
    world.subject(world.report(one), world.person(agency), ["black"])
    several = world.call(agency, world.at(2026, 3, 2))
    world.subject(world.report(several), world.person(agency), ["black", "hispanic"])
    unrecorded = world.call(agency, world.at(2026, 3, 2))
    world.subject(world.report(unrecorded), world.person(agency), [])
    nobody = world.call(agency, world.at(2026, 3, 2))
    world.report(nobody)
    assert fact(agency, one).race_ethnicity == "black"
    assert fact(agency, several).race_ethnicity == "multiple"
    assert fact(agency, unrecorded).race_ethnicity == "not_recorded"
    assert fact(agency, nobody).race_ethnicity == ""


def test_repeat_within_90_days_before(cast, agency):
    who = world.person(agency)
    earlier = world.call(agency, world.at(2026, 1, 10))
    world.on_call(earlier, who)
    within = world.call(agency, world.at(2026, 4, 9))  # 89 days after
    world.subject(world.report(within), who)
    beyond = world.call(agency, world.at(2026, 4, 11))  # 91 days after the first
    other = world.person(agency)
    world.subject(world.report(beyond), other)
    first_time = world.call(agency, world.at(2026, 7, 20))  # 100 days after the second
    world.subject(world.report(first_time), who)
    # An encounter of the same person on a later call does not make an earlier one a repeat.
    assert fact(agency, within).repeat_90d
    assert not fact(agency, beyond).repeat_90d
    assert not fact(agency, first_time).repeat_90d
    # Another report of the person (not the call's) counts too.
    again = world.call(agency, world.at(2026, 7, 25))
    world.subject(world.report(again), who)
    assert fact(agency, again).repeat_90d
    # Another agency's call does not.
    outside = world.call(cast.outsider_org, world.at(2026, 7, 1))
    world.on_call(outside, who)
    assert not fact(agency, first_time).repeat_90d


def test_facts_are_replaced_by_call_and_follow_a_moved_call(agency):
    call = world.call(agency, world.at(2026, 3, 2))
    months = fact_builder.write_facts(agency, [call.pk])
    assert months == {dt.date(2026, 3, 1)}
    call.received_at = world.at(2026, 5, 2)
    call.save()
    months = fact_builder.write_facts(agency, [call.pk])
    assert months == {dt.date(2026, 3, 1), dt.date(2026, 5, 1)}
    assert CallFact.objects.filter(call_id=call.pk).count() == 1


def test_a_chunk_takes_a_constant_number_of_queries(agency, django_assert_num_queries):
    def make(n):
        ids = []
        for i in range(n):
            call = world.call(agency, world.at(2026, 3, 2 + i))
            encounter = world.report(call)
            world.responder(encounter)
            who = world.person(agency)
            world.subject(encounter, who)
            world.referral(encounter, who, world.at(2026, 3, 3 + i))
            ids.append(call.pk)
        return ids

    few = make(2)
    # shifts, old months, delete, calls, reports, responders, subjects, referrals,
    # transfers, teams, history on calls, history on reports, and the insert
    queries = 13
    with django_assert_num_queries(queries):
        fact_builder.write_facts(agency, few)
    many = few + make(6)
    with django_assert_num_queries(queries):
        fact_builder.write_facts(agency, many)
