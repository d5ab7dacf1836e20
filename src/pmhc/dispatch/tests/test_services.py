"""Writes to calls, triage, units, people, rules and the duty board: audited, refused for the
wrong actor with nothing written, versioned rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pmhc.dispatch import rules_services, services, triage
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import Call, CallAssignment, Routing, TeamKind, TriageRuleSet
from pmhc.dispatch.tests.helpers import cad_id, cit_officer_on_duty, member, team_all_week
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person
from pmhc.platform import audit
from pmhc.platform.models import AuditEvent, Role
from pmhc.training.tests.factories import TraineeFactory, certify

pytestmark = pytest.mark.django_db


def new_call(cast, actor_user=None, **fields):
    user = actor_user or member(cast.agency, Role.CALL_TAKER)
    return services.create_call(
        cast.actor(user),
        organization=cast.agency,
        cad_event_id=fields.pop("cad_event_id", cad_id()),
        received_at=fields.pop("received_at", timezone.now()),
        **fields,
    )


def test_create_call_is_audited_without_the_narrative_text(cast):
    call = new_call(cast, narrative="Neighbour reports shouting", mh_indicators=["distress"])
    event = AuditEvent.objects.get(action=DispatchAudit.CALL_CREATED, object_id=str(call.pk))
    after = event.after or {}
    assert after["cad_event_id"] == call.cad_event_id
    assert after["narrative_recorded"] is True
    assert "shouting" not in str(after)
    assert call.is_mental_health is True


@pytest.mark.parametrize("who", ["outsider", "partner_user", "admin", "anonymous"])
def test_create_call_refused_leaves_nothing(cast, who):
    from pmhc.platform.access import ANONYMOUS

    actor = ANONYMOUS if who == "anonymous" else cast.actor(getattr(cast, who))
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.create_call(
            actor, organization=cast.agency, cad_event_id="X-1", received_at=timezone.now()
        )
    assert Call.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_an_analyst_may_not_record_a_call(cast):
    analyst = member(cast.agency, Role.ANALYST)
    with pytest.raises(PermissionDenied):
        new_call(cast, analyst)


def test_duplicate_cad_id_names_the_existing_call(cast):
    first = new_call(cast, cad_event_id="A-1")
    with pytest.raises(services.DuplicateCall) as caught:
        new_call(cast, cad_event_id=" A-1 ")
    assert caught.value.existing_id == first.pk


def test_create_call_checks_its_fields(cast):
    now = timezone.now()
    with pytest.raises(ValidationError) as caught:
        new_call(
            cast,
            received_at=now,
            dispatched_at=now - dt.timedelta(minutes=5),
            priority=12,
            mh_indicators=["ghosts"],
            source="pigeon",
        )
    assert {"dispatched_at", "priority", "mh_indicators", "source"} <= set(
        caught.value.message_dict
    )


def test_triage_stores_answers_rules_recommendation_and_decision(cast):
    cit_officer_on_duty(cast.agency)
    team_all_week(cast.agency, TeamKind.CO_RESPONDER)
    call = new_call(cast)
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    services.triage_call(taker, call=call, answers={"danger_others": "yes", "weapons": "none"})
    call.refresh_from_db()
    assert call.recommendation == Routing.CO_RESPONDER == call.decision
    assert call.rule_set is not None and call.rule_set.version == 1
    assert call.reasons[0] == "Danger to others: an officer and a clinician respond together."
    assert call.answers["danger_others"] == "yes" and call.answers["medical_emergency"] == "unknown"
    assert call.cit_requested is True
    event = AuditEvent.objects.get(action=DispatchAudit.CALL_TRIAGED)
    assert event.before is None
    after = event.after or {}
    assert after["recommendation"] == "co_responder"
    # Which rules matched restates the answers (danger to others): a digest in the trail.
    assert after["matched"] == audit.digest(
        ["danger_to_others"], object_type="dispatch.call", object_id=str(call.pk), key="matched"
    )
    # The starting rules were published for the agency, under the product's name.
    published = AuditEvent.objects.get(action=DispatchAudit.RULES_PUBLISHED)
    assert published.actor_name == "starting rules"


def test_a_different_decision_needs_a_reason_and_a_retriage_keeps_before_and_after(cast):
    call = new_call(cast)
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.triage_call(taker, call=call, answers={}, decision=Routing.EMS)
    assert "decision_reason" in caught.value.message_dict
    assert AuditEvent.objects.count() == events
    call.refresh_from_db()
    assert call.decision == ""
    services.triage_call(taker, call=call, answers={})
    services.triage_call(
        taker, call=call, answers={}, decision=Routing.EMS, decision_reason="Caller fell"
    )
    call.refresh_from_db()
    assert call.decision == Routing.EMS
    assert call.decision_differs
    assert call.decision_reason == "Caller fell"
    last = AuditEvent.objects.filter(action=DispatchAudit.CALL_TRIAGED).first()
    assert last is not None
    assert (last.before or {})["decision"] == call.recommendation
    assert (last.after or {})["decision"] == "ems"


def test_the_audit_trail_keeps_no_protocol_answers_only_a_digest(cast):
    """Answers are safety data; administrators read the trail, so it holds which questions
    were answered and a digest that changes with them, not the answers."""
    call = new_call(cast)
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    answers = {"behavior": "Shouting at a neighbour", "violence_history": "yes"}
    services.triage_call(taker, call=call, answers=answers)
    services.triage_call(taker, call=call, answers={**answers, "violence_history": "no"})
    first, second = AuditEvent.objects.filter(action=DispatchAudit.CALL_TRIAGED).order_by(
        "sequence"
    )
    for event in (first, second):
        text = str(event.before) + str(event.after)
        assert "Shouting" not in text
        assert "'violence_history': 'yes'" not in text and "'violence_history': 'no'" not in text
    after_first, after_second = first.after or {}, second.after or {}
    assert "violence_history" in after_first["answered_questions"]
    assert audit.is_digest(after_first["answers"]) and audit.is_digest(after_second["answers"])
    assert after_first["answers"] != after_second["answers"]
    assert (second.before or {})["answers"] == after_first["answers"]


def test_triage_refused_for_a_partner_clinician_and_an_outsider(cast):
    call = new_call(cast)
    for user in (cast.partner_user, cast.outsider, member(cast.agency, Role.ANALYST)):
        with pytest.raises(PermissionDenied):
            services.triage_call(cast.actor(user), call=call, answers={})
    call.refresh_from_db()
    assert call.triaged_at is None


def test_triage_costs_the_same_queries_whatever_the_number_of_rules(cast):
    coordinator = cast.actor(cast.member)
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    rules_services.ensure_default_rules(coordinator, organization=cast.agency)

    def count_for(rules):
        draft = rules_services.save_rules_draft(coordinator, organization=cast.agency, rules=rules)
        rules_services.publish_rules(coordinator, rule_set=draft)
        call = Call.objects.select_related("organization").get(pk=new_call(cast).pk)
        services.triage_call(taker, call=call, answers={})  # compiles and caches
        call = Call.objects.select_related("organization").get(pk=new_call(cast).pk)
        with CaptureQueriesContext(connection) as queries:
            services.triage_call(taker, call=call, answers={"danger_self": "yes"})
        return len(queries)

    few = triage.default_rules()
    many = [
        {
            "key": f"extra_{n}",
            "label": f"Extra {n}",
            "all": {"danger_others": ["yes"]},
            "route": "ems",
            "reason": f"Extra {n}.",
        }
        for n in range(60)
    ] + few
    assert count_for(few) == count_for(many)


def test_rules_are_versioned_and_calls_keep_their_version(cast):
    coordinator = cast.actor(cast.member)
    first = rules_services.ensure_default_rules(coordinator, organization=cast.agency)
    assert rules_services.ensure_default_rules(coordinator, organization=cast.agency) == first
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    old_call = new_call(cast)
    services.triage_call(taker, call=old_call, answers={})
    changed = [dict(r) for r in first.rules]
    changed[-1] = changed[-1] | {"route": "co_responder", "reason": "Changed."}
    draft = rules_services.save_rules_draft(
        coordinator, organization=cast.agency, rules=changed, note="Default now co-responder"
    )
    assert draft.version == 2 and not draft.is_published
    again = rules_services.save_rules_draft(
        coordinator, organization=cast.agency, rules=changed, note="Edited"
    )
    assert again.pk == draft.pk
    published = rules_services.publish_rules(coordinator, rule_set=draft)
    assert published.is_published
    with pytest.raises(ValidationError, match="already published"):
        rules_services.publish_rules(coordinator, rule_set=published)
    first.refresh_from_db()
    assert first.rules == triage.default_rules()
    new = new_call(cast)
    services.triage_call(taker, call=new, answers={})
    old_call.refresh_from_db()
    new.refresh_from_db()
    assert old_call.rule_set_id == first.pk
    assert new.rule_set_id == published.pk
    assert new.reasons[0] == "Changed."
    saved = AuditEvent.objects.filter(action=DispatchAudit.RULES_SAVED).first()
    assert saved is not None
    assert (saved.before or {})["note"] == "Default now co-responder"
    assert (saved.after or {})["note"] == "Edited"


def test_rules_are_checked_and_written_by_coordinators_only(cast):
    with pytest.raises(ValidationError) as caught:
        rules_services.save_rules_draft(
            cast.actor(cast.member), organization=cast.agency, rules=[{"key": "x"}]
        )
    assert "rules" in caught.value.message_dict
    for user in (cast.colleague, cast.admin, member(cast.agency, Role.SUPERVISOR), cast.outsider):
        with pytest.raises(PermissionDenied):
            rules_services.save_rules_draft(
                cast.actor(user), organization=cast.agency, rules=triage.default_rules()
            )
    assert TriageRuleSet.objects.count() == 0
    assert not AuditEvent.objects.filter(action=DispatchAudit.RULES_SAVED).exists()


def test_assign_unit_records_cit_from_train_at_dispatch(cast):
    officer = cit_officer_on_duty(cast.agency)
    uncertified = TraineeFactory.create(organization=cast.agency)
    lapsed = TraineeFactory.create(organization=cast.agency)
    certify(
        lapsed,
        issued_on=timezone.localdate() - dt.timedelta(days=800),
        expires_on=timezone.localdate() - dt.timedelta(days=1),
    )
    call = new_call(cast)
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    plain = services.assign_unit(taker, call=call, trainee=uncertified)
    old = services.assign_unit(taker, call=call, trainee=lapsed)
    call.refresh_from_db()
    assert not plain.cit_certified and not old.cit_certified
    assert call.cit_dispatched is False
    assert call.dispatched_at is not None
    first_dispatch = call.dispatched_at
    cit = services.assign_unit(taker, call=call, trainee=officer)
    call.refresh_from_db()
    assert cit.cit_certified is True
    assert call.cit_dispatched is True
    assert call.dispatched_at == first_dispatch
    assert cit.unit in call.units
    event = AuditEvent.objects.filter(action=DispatchAudit.UNIT_ASSIGNED).first()
    assert event is not None and (event.after or {})["cit_certified"] is True


def test_assign_unit_refuses_other_agencies_roster_and_wrong_actors(cast):
    call = new_call(cast)
    stranger = TraineeFactory.create(organization=cast.outsider_org)
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    with pytest.raises(PermissionDenied):
        services.assign_unit(taker, call=call, trainee=stranger)
    with pytest.raises(PermissionDenied):
        services.assign_unit(cast.actor(cast.partner_user), call=call, unit="M-1")
    with pytest.raises(ValidationError):
        services.assign_unit(taker, call=call)
    assert CallAssignment.objects.count() == 0


def test_take_call_is_one_transaction(cast):
    officer = cit_officer_on_duty(cast.agency)
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    call = services.take_call(
        taker,
        organization=cast.agency,
        cad_event_id="TC-1",
        received_at=timezone.now(),
        answers={"danger_self": "yes"},
        trainees=[officer],
        person={"given_name": "Alex", "approximate_age": 30},
    )
    assert call.assignments.get().cit_certified is True
    assert call.people.get().person.given_name == "Alex"
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationError):
        services.take_call(
            taker,
            organization=cast.agency,
            cad_event_id="TC-2",
            received_at=timezone.now(),
            answers={},
            decision=Routing.EMS,
            person={"given_name": "Blake"},
        )
    assert not Call.objects.filter(cad_event_id="TC-2").exists()
    assert not Person.objects.filter(given_name="Blake").exists()
    assert AuditEvent.objects.count() == events


def test_link_person_and_record_times(cast):
    from pmhc.people import services as people_services

    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    # Received an hour ago: a time recorded on a call cannot be later than now.
    call = new_call(cast, received_at=timezone.now() - dt.timedelta(hours=1))
    person = people_services.create_person(
        taker, organization=cast.agency, purpose="active_call", given_name="Casey"
    )
    link = services.link_person(taker, call=call, person=person, role="subject")
    assert AuditEvent.objects.filter(
        action=PeopleAudit.PERSON_LINKED, object_id=str(link.pk)
    ).exists()
    with pytest.raises(ValidationError):
        services.record_times(
            taker, call=call, first_arrival_at=call.received_at - dt.timedelta(minutes=1)
        )
    arrived = call.received_at + dt.timedelta(minutes=9)
    services.record_times(taker, call=call, first_arrival_at=arrived, cit_arrived=True)
    call.refresh_from_db()
    assert call.first_arrival_at == arrived and call.cit_arrived
    event = AuditEvent.objects.get(action=DispatchAudit.CALL_CHANGED)
    assert (event.before or {"first_arrival_at": "missing"})["first_arrival_at"] is None


def test_duty_board_writes(cast):
    supervisor = cast.actor(member(cast.agency, Role.SUPERVISOR))
    shift = services.save_shift(
        supervisor,
        organization=cast.agency,
        name="Night",
        starts_at=dt.time(22),
        ends_at=dt.time(6),
    )
    with pytest.raises(ValidationError, match="already has this name"):
        services.save_shift(
            supervisor,
            organization=cast.agency,
            name="night",
            starts_at=dt.time(1),
            ends_at=dt.time(2),
        )
    team = services.save_team(
        supervisor,
        organization=cast.agency,
        name="Co-response 1",
        kind="co_responder",
        days=[0, 1, 2, 3, 4],
        starts_at=dt.time(10),
        ends_at=dt.time(18),
    )
    assert team.days == [0, 1, 2, 3, 4]
    with pytest.raises(ValidationError) as caught:
        services.save_team(
            supervisor,
            organization=cast.agency,
            name="Bad",
            kind="boat",
            days=[9],
            starts_at=dt.time(1),
            ends_at=dt.time(2),
        )
    assert {"kind", "days"} <= set(caught.value.message_dict)
    assert AuditEvent.objects.filter(action=DispatchAudit.DUTY_SAVED).count() == 2
    for user in (cast.colleague, member(cast.agency, Role.CALL_TAKER), cast.partner_user):
        with pytest.raises(PermissionDenied):
            services.save_shift(
                cast.actor(user),
                organization=cast.agency,
                name="X",
                starts_at=dt.time(1),
                ends_at=dt.time(2),
                shift=shift,
            )
    shift.refresh_from_db()
    assert shift.name == "Night"


def test_a_first_draft_comes_after_the_starting_rules(cast):
    coordinator = cast.actor(cast.member)
    rules = triage.default_rules()[:-1]
    draft = rules_services.save_rules_draft(coordinator, organization=cast.agency, rules=rules)
    assert draft.version == 2
    starting = TriageRuleSet.objects.get(version=1)
    assert starting.is_published and starting.rules == triage.default_rules()
    call = new_call(cast)
    services.triage_call(cast.actor(member(cast.agency, Role.CALL_TAKER)), call=call, answers={})
    call.refresh_from_db()
    assert call.rule_set_id == starting.pk
    assert rules_services.publish_rules(coordinator, rule_set=draft).is_published
