"""Response plans at dispatch and on scene: the call-taker sees the safety line only, the
officer sent to the call reads the whole plan, an officer not on the call gets 404 unless they
break the glass, and every read names the call."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch import plan_selectors
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch.models import AssignmentStatus, CallAssignment
from pmhc.dispatch.tests.helpers import member
from pmhc.dispatch.tests.plans import SAFETY_LINE, STEP, TRIGGER, PlanWorld, content, plan_world
from pmhc.dispatch.tests.units import crisis_team
from pmhc.people import consent_services, plan_services
from pmhc.people import services as people_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.platform import break_glass_selectors, break_glass_services
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditEvent, Purpose, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast: Cast) -> PlanWorld:
    return plan_world(cast)


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _plan_url(world: PlanWorld) -> str:
    return reverse("dispatch_call_plan", args=[world.call.pk, world.plan.pk])


def _reads(action: str = PeopleAudit.PLAN_READ) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def test_the_call_taker_sees_that_a_plan_exists_and_its_safety_line_only(
    world: PlanWorld,
) -> None:
    body = _client(world.call_taker).get(reverse("dispatch_call", args=[world.call.pk]))
    text = body.content.decode()
    assert body.status_code == 200
    assert SAFETY_LINE in text and "approved response plan" in text
    assert STEP not in text and TRIGGER not in text and _plan_url(world) not in text
    [line] = _reads(PeopleAudit.PLAN_SAFETY_LINE_READ)
    assert line.purpose == Purpose.ACTIVE_CALL and world.call.cad_event_id in line.detail
    assert _client(world.call_taker).get(_plan_url(world)).status_code == 404
    assert not _reads()


def test_the_officer_on_the_call_reads_the_whole_plan(world: PlanWorld) -> None:
    call_page = _client(world.officer).get(reverse("dispatch_call", args=[world.call.pk]))
    assert _plan_url(world) in call_page.content.decode()
    response = _client(world.officer).get(_plan_url(world))
    text = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    for said in (SAFETY_LINE, STEP, TRIGGER, "555-0100", "Hard of hearing"):
        assert said in text
    [read] = _reads()
    assert read.actor_id == world.officer.pk and read.purpose == Purpose.ACTIVE_CALL
    assert f"call {world.call.pk} ({world.call.cad_event_id})" in read.detail
    assert read.object_id == str(world.version.pk)


def test_those_not_on_the_call_get_the_404_of_a_missing_plan(world: PlanWorld) -> None:
    missing = reverse("dispatch_call_plan", args=[world.call.pk, 999_999])
    for user in (world.other_officer, world.outsider_officer, world.supervisor, world.author):
        client = _client(user)
        assert client.get(_plan_url(world)).status_code == 404, user.username
        assert client.get(missing).status_code == 404
    anonymous = _client(None).get(_plan_url(world))
    assert anonymous.status_code == 302 and SAFETY_LINE not in anonymous.content.decode()
    assert not _reads()
    # Nor does the officer on the call read a plan through another call.
    other = reverse("dispatch_call_plan", args=[world.call.pk + 1000, world.plan.pk])
    assert _client(world.officer).get(other).status_code == 404


def test_break_glass_with_a_reason_opens_it_and_the_supervisor_reviews_it(
    world: PlanWorld,
) -> None:
    cast = world.cast
    use = break_glass_services.start_break_glass(
        cast.actor(world.other_officer),
        organization=cast.agency,
        reason="Backing up the unit at the scene; the person is armed",
    )
    response = _client(world.other_officer).get(_plan_url(world))
    assert response.status_code == 200
    assert STEP in response.content.decode() and "break-glass" in response.content.decode()
    [read] = _reads()
    assert read.purpose == Purpose.EMERGENCY
    assert f"break-glass use {use.pk}" in read.detail and world.call.cad_event_id in read.detail
    queue = break_glass_selectors.review_queue(cast.actor(world.supervisor))
    assert [u.pk for u in queue] == [use.pk]
    reviews = _client(world.supervisor).get(reverse("break_glass_reviews")).content.decode()
    assert use.reason in reviews
    # Once it has ended, the plan is closed to them again.
    break_glass_services.end_break_glass(cast.actor(world.other_officer))
    assert _client(world.other_officer).get(_plan_url(world)).status_code == 404


def test_a_revoked_consent_closes_the_plan_to_police_at_once(world: PlanWorld) -> None:
    consent_services.revoke_consent(
        system_actor(), consent=world.consent, purpose=Purpose.CASE_MANAGEMENT
    )
    assert _client(world.officer).get(_plan_url(world)).status_code == 404
    page = _client(world.call_taker).get(reverse("dispatch_call", args=[world.call.pk]))
    assert SAFETY_LINE not in page.content.decode()


def test_the_plan_stays_open_for_a_set_time_after_the_unit_clears(
    world: PlanWorld, settings: object
) -> None:
    assignment = CallAssignment.objects.get(call=world.call)
    cleared = timezone.now() - dt.timedelta(hours=11)
    CallAssignment.objects.filter(pk=assignment.pk).update(
        status=AssignmentStatus.CLEAR, cleared_at=cleared
    )
    assert _client(world.officer).get(_plan_url(world)).status_code == 200
    settings.PLAN_AFTER_CALL_HOURS = 10  # type: ignore[attr-defined]
    assert _client(world.officer).get(_plan_url(world)).status_code == 404
    settings.PLAN_AFTER_CALL_HOURS = 12  # type: ignore[attr-defined]
    type(world.call).objects.filter(pk=world.call.pk).update(
        cleared_at=timezone.now() - dt.timedelta(hours=13)
    )
    assert _client(world.officer).get(_plan_url(world)).status_code == 404


def test_reading_the_plans_of_a_call_costs_a_fixed_number_of_queries(
    world: PlanWorld, django_assert_num_queries: object
) -> None:
    call = world.call
    officer = world.cast.actor(world.officer)
    # The people on the call, their plans, the person's consent, the responder check, and one
    # audited read of the safety line (a savepoint, the chain's head, the event, the head
    # moved, the savepoint released).
    with django_assert_num_queries(9):  # type: ignore[operator]
        shown = plan_selectors.call_plans(officer, call)
    assert len(shown.notices) == 1 and shown.may_open
    # The call, the responder check, the people, their plans, the consent, one audited read.
    with django_assert_num_queries(10):  # type: ignore[operator]
        plan_selectors.plan_on_call(officer, call.pk, world.plan.pk)


def test_a_team_member_reads_the_plan_from_the_units_page(cast: Cast) -> None:
    """The partner's clinician on the agency's mobile crisis team, sent to a call for a person
    whose plan the clinician's own organization holds: the unit's page shows the safety line
    and leads to the whole plan."""
    unit = crisis_team(cast)
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    person = people_services.create_person(
        taker, organization=cast.agency, purpose=Purpose.ACTIVE_CALL, family_name="Teal"
    )
    dispatch_services.link_person(taker, call=unit.call, person=person, role="subject")
    author = cast.actor(cast.partner_user)
    draft = plan_services.save_draft(author, person=person, content=content())
    plan_services.submit(author, version=draft)
    approver = member(cast.partner, Role.CASE_MANAGER)
    plan_services.approve(cast.actor(approver), version=draft)
    page = _client(cast.partner_user).get(reverse("dispatch_unit_call", args=[unit.assignment.pk]))
    text = page.content.decode()
    plan_url = reverse("dispatch_call_plan", args=[unit.call.pk, draft.plan_id])
    assert page.status_code == 200 and SAFETY_LINE in text and plan_url in text
    assert STEP not in text
    assert STEP in _client(cast.partner_user).get(plan_url).content.decode()
