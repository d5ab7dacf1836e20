"""Routing as the field practices it: a response of several units sent at once, calls waiting
in a busy team's queue with their place and wait, warm transfers and their fallback, and a
call closed with no unit only with a reason."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pmhc.dispatch import selectors, services
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
from pmhc.dispatch.tests.helpers import cad_id, cit_officer_on_duty, member, team_all_week
from pmhc.platform import audit
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
THOUGHTS_AGREES = {**CALM, "danger_self": "thoughts", "agrees_to_talk": "yes"}
KNIFE_AND_INJURY = {"danger_self": "attempt", "weapons": "now", "medical_emergency": "yes"}


@pytest.fixture
def taker(cast):
    return cast.actor(member(cast.agency, Role.CALL_TAKER))


@pytest.fixture
def teams(cast):
    found = {
        kind: team_all_week(cast.agency, kind)
        for kind in (TeamKind.CO_RESPONDER, TeamKind.MOBILE_CRISIS, TeamKind.EMS)
    }
    cit_officer_on_duty(cast.agency)
    return found


def take(cast, actor, answers, **options):
    return services.take_call(
        actor,
        organization=cast.agency,
        cad_event_id=options.pop("cad_event_id", cad_id()),
        received_at=options.pop("received_at", timezone.now() - dt.timedelta(minutes=3)),
        answers=answers,
        **options,
    )


def busy(team):
    team.status = TeamStatus.ON_CALL
    team.save(update_fields=["status"])


def test_the_dispatch_key_sends_every_unit_of_the_response(cast, taker, teams):
    call = take(cast, taker, KNIFE_AND_INJURY, dispatch_recommended=True)
    assert call.recommendation == Routing.PATROL_PRIORITY
    assert call.recommended_units == ["patrol_priority", "ems", "co_responder"]
    sent = list(CallAssignment.objects.filter(call=call).order_by("pk"))
    assert [a.unit for a in sent] == [
        "Patrol, with priority",
        teams[TeamKind.EMS].name,
        teams[TeamKind.CO_RESPONDER].name,
    ]
    assert {a.status for a in sent} == {AssignmentStatus.SENT}
    call.refresh_from_db()
    assert call.dispatched_at is not None and call.cit_requested
    event = AuditEvent.objects.get(action=DispatchAudit.CALL_TRIAGED, object_id=str(call.pk))
    assert (event.after or {})["recommended_units"] == call.recommended_units


def test_units_chosen_by_hand_replace_the_dispatch_key(cast, taker, teams):
    call = take(cast, taker, KNIFE_AND_INJURY, dispatch_recommended=True, unit="Engine 7")
    assert list(CallAssignment.objects.filter(call=call).values_list("unit", flat=True)) == [
        "Engine 7"
    ]


def test_a_busy_team_queues_the_call_with_its_place_and_wait(cast, taker, teams):
    crisis = teams[TeamKind.MOBILE_CRISIS]
    busy(crisis)
    first = take(cast, taker, CALM, dispatch_recommended=True)
    second = take(cast, taker, CALM, dispatch_recommended=True)
    assert first.recommendation == Routing.MOBILE_CRISIS
    queued = CallAssignment.objects.get(call=second)
    assert queued.team == crisis and queued.status == AssignmentStatus.QUEUED
    second.refresh_from_db()
    # Waiting is not dispatched: no time, no unit on the call.
    assert second.dispatched_at is None and second.units == []
    call = selectors.call_detail(taker, second.pk)
    place = selectors.queue_places(call)[queued.pk]
    assert place.position == 2
    assert place.queue.recent_calls == 0
    assert place.minutes == 2 * selectors.DEFAULT_MINUTES_PER_CALL
    assert selectors.queue_places(selectors.call_detail(taker, first.pk)).popitem()[1].position == 1


def test_the_wait_comes_from_the_teams_recent_calls(cast, taker, teams):
    crisis = teams[TeamKind.MOBILE_CRISIS]
    done = take(cast, taker, CALM, received_at=timezone.now() - dt.timedelta(hours=3))
    now = timezone.now()
    for minutes in (30, 50):
        CallAssignment.objects.create(
            call=done,
            team=crisis,
            unit=crisis.name,
            status=AssignmentStatus.CLEAR,
            assigned_at=now - dt.timedelta(hours=2),
            accepted_at=now - dt.timedelta(minutes=minutes + 5),
            cleared_at=now - dt.timedelta(minutes=5),
        )
    busy(crisis)
    waiting = take(cast, taker, CALM, dispatch_recommended=True)
    queues = selectors.team_queues([crisis])
    assert queues[crisis.pk].minutes_per_call == 40
    assert queues[crisis.pk].recent_calls == 2
    place = selectors.queue_places(selectors.call_detail(taker, waiting.pk)).popitem()[1]
    assert (place.position, place.minutes) == (1, 40)


def test_the_queue_is_read_in_a_fixed_number_of_queries(
    cast, taker, teams, django_assert_max_num_queries
):
    crisis = teams[TeamKind.MOBILE_CRISIS]
    busy(crisis)
    calls = [take(cast, taker, CALM, dispatch_recommended=True) for _ in range(4)]
    call = selectors.call_detail(taker, calls[-1].pk)
    with django_assert_max_num_queries(3):
        places = selectors.queue_places(call)
    assert [p.position for p in places.values()] == [4]
    on = selectors.on_duty(cast.agency).teams
    assert len(on) == 3
    with django_assert_max_num_queries(2):
        queues = selectors.team_queues(on)
    assert queues[crisis.pk].waiting == 4


def test_a_team_counts_only_when_free(cast, taker, teams):
    crisis = teams[TeamKind.MOBILE_CRISIS]
    crisis.status = TeamStatus.OUT_OF_SERVICE
    crisis.save(update_fields=["status"])
    duty = selectors.on_duty(cast.agency)
    assert TeamKind.MOBILE_CRISIS not in duty.availability.team_kinds
    assert TeamKind.MOBILE_CRISIS not in duty.availability.busy_kinds
    # A low-risk call with no team free is referred for follow-up, not sent to patrol.
    call = take(cast, taker, CALM, dispatch_recommended=True)
    assert call.recommendation == Routing.FOLLOW_UP
    assert not CallAssignment.objects.filter(call=call).exists()


def test_an_accepted_transfer_is_recorded_and_sends_no_unit(cast, taker, teams):
    call = take(
        cast,
        taker,
        THOUGHTS_AGREES,
        dispatch_recommended=True,
        transfer_line="988",
        transfer_accepted=True,
    )
    assert call.recommendation == call.decision == Routing.TRANSFER_988
    transfer = CallTransfer.objects.get(call=call)
    assert transfer.line == "988" and transfer.accepted
    assert transfer.transferred_at <= timezone.now()
    assert not CallAssignment.objects.filter(call=call).exists()
    event = AuditEvent.objects.filter(
        action=DispatchAudit.CALL_CHANGED, object_id=str(call.pk)
    ).latest("pk")
    assert (event.after or {})["transfer_accepted"] is True
    assert audit.verify().ok


def test_a_transfer_not_accepted_falls_back_to_a_unit(cast, taker, teams):
    call = take(
        cast,
        taker,
        THOUGHTS_AGREES,
        dispatch_recommended=True,
        transfer_line="local",
        transfer_accepted=False,
    )
    # The fallback becomes the recommendation, and the decision that followed the transfer
    # follows it: the call is not counted as the call-taker overriding the rules.
    assert call.recommendation == Routing.MOBILE_CRISIS
    assert call.decision == Routing.MOBILE_CRISIS
    assert call.decision_reason == ""
    assert "The warm transfer to Local crisis line was not accepted." in call.reasons
    assert call.recommended_units == ["mobile_crisis"]
    assert call.transfers.get().accepted is False
    sent = CallAssignment.objects.get(call=call)
    assert sent.team == teams[TeamKind.MOBILE_CRISIS]
    assert sent.status == AssignmentStatus.SENT


def test_a_transfer_must_be_recorded_before_the_dispatch_key(cast, taker, teams):
    with pytest.raises(ValidationError) as caught:
        take(cast, taker, THOUGHTS_AGREES, dispatch_recommended=True, cad_event_id="TR-1")
    assert "transfer_line" in caught.value.message_dict
    with pytest.raises(ValidationError):
        take(cast, taker, THOUGHTS_AGREES, transfer_line="988", cad_event_id="TR-1")
    assert not Call.objects.filter(cad_event_id="TR-1").exists()


def test_a_transfer_time_is_checked(cast, taker):
    call = take(cast, taker, THOUGHTS_AGREES)
    with pytest.raises(ValidationError, match="later than now"):
        services.record_transfer(
            taker,
            call=call,
            line="988",
            accepted=True,
            transferred_at=timezone.now() + dt.timedelta(hours=1),
        )
    with pytest.raises(ValidationError, match="before the call was received"):
        services.record_transfer(
            taker,
            call=call,
            line="988",
            accepted=True,
            transferred_at=call.received_at - dt.timedelta(minutes=1),
        )
    with pytest.raises(ValidationError):
        services.record_transfer(taker, call=call, line="911", accepted=True)
    assert not CallTransfer.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "partner_user", "admin"])
def test_only_those_who_work_the_call_record_a_transfer(cast, taker, who):
    call = take(cast, taker, THOUGHTS_AGREES)
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.record_transfer(
            cast.actor(getattr(cast, who)), call=call, line="988", accepted=True
        )
    assert not CallTransfer.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_call_with_no_unit_closes_only_with_a_reason(cast, taker):
    call = take(cast, taker, CALM)
    cleared = timezone.now()
    with pytest.raises(ValidationError) as caught:
        services.record_times(taker, call=call, cleared_at=cleared)
    assert "close_reason" in caught.value.message_dict
    call.refresh_from_db()
    assert call.cleared_at is None
    services.record_times(
        taker, call=call, cleared_at=cleared, close_reason="Caller hung up; no answer on callback."
    )
    call.refresh_from_db()
    assert call.cleared_at == cleared
    assert call.close_reason == "Caller hung up; no answer on callback."
    event = AuditEvent.objects.filter(
        action=DispatchAudit.CALL_CHANGED, object_id=str(call.pk)
    ).latest("pk")
    # The reason may say what the person wanted: the trail keeps a digest.
    assert "callback" not in str(event.after)


def test_a_call_waiting_in_a_queue_still_needs_a_reason_to_close(cast, taker, teams):
    busy(teams[TeamKind.MOBILE_CRISIS])
    call = take(cast, taker, CALM, dispatch_recommended=True)
    with pytest.raises(ValidationError):
        services.record_times(taker, call=call, cleared_at=timezone.now())


def test_a_call_with_a_unit_or_an_accepted_transfer_closes_without_a_reason(cast, taker, teams):
    sent = take(cast, taker, CALM, dispatch_recommended=True)
    services.record_times(taker, call=sent, cleared_at=timezone.now())
    transferred = take(cast, taker, THOUGHTS_AGREES, transfer_line="988", transfer_accepted=True)
    services.record_times(taker, call=transferred, cleared_at=timezone.now())
    assert sent.cleared_at and transferred.cleared_at


@pytest.mark.parametrize("who", ["outsider", "partner_user", "admin"])
def test_only_those_who_work_the_call_dispatch_its_units(cast, taker, teams, who):
    call = take(cast, taker, KNIFE_AND_INJURY)
    with pytest.raises(PermissionDenied):
        services.dispatch_units(cast.actor(getattr(cast, who)), call=call)
    assert not CallAssignment.objects.filter(call=call).exists()


def test_a_decision_that_differs_sends_only_the_route_chosen(cast, taker, teams):
    busy(teams[TeamKind.MOBILE_CRISIS])
    call = take(
        cast,
        taker,
        CALM,
        decision=Routing.CO_RESPONDER,
        decision_reason="The mobile crisis team is an hour away; the co-responders are near.",
        dispatch_recommended=True,
    )
    sent = CallAssignment.objects.get(call=call)
    assert (sent.team, sent.status) == (teams[TeamKind.CO_RESPONDER], AssignmentStatus.SENT)
