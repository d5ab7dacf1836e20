"""The action plan: actions from gaps, progress, and overdue actions flagged to coordinators."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from pmhc.assessment import plan_services, selectors, services
from pmhc.assessment.audit_codes import AssessmentAudit
from pmhc.assessment.models import ActionStatus, PlanAction
from pmhc.assessment.tests.conftest import agree_element
from pmhc.platform.access import organization_today
from pmhc.platform.models import AuditEvent, OutboundEmail

pytestmark = pytest.mark.django_db


@pytest.fixture
def gap(cast, edition):
    coordinator = cast.actor(cast.member)
    assessment = services.open_assessment(coordinator, organization=cast.agency, title="Spring")
    agree_element(coordinator, assessment, edition, 4, 0)
    return coordinator, assessment, edition.element(4).items[0]


def test_action_from_a_gap_through_the_pages(cast, gap):
    _coordinator, assessment, item = gap
    client = cast.client(cast.member)
    report = client.get(f"/assess/{assessment.pk}/report/").content.decode()
    link = f"/assess/plan/new/?assessment={assessment.pk}&amp;item={item.key}"
    assert link in report
    form = client.get(link.replace("&amp;", "&"))
    assert form.context["form"].initial["title"] == item.next_step  # suggested from the gap
    due = timezone.localdate() + dt.timedelta(days=60)
    response = client.post(
        "/assess/plan/new/",
        {
            "assessment": assessment.pk,
            "item": item.key,
            "title": "Write the call-taker question list with the clinic",
            "owner": "Dispatch supervisor",
            "due_on": due.isoformat(),
        },
    )
    assert response.status_code == 302
    action = PlanAction.objects.get()
    assert (action.element, action.item_key, action.status) == (4, item.key, "planned")
    plan = client.get("/assess/plan/")
    assert plan.context["progress"].total == 1 and plan.context["progress"].percent_done == 0
    response = client.post(
        f"/assess/plan/{action.pk}/",
        {"title": action.title, "owner": "Lt. Example", "due_on": due, "status": "done"},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done" and action.completed_on == organization_today(
        cast.agency.time_zone
    )
    assert client.get("/assess/plan/").context["progress"].percent_done == 100
    changed = AuditEvent.objects.get(action=AssessmentAudit.ACTION_CHANGED)
    assert changed.before is not None and changed.after is not None
    assert changed.before["status"] == "planned" and changed.after["status"] == "done"


def test_action_validation(cast, gap):
    coordinator, assessment, item = gap
    with pytest.raises(ValidationError) as error:
        plan_services.create_action(
            coordinator,
            organization=cast.agency,
            assessment=assessment,
            element=5,  # the item belongs to element 4
            item_key=item.key,
            title=" ",
            owner="",
            due_on=None,
        )
    assert set(error.value.message_dict) == {"item_key", "title", "owner", "due_on"}


def test_overdue_actions_are_flagged_once_a_day(cast, gap, django_capture_on_commit_callbacks):
    coordinator, assessment, item = gap
    today = organization_today(cast.agency.time_zone)
    late = plan_services.create_action(
        coordinator,
        organization=cast.agency,
        assessment=assessment,
        element=4,
        item_key=item.key,
        title="Late one",
        owner="Someone",
        due_on=today - dt.timedelta(days=3),
    )
    plan_services.create_action(
        coordinator,
        organization=cast.agency,
        element=1,
        title="Not due yet",
        owner="Someone",
        due_on=today + dt.timedelta(days=3),
    )
    finished = plan_services.create_action(
        coordinator,
        organization=cast.agency,
        element=2,
        title="Done already",
        owner="Someone",
        due_on=today - dt.timedelta(days=10),
    )
    plan_services.update_action(
        coordinator,
        action=finished,
        title=finished.title,
        owner=finished.owner,
        due_on=finished.due_on,
        status=ActionStatus.DONE,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = plan_services.flag_overdue_actions()
    assert run.flagged == {"agency": [late.pk]}
    message = OutboundEmail.objects.get(purpose="assessment.overdue")
    assert message.to == [cast.member.email]  # the coordinator, not the administrator
    assert "Late one" in message.body and "Not due yet" not in message.body
    # The same day again: nothing new.
    assert plan_services.flag_overdue_actions().flagged == {}
    assert OutboundEmail.objects.filter(purpose="assessment.overdue").count() == 1
    assert AuditEvent.objects.filter(action=AssessmentAudit.ACTION_OVERDUE).count() == 1
    # The page flags it too, and the Assess home page counts it.
    client = cast.client(cast.member)
    assert [a.pk for a in client.get("/assess/plan/").context["overdue"]] == [late.pk]
    assert client.get("/assess/").context["overdue"] == 1


def test_creating_an_action_queues_the_overdue_check(cast, gap, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    coordinator, _assessment, _item = gap
    with django_capture_on_commit_callbacks(execute=True):
        plan_services.create_action(
            coordinator,
            organization=cast.agency,
            element=1,
            title="Queue me",
            owner="Someone",
            due_on=timezone.localdate() + dt.timedelta(days=5),
        )
    queued = DBTaskResult.objects.filter(task_path__endswith="flag_overdue_actions_task").get()
    assert queued.run_after is not None and queued.run_after.date() == (
        timezone.localdate() + dt.timedelta(days=6)
    )


def test_plan_boundary(cast, gap):
    coordinator, assessment, item = gap
    action = plan_services.create_action(
        coordinator,
        organization=cast.agency,
        element=4,
        title="Ours",
        owner="Someone",
        due_on=timezone.localdate(),
    )
    anonymous = Client().get("/assess/plan/")
    assert anonymous.status_code == 302
    # The outsider administers their own organization: they reach its plan, never ours.
    outsiders_plan = cast.client(cast.outsider).get("/assess/plan/?program=agency")
    assert outsiders_plan.context["organization"] == cast.outsider_org
    assert "Ours" not in outsiders_plan.content.decode()
    for user in (cast.colleague, cast.partner_user, cast.outsider):
        client = cast.client(user)
        if user != cast.outsider:
            assert client.get("/assess/plan/").status_code == 404
        assert client.get(f"/assess/plan/{action.pk}/").status_code == 404
        assert (
            client.get(f"/assess/plan/new/?assessment={assessment.pk}&item={item.key}").status_code
            == 404
        )
        with pytest.raises(PermissionDenied):
            plan_services.update_action(
                cast.actor(user),
                action=action,
                title="Theirs",
                owner="x",
                due_on=action.due_on,
                status="done",
            )
    action.refresh_from_db()
    assert action.title == "Ours"
    assert selectors.plan(cast.actor(cast.outsider), cast.agency) == []
    assert cast.client(cast.admin).get(f"/assess/plan/{action.pk}/").status_code == 200
