"""The demo's year of calls and encounters: its size, its story and its effect sizes."""

from __future__ import annotations

import datetime as dt
import math
import zoneinfo
from collections import Counter

import pytest

from pmhc.demo import generator
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call, CallImport, ImportStatus
from pmhc.planning.models import CommunityProfile
from pmhc.platform import audit
from pmhc.platform.models import AuditEvent
from pmhc.response.demo import BASE, CIT_ODDS, with_odds
from pmhc.response.models import Encounter, EncounterPerson, EncounterStatus


def odds_ratio(yes_a: int, all_a: int, yes_b: int, all_b: int) -> float:
    return (yes_a / (all_a - yes_a)) / (yes_b / (all_b - yes_b))


def test_with_odds_moves_a_rate_by_an_odds_ratio():
    assert with_odds(0.5, 1.0) == pytest.approx(0.5)
    # 10% is odds 1:9; halving gives 1:18, i.e. 1/19.
    assert with_odds(0.10, 0.5) == pytest.approx(1 / 19)
    assert odds_ratio(1, 19, 1, 10) == pytest.approx(0.5)


def test_the_operate_demo(db):
    """One build (it is the slow part), every property of the story checked on it."""
    ctx = generator.build(password="demo-password-for-tests", log=lambda _: None)
    _a_year_of_calls_sized_by_the_plan(ctx)
    _night_east_has_no_cit_officer_on_scene(ctx)
    _cit_encounters_show_the_published_effect_sizes(ctx)
    _some_people_are_met_again()
    _reports_wait_in_every_state_of_review(ctx)
    _the_mobile_crisis_team_at_work(ctx)
    _a_response_plan_on_a_call_just_received(ctx)
    _a_consent_and_a_read_across_organizations_under_it(ctx)
    _a_directory_with_capacity_now(ctx)
    assert audit.verify().ok


def _a_directory_with_capacity_now(operate_demo):
    from pmhc.care import directory_selectors
    from pmhc.care.demo_directory import CENTRE, PLACES
    from pmhc.care.models import Service
    from pmhc.platform.access import actor_for_user

    pd = operate_demo.organizations["pd"]
    assert Service.objects.filter(organization=pd, active=True).count() == len(PLACES)
    officer = actor_for_user(operate_demo.users["officer"])
    need = directory_selectors.NeedFor(
        latitude=CENTRE[0], longitude=CENTRE[1], age=35, police_drop_off=True,
        kind="crisis_center",
    )  # fmt: skip
    first = directory_selectors.places_now(officer, need)[0]
    assert first.service.name == "Example County Crisis Stabilization Center"
    assert first.fresh.minutes == 1 and not first.fresh.stale and not first.full
    # The crisis center's own staff (the behavioral health center's) gave the figure.
    assert first.service.provider == operate_demo.organizations["bhc"]
    assert first.service.capacity_updates.get().updated_by == operate_demo.users["case_manager"]
    sobering = Service.objects.get(organization=pd, external_id="SOB-1")
    assert directory_selectors.freshness(sobering).stale


def _a_year_of_calls_sized_by_the_plan(operate_demo):
    pd = operate_demo.organizations["pd"]
    profile = CommunityProfile.objects.get(organization=pd)
    # The year from the CAD export (a call just received, for the response plan, is apart).
    calls = Call.objects.filter(organization=pd, import_batch__isnull=False)
    assert calls.count() == profile.mh_calls_per_year
    first = calls.order_by("received_at").first()
    last = calls.order_by("received_at").last()
    assert first is not None and last is not None
    span = last.received_at - first.received_at
    assert dt.timedelta(days=360) < span <= dt.timedelta(days=366)
    assert last.received_at.date() <= operate_demo.today
    # One import, audited once, with every row in.
    batch = CallImport.objects.get(organization=pd)
    assert batch.status == ImportStatus.DONE
    assert batch.imported == calls.count() and batch.rejected == 0
    assert AuditEvent.objects.filter(action=DispatchAudit.CALLS_IMPORTED).count() == 1
    # The newest calls went through the protocol, with a rule version and reasons.
    triaged = calls.exclude(recommendation="")
    assert triaged.count() == 30
    assert all(call.rule_set_id and call.reasons for call in triaged)


def _night_east_has_no_cit_officer_on_scene(operate_demo):
    pd = operate_demo.organizations["pd"]
    zone = zoneinfo.ZoneInfo(pd.time_zone)
    east = Encounter.objects.filter(organization=pd, call__district="East").values_list(
        "call__received_at", "responders__cit_certified"
    )
    night = [cit for moment, cit in east if not 7 <= moment.astimezone(zone).hour < 23]
    assert night, "the demo has night calls in East"
    assert not any(night)


def _rates(encounters) -> dict[bool, Counter[str]]:
    rates: dict[bool, Counter[str]] = {True: Counter(), False: Counter()}
    for cit, outcome, force in encounters:
        tally = rates[cit]
        tally["all"] += 1
        tally["arrest"] += outcome == "arrest"
        tally["connected"] += outcome in {"connected", "detained"}
        tally["verbal"] += force == "verbal"
    return rates


