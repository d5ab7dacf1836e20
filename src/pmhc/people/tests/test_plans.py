"""Response plans: writing, second-person approval, versions, review dates, retiring, who may
write and read them, and what the audit trail keeps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch.tests.helpers import member
from pmhc.dispatch.tests.plans import SAFETY_LINE, content, plan_world
from pmhc.people import consent_services, plan_selectors, plan_services
from pmhc.people import services as people_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import CONSENT_DATA_CLASSES
from pmhc.people.plan_models import (
    RESPONSE_PLAN_DATA_CLASS,
    PlanStatus,
    ResponsePlan,
    ResponsePlanVersion,
    VersionStatus,
)
from pmhc.platform.access import Action, decide, system_actor
from pmhc.platform.models import AuditEvent, Purpose, Role

pytestmark = pytest.mark.django_db
CALL = Purpose.ACTIVE_CALL


def test_consent_covers_plans_apart_from_clinical_notes() -> None:
    assert RESPONSE_PLAN_DATA_CLASS in CONSENT_DATA_CLASSES


def test_a_second_person_approves_never_the_author(cast: Cast) -> None:
    world = plan_world(cast)
    assert world.version.status == VersionStatus.APPROVED
    assert world.version.approver_id == world.approver.pk != world.version.author_id
    assert world.plan.status == PlanStatus.APPROVED
    assert world.plan.approved_version_id == world.version.pk
    author = cast.actor(world.author)
    draft = plan_services.save_draft(author, person=world.person, content=content())
    plan_services.submit(author, version=draft)
    with pytest.raises(ValidationError, match="second person"):
        plan_services.approve(author, version=draft)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.SUBMITTED and draft.approver_id is None
    # The database refuses it too, whatever the code path.
    with pytest.raises(IntegrityError), transaction.atomic():
        ResponsePlanVersion.objects.filter(pk=draft.pk).update(
            approver_id=world.author.pk,
            approved_at=timezone.now(),
            status=VersionStatus.APPROVED,
        )


def test_every_change_is_a_new_version_and_the_history_stays(cast: Cast) -> None:
    world = plan_world(cast)
    author, approver = cast.actor(world.author), cast.actor(world.approver)
    second = plan_services.save_draft(
        author, person=world.person, content=content(safety_concern="No weapons now")
    )
    assert second.number == 2 and second.status == VersionStatus.DRAFT
    # Saving again changes the same draft: one version in the making at a time.
    again = plan_services.save_draft(
        author, person=world.person, content=content(safety_concern="No weapons at all")
    )
    assert again.pk == second.pk
    world.plan.refresh_from_db()
    assert world.plan.approved_version_id == world.version.pk  # responders still see v1
    plan_services.submit(author, version=again)
    plan_services.approve(approver, version=again)
    plan_services.approve(approver, version=again)  # a repeated submit changes nothing
    world.plan.refresh_from_db()
    assert world.plan.approved_version_id == again.pk
    statuses = dict(world.plan.versions.values_list("number", "status"))
    assert statuses == {1: VersionStatus.SUPERSEDED, 2: VersionStatus.APPROVED}
    shown = plan_selectors.person_plan(approver, world.person)
    assert [v.number for v in shown.history] == [2, 1]
    assert shown.history[1].safety_concern == SAFETY_LINE


def test_the_review_date_is_required_ahead_and_marks_the_plan_out_of_date(cast: Cast) -> None:
    world = plan_world(cast)
    author = cast.actor(world.author)
    today = timezone.localdate()
    for bad in (today, today - dt.timedelta(days=1), today + dt.timedelta(days=400)):
        with pytest.raises(ValidationError) as caught:
            plan_services.save_draft(author, person=world.person, content=content(review_on=bad))
        assert "review_on" in caught.value.message_dict
    assert not plan_selectors.person_plan(author, world.person).out_of_date
    ResponsePlanVersion.objects.filter(pk=world.version.pk).update(
        review_on=today - dt.timedelta(days=1)
    )
    assert plan_selectors.person_plan(author, world.person).out_of_date
    notices = plan_selectors.safety_lines(
        cast.actor(world.call_taker), [world.plan], CALL, detail="test"
    )
    assert notices[0].out_of_date


def test_a_plan_says_something_and_keeps_to_its_limits(cast: Cast) -> None:
    world = plan_world(cast)
    author = cast.actor(world.author)
    empty = content(safety_concern="", behaviors="", triggers="", de_escalation=[], contacts=[])
    with pytest.raises(ValidationError, match="at least one"):
        plan_services.save_draft(author, person=world.person, content=empty)
    with pytest.raises(ValidationError) as caught:
        plan_services.save_draft(
            author,
            person=world.person,
            content=content(safety_concern="x" * 201, de_escalation=["step"] * 11),
        )
    assert {"safety_concern", "de_escalation"} <= set(caught.value.message_dict)
    contact = plan_services.Contact("No way to reach", "family", "")
    with pytest.raises(ValidationError) as caught:
        plan_services.save_draft(author, person=world.person, content=content(contacts=[contact]))
    assert "contacts" in caught.value.message_dict


def test_only_the_plans_writers_of_an_organization_that_may_read_the_person_write(
    cast: Cast,
) -> None:
    world = plan_world(cast)
    for user in (world.officer, world.call_taker, world.outsider_officer, cast.admin):
        with pytest.raises(PermissionDenied):
            plan_services.save_draft(cast.actor(user), person=world.person, content=content())
    outsider_clinician = member(cast.outsider_org, Role.CLINICIAN)
    with pytest.raises(PermissionDenied):
        plan_services.save_draft(
            cast.actor(outsider_clinician), person=world.person, content=content()
        )
    # Nothing was written by any of them.
    assert ResponsePlanVersion.objects.count() == 1


def test_approving_needs_a_writer_of_the_holder(cast: Cast) -> None:
    world = plan_world(cast)
    author = cast.actor(world.author)
    draft = plan_services.save_draft(author, person=world.person, content=content())
    plan_services.submit(author, version=draft)
    agency_clinician = member(cast.agency, Role.CLINICIAN)
    for user in (world.supervisor, agency_clinician, world.officer):
        with pytest.raises(PermissionDenied):
            plan_services.approve(cast.actor(user), version=draft)


def test_retiring_hides_the_plan_from_responders_and_keeps_its_history(cast: Cast) -> None:
    world = plan_world(cast)
    assert plan_selectors.approved_plans_on_call(world.call.pk) == [world.plan]
    with pytest.raises(PermissionDenied):
        plan_services.retire(cast.actor(world.officer), plan=world.plan)
    plan_services.retire(cast.actor(world.approver), plan=world.plan)
    plan_services.retire(cast.actor(world.approver), plan=world.plan)
    assert plan_selectors.approved_plans_on_call(world.call.pk) == []
    with pytest.raises(ValidationError, match="retired"):
        plan_services.save_draft(cast.actor(world.author), person=world.person, content=content())
    assert len(plan_selectors.person_plan(cast.actor(world.author), world.person).history) == 1
    assert AuditEvent.objects.filter(action=PeopleAudit.PLAN_RETIRED).count() == 1


def test_the_trail_keeps_each_step_and_never_the_plans_words(cast: Cast) -> None:
    plan_world(cast)
    steps = list(
        AuditEvent.objects.filter(object_type="people.responseplanversion")
        .order_by("pk")
        .values_list("action", "after", "organization_id")
    )
    assert [action for action, _after, _org in steps] == [
        PeopleAudit.PLAN_DRAFTED,
        PeopleAudit.PLAN_SUBMITTED,
        PeopleAudit.PLAN_APPROVED,
    ]
    for _action, after, organization in steps:
        assert organization == cast.partner.pk and after is not None
        text = str(after)
        assert SAFETY_LINE not in text and "Offer water" not in text and "555-0100" not in text
        assert after["number"] == 1 and after["status"]


def test_a_plan_crosses_to_the_agency_only_under_agreement_and_consent(cast: Cast) -> None:
    world = plan_world(cast)
    officer = cast.actor(world.officer)
    assert decide(officer, Action.VIEW, world.plan, CALL)
    # The consent to share the plan says nothing about clinical notes.
    assert "clinical" not in world.consent.data_classes
    consent_services.revoke_consent(
        system_actor(),
        consent=world.consent,
        purpose=Purpose.CASE_MANAGEMENT,
    )
    assert not decide(cast.actor(world.officer), Action.VIEW, world.plan, CALL)
    # The holder's own writers still read it for case management.
    assert decide(cast.actor(world.approver), Action.VIEW, world.plan, Purpose.CASE_MANAGEMENT)


def test_the_holders_responders_read_a_plan_of_their_own_without_consent(cast: Cast) -> None:
    taker = member(cast.agency, Role.CALL_TAKER)
    person = people_services.create_person(
        cast.actor(taker), organization=cast.agency, purpose=CALL, family_name="Own"
    )
    clinician = member(cast.agency, Role.CLINICIAN)
    manager = member(cast.agency, Role.CASE_MANAGER)
    draft = plan_services.save_draft(cast.actor(clinician), person=person, content=content())
    plan_services.submit(cast.actor(clinician), version=draft)
    plan_services.approve(cast.actor(manager), version=draft)
    plan = ResponsePlan.objects.get(pk=draft.plan_id)
    assert decide(cast.actor(cast.colleague), Action.VIEW, plan, CALL)
    # Call-takers and analysts never read a whole plan; the partner does without consent not.
    for role in (Role.CALL_TAKER, Role.ANALYST, Role.ADMINISTRATOR):
        assert not decide(cast.actor(member(cast.agency, role)), Action.VIEW, plan, CALL)
    assert not decide(cast.actor(member(cast.partner, Role.CLINICIAN)), Action.VIEW, plan, CALL)
