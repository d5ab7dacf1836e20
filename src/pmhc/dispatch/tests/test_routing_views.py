"""The call-taker's screen and a call's page for routing: the dispatch key's units, a warm
transfer, a busy team's queue, and clearing a call with no unit; who may do each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from pmhc.dispatch import services
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import (
    AssignmentStatus,
    Call,
    CallAssignment,
    CallTransfer,
    Routing,
    TeamKind,
    TeamStatus,
)
from pmhc.dispatch.tests.helpers import cit_officer_on_duty, member, team_all_week
from pmhc.platform.models import AuditEvent, Role

pytestmark = pytest.mark.django_db

CALM = {
    "danger_self": "no",
    "danger_others": "no",
    "weapons": "none",
    "violence_history": "no",
    "medical_emergency": "no",
    "crime_in_progress": "no",
}


@pytest.fixture
def taker(cast):
    return member(cast.agency, Role.CALL_TAKER)


@pytest.fixture
def crisis(cast):
    cit_officer_on_duty(cast.agency)
    team_all_week(cast.agency, TeamKind.CO_RESPONDER)
    return team_all_week(cast.agency, TeamKind.MOBILE_CRISIS)


def screen(cast, **answers):
    """The screen's post; its received time on the agency's clock, as the screen reads it."""
    received = timezone.now().astimezone(cast.agency.zone) - dt.timedelta(minutes=2)
    return {
        "cad_event_id": "V-1",
        "received_at": received.strftime("%Y-%m-%dT%H:%M"),
        "source": "911",
        "person_role": "subject",
        "action": "dispatch",
        **answers,
    }


def test_the_dispatch_key_records_and_sends_the_recommendation(cast, taker, crisis):
    response = cast.client(taker).post(reverse("dispatch_call_new"), screen(cast, **CALM))
    assert response.status_code == 302, response.context["form"].errors
    call = Call.objects.get(cad_event_id="V-1")
    sent = CallAssignment.objects.get(call=call)
    assert (sent.team, sent.status) == (crisis, AssignmentStatus.SENT)
    page = cast.client(taker).get(response["Location"]).content.decode()
    assert crisis.name in page and "Sent" in page


def test_the_screen_shows_the_plan_and_a_queue(cast, taker, crisis):
    client = cast.client(taker)
    free = client.post(reverse("dispatch_recommend"), CALM).content.decode()
    assert crisis.name in free and "Free now" in free
    crisis.status = TeamStatus.ON_CALL
    crisis.save(update_fields=["status"])
    queued = client.post(reverse("dispatch_recommend"), CALM).content.decode()
    assert "waits in its queue at place 1, about 60 minutes" in queued
    assert "the default when a team has no recent call" in queued


def test_a_queued_call_shows_its_place_on_its_page(cast, taker, crisis):
    crisis.status = TeamStatus.ON_CALL
    crisis.save(update_fields=["status"])
    client = cast.client(taker)
    client.post(reverse("dispatch_call_new"), screen(cast, **CALM, cad_event_id="V-1"))
    response = client.post(reverse("dispatch_call_new"), screen(cast, **CALM, cad_event_id="V-2"))
    page = client.get(response["Location"]).content.decode()
    assert "Waiting in the queue: place 2 in the queue, about 120 minutes" in page


def test_a_warm_transfer_from_the_screen_and_its_refusals(cast, taker, crisis):
    client = cast.client(taker)
    answers = {**CALM, "danger_self": "thoughts", "caller_in_crisis": "yes"}
    missing = client.post(reverse("dispatch_call_new"), screen(cast, **answers))
    assert missing.status_code == 400
    assert "Record the warm transfer" in missing.content.decode()
    half = client.post(reverse("dispatch_call_new"), screen(cast, **answers, transfer_line="988"))
    assert half.status_code == 400
    assert "choose the line and whether it was accepted" in half.content.decode()
    assert not Call.objects.exists()
    done = client.post(
        reverse("dispatch_call_new"),
        screen(cast, **answers, transfer_line="local", transfer_accepted="no"),
    )
    assert done.status_code == 302
    call = Call.objects.get()
    assert CallTransfer.objects.get(call=call).accepted is False
    assert call.decision == Routing.MOBILE_CRISIS
    assert CallAssignment.objects.get(call=call).team == crisis
    page = client.get(done["Location"]).content.decode()
    assert "Local crisis line" in page and "not accepted; the call went to a unit" in page


def test_clearing_a_call_with_no_unit_needs_a_reason(cast, taker):
    call = services.create_call(
        cast.actor(taker),
        organization=cast.agency,
        cad_event_id="V-9",
        received_at=timezone.now() - dt.timedelta(minutes=5),
    )
    url = reverse("dispatch_call_times", args=[call.pk])
    cleared = timezone.now().astimezone(cast.agency.zone).strftime("%Y-%m-%dT%H:%M")
    for user in (cast.outsider, cast.partner_user, cast.admin):
        assert (
            cast.client(user).post(url, {"cleared_at": cleared, "close_reason": "x"}).status_code
            == 404
        )
    client = cast.client(taker)
    refused = client.post(url, {"cleared_at": cleared})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "say why the call is closed" in body
    assert 'href="#id_close_reason"' in body
    too_long = client.post(url, {"cleared_at": cleared, "close_reason": "x" * 501})
    assert too_long.status_code == 400
    call.refresh_from_db()
    assert call.cleared_at is None
    reason = "Caller called back: her brother is safe with family."
    assert client.post(url, {"cleared_at": cleared, "close_reason": reason}).status_code == 302
    reads = AuditEvent.objects.filter(action=DispatchAudit.CALL_NARRATIVE_READ).count()
    page = client.get(reverse("dispatch_call", args=[call.pk])).content.decode()
    assert reason in page
    assert AuditEvent.objects.filter(action=DispatchAudit.CALL_NARRATIVE_READ).count() == reads + 1
    # The coordinator reads the call, not the reason (safety data).
    coordinator = cast.client(cast.member).get(reverse("dispatch_call", args=[call.pk]))
    assert coordinator.status_code == 200
    assert reason not in coordinator.content.decode()
