"""The response plan pages of those who write and approve plans: the boundary of each page,
the draft form's errors, approval by a second person, and the list of plans waiting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch.tests.helpers import member
from pmhc.dispatch.tests.plans import SAFETY_LINE, STEP, PlanWorld, content, plan_world
from pmhc.people import plan_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.plan_models import ResponsePlanVersion, VersionStatus
from pmhc.platform.models import AuditEvent, Role, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(cast: Cast) -> PlanWorld:
    return plan_world(cast)


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _form(**changes: str) -> dict[str, str]:
    data = {
        "safety_concern": "Afraid of dogs",
        "behaviors": "",
        "triggers": "Dogs barking",
        "de_escalation": "Keep dogs away\nTalk about football",
        "contacts": "Sam Reed; brother; 555-0199",
        "language": "English",
        "communication": "",
        "review_on": (timezone.localdate() + dt.timedelta(days=60)).isoformat(),
    }
    data.update(changes)
    return data


def test_the_plan_page_shows_the_holders_plan_and_its_history(world: PlanWorld) -> None:
    url = reverse("people_plan", args=[world.person.pk])
    response = _client(world.approver).get(url)
    text = response.content.decode()
    assert response.status_code == 200
    assert SAFETY_LINE in text and STEP in text and "History" in text
    assert AuditEvent.objects.filter(action=PeopleAudit.PLAN_READ).count() == 1


@pytest.mark.parametrize("who", ["anonymous", "call_taker", "officer", "outsider", "admin"])
def test_those_who_neither_write_nor_hold_the_plan_see_nothing(world: PlanWorld, who: str) -> None:
    user = {
        "anonymous": None,
        "call_taker": world.call_taker,
        "officer": world.officer,
        "outsider": world.outsider_officer,
        "admin": world.cast.admin,
    }[who]
    for url in (
        reverse("people_plan", args=[world.person.pk]),
        reverse("people_plan_draft", args=[world.person.pk]),
        reverse("people_plan_version", args=[world.version.pk]),
        reverse("people_plans_waiting"),
    ):
        response = _client(user).get(url)
        assert response.status_code == (302 if user is None else 404), (who, url)
        assert SAFETY_LINE not in response.content.decode()
    assert not AuditEvent.objects.filter(action=PeopleAudit.PLAN_READ).exists()


def test_the_draft_form_summarizes_errors_and_saves_nothing(world: PlanWorld) -> None:
    url = reverse("people_plan_draft", args=[world.person.pk])
    client = _client(world.author)
    bad = _form(
        review_on=timezone.localdate().isoformat(),
        contacts="Sam Reed; brother",
        safety_concern="x" * 201,
    )
    response = client.post(url, bad)
    text = response.content.decode()
    assert response.status_code == 400
    assert "data-error-summary" in text
    assert "Line 1: write the name; the relation; how to reach them." in text
    assert 'href="#id_safety_concern"' in text
    assert ResponsePlanVersion.objects.count() == 1
    response = client.post(url, _form())
    assert response.status_code == 302
    draft = ResponsePlanVersion.objects.get(status=VersionStatus.DRAFT)
    assert draft.number == 2 and draft.de_escalation == ["Keep dogs away", "Talk about football"]
    assert draft.contacts == [{"name": "Sam Reed", "relation": "brother", "reach": "555-0199"}]
    # The review date has passed for this draft: it could not be saved with one.
    response = client.post(url, _form(review_on="2020-01-01"))
    assert response.status_code == 400


def test_submit_and_approve_by_a_second_person_through_the_pages(world: PlanWorld) -> None:
    author = world.cast.actor(world.author)
    draft = plan_services.save_draft(author, person=world.person, content=content())
    submit = reverse("people_plan_submit", args=[draft.pk])
    approve = reverse("people_plan_approve", args=[draft.pk])
    assert _client(world.author).post(submit).status_code == 302
    # The list of plans waiting names it, for someone who may approve it.
    waiting = _client(world.approver).get(reverse("people_plans_waiting")).content.decode()
    assert f"Plan {world.plan.pk}, version 2" in waiting
    # Its author may not approve it: a message, nothing changed.
    _client(world.author).post(approve)
    draft.refresh_from_db()
    assert draft.status == VersionStatus.SUBMITTED
    for user in (world.officer, world.call_taker, member(world.cast.outsider_org, Role.CLINICIAN)):
        assert _client(user).post(approve).status_code == 404
    assert _client(world.approver).post(approve).status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.APPROVED and draft.approver_id == world.approver.pk
    assert _client(world.approver).post(approve).status_code == 302  # a second click is fine


def test_the_list_of_plans_waiting_costs_a_fixed_number_of_queries(
    world: PlanWorld, django_assert_max_num_queries: object
) -> None:
    author = world.cast.actor(world.author)
    draft = plan_services.save_draft(author, person=world.person, content=content())
    plan_services.submit(author, version=draft)
    client = _client(world.approver)
    with django_assert_max_num_queries(12):  # type: ignore[operator]
        response = client.get(reverse("people_plans_waiting"))
    assert response.status_code == 200