def _cit_encounters_show_the_published_effect_sizes(operate_demo):
    pd = operate_demo.organizations["pd"]
    accepted = Encounter.objects.filter(
        organization=pd, status=EncounterStatus.ACCEPTED, call__district__gt=""
    ).exclude(responders__role="clinician")
    rows = [
        (
            any(r.cit_certified for r in e.responders.all()),
            e.disposition.outcome if e.disposition else "",
            e.highest_force,
        )
        for e in accepted.prefetch_related("responders").select_related("disposition")
    ]
    rates = _rates(rows)
    cit, other = rates[True], rates[False]
    assert cit["all"] > 1000 and other["all"] > 500
    arrest = odds_ratio(cit["arrest"], cit["all"], other["arrest"], other["all"])
    connected = odds_ratio(cit["connected"], cit["all"], other["connected"], other["all"])
    verbal = odds_ratio(cit["verbal"], cit["all"], other["verbal"], other["all"])
    # Within sampling error of the odds ratios the demo draws from.
    assert math.isclose(arrest, CIT_ODDS["arrest"], rel_tol=0.35), arrest
    assert math.isclose(connected, CIT_ODDS["connected"], rel_tol=0.3), connected
    assert math.isclose(verbal, CIT_ODDS["verbal"], rel_tol=0.3), verbal
    # And the base rate for other officers is the demo's own.
    assert math.isclose(other["arrest"] / other["all"], BASE["arrest"], rel_tol=0.35)


def _some_people_are_met_again():
    per_person = Counter(EncounterPerson.objects.values_list("person_id", flat=True))
    repeat = sum(1 for count in per_person.values() if count > 1)
    assert 0.1 < repeat / len(per_person) < 0.35
    assert max(per_person.values()) >= 4


def _reports_wait_in_every_state_of_review(operate_demo):
    officer = operate_demo.users["officer"]
    mine = Counter(Encounter.objects.filter(filed_by=officer).values_list("status", flat=True))
    assert mine == {
        EncounterStatus.SUBMITTED: 2,
        EncounterStatus.RETURNED: 1,
        EncounterStatus.DRAFT: 1,
    }


def _the_mobile_crisis_team_at_work(operate_demo):
    from pmhc.dispatch import unit_selectors
    from pmhc.dispatch.models import AssignmentStatus, CallAssignment, TeamKind
    from pmhc.platform.access import actor_for_user
    from pmhc.response.contact_selectors import follow_ups_due
    from pmhc.response.models import ContactNote

    clinician = actor_for_user(operate_demo.users["clinician"])
    teams = unit_selectors.my_teams(clinician)
    assert {team.kind for team in teams} == {TeamKind.MOBILE_CRISIS, TeamKind.CO_RESPONDER}
    mobile = next(team for team in teams if team.kind == TeamKind.MOBILE_CRISIS)
    statuses = Counter(CallAssignment.objects.filter(team=mobile).values_list("status", flat=True))
    assert statuses == {AssignmentStatus.CLEAR: 2, AssignmentStatus.SENT: 1}
    assert [a.status for a in unit_selectors.unit_calls(clinician, teams)] == ["sent"]
    notes = ContactNote.objects.filter(organization=operate_demo.organizations["bhc"])
    assert notes.count() == 2
    due = follow_ups_due(actor_for_user(operate_demo.users["case_manager"]))
    assert len(due) == 2 and all(row.person is not None for row in due)


def _a_response_plan_on_a_call_just_received(operate_demo):
    from pmhc.dispatch import plan_selectors
    from pmhc.platform.access import actor_for_user
    from pmhc.response.demo_plans import CALL_ID

    call = Call.objects.get(organization=operate_demo.organizations["pd"], cad_event_id=CALL_ID)
    users = operate_demo.users
    taker = plan_selectors.call_plans(actor_for_user(users["call_taker"]), call)
    assert len(taker.notices) == 1 and taker.notices[0].safety_concern
    assert not taker.may_open
    officer = actor_for_user(users["officer"])
    seen = plan_selectors.call_plans(officer, call)
    assert seen.purpose == "active_call"
    shown = plan_selectors.plan_on_call(officer, call.pk, seen.notices[0].plan_id)
    # Written by the behavioral health center, shown to police by the person's consent.
    assert shown.plan.organization == operate_demo.organizations["bhc"]
    assert len(shown.version.de_escalation) == 4 and not shown.out_of_date


def _a_consent_and_a_read_across_organizations_under_it(operate_demo):
    from pmhc.people.models import Consent
    from pmhc.response.audit_codes import ResponseAudit

    reads = AuditEvent.objects.filter(
        action=ResponseAudit.CONTACT_NOTE_READ,
        organization_id=operate_demo.organizations["bhc"].pk,
        detail__contains="shared under consent ",
    )
    assert reads.count() == 1
    consent_id = int(reads.get().detail.rsplit("shared under consent ", 1)[1].split(";")[0])
    consent = Consent.objects.get(pk=consent_id)
    assert consent.organization == operate_demo.organizations["pd"]
    assert consent.revoked_at is None and consent.valid_until is not None
