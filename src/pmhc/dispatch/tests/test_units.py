"""A team at work: its status, its progress on a call in order, who may record it, and the
queue it takes calls from when it becomes available."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch import services, unit_selectors, unit_services
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import AssignmentStatus, CallAssignment, Team, TeamStatus
from pmhc.dispatch.tests.helpers import member
from pmhc.dispatch.tests.units import crisis_team, make_call, queue_call
from pmhc.platform import audit
from pmhc.platform.access import ANONYMOUS, actor_for_user
from pmhc.platform.models import AuditEvent, Role

S = AssignmentStatus


def _events(code: str) -> int:
    return AuditEvent.objects.filter(action=code).count()


def test_a_member_records_each_step_in_order(cast: Cast) -> None:
    unit = crisis_team(cast)
    clinician = cast.actor(cast.partner_user)
    assignment = unit.assignment
    for step, stamp in (
        (S.ACCEPTED, "accepted_at"),
        (S.EN_ROUTE, "en_route_at"),
        (S.ON_SCENE, "on_scene_at"),
        (S.CLEAR, "cleared_at"),
    ):
        unit_services.advance(clinician, assignment=assignment, to=step)
        assignment.refresh_from_db()
        assert assignment.status == step
        assert getattr(assignment, stamp) is not None
        unit.team.refresh_from_db()
        expected = TeamStatus.AVAILABLE if step == S.CLEAR else TeamStatus.ON_CALL
        assert unit.team.status == expected, step
    times = [
        assignment.accepted_at,
        assignment.en_route_at,
        assignment.on_scene_at,
        assignment.cleared_at,
    ]
    assert all(times) and times == sorted(times)  # type: ignore[type-var]
    assert _events(DispatchAudit.UNIT_PROGRESS) == 4
    # On a call at acceptance, available at clearance.
    assert _events(DispatchAudit.TEAM_STATUS_SET) == 2
    event = AuditEvent.objects.filter(action=DispatchAudit.UNIT_PROGRESS).latest("pk")
    assert event.organization_id == cast.agency.pk
    assert event.actor_id == cast.partner_user.pk
    assert audit.verify().ok


@pytest.mark.parametrize("step", [S.EN_ROUTE, S.ON_SCENE, S.CLEAR, S.SENT, S.QUEUED])
def test_a_step_out_of_order_is_refused(cast: Cast, step: str) -> None:
    unit = crisis_team(cast)
    with pytest.raises(ValidationError):
        unit_services.advance(cast.actor(cast.partner_user), assignment=unit.assignment, to=step)
    unit.assignment.refresh_from_db()
    assert unit.assignment.status == S.SENT
    assert _events(DispatchAudit.UNIT_PROGRESS) == 0


def test_a_step_cannot_be_taken_twice(cast: Cast) -> None:
    unit = crisis_team(cast)
    clinician = cast.actor(cast.partner_user)
    unit_services.advance(clinician, assignment=unit.assignment, to=S.ACCEPTED)
    with pytest.raises(ValidationError):
        unit_services.advance(clinician, assignment=unit.assignment, to=S.ACCEPTED)


def test_the_agencys_dispatcher_may_record_a_step(cast: Cast) -> None:
    unit = crisis_team(cast)
    unit_services.advance(cast.actor(cast.member), assignment=unit.assignment, to=S.ACCEPTED)
    unit.assignment.refresh_from_db()
    assert unit.assignment.status == S.ACCEPTED


def test_who_may_not_record_a_step(cast: Cast) -> None:
    unit = crisis_team(cast)
    other_clinician = member(cast.partner, Role.CLINICIAN)
    # A member whose organization's agreement has ended.
    unit.team.members.add(cast.expired_user)
    refused = [
        ANONYMOUS,
        cast.actor(other_clinician),  # the partner's clinician, not on the team
        cast.actor(cast.colleague),  # the agency's officer, not on the team
        cast.actor(cast.outsider),  # another organization
        cast.actor(cast.expired_user),
        cast.actor(cast.admin),  # the agency's administrator
    ]
    for actor in refused:
        with pytest.raises(PermissionDenied):
            unit_services.advance(actor, assignment=unit.assignment, to=S.ACCEPTED)
    unit.assignment.refresh_from_db()
    assert unit.assignment.status == S.SENT


def test_an_officer_on_the_team_records_steps(cast: Cast) -> None:
    unit = crisis_team(cast)
    unit.team.members.add(cast.colleague)
    unit_services.advance(cast.actor(cast.colleague), assignment=unit.assignment, to=S.ACCEPTED)
    unit.assignment.refresh_from_db()
    assert unit.assignment.status == S.ACCEPTED


def _busy_with_two_queued(
    cast: Cast,
) -> tuple[Team, CallAssignment, CallAssignment, CallAssignment]:
    unit = crisis_team(cast)
    unit_services.advance(cast.actor(cast.partner_user), assignment=unit.assignment, to=S.ACCEPTED)
    older = queue_call(unit.team, make_call(cast, minutes_ago=20), minutes_ago=15)
    newer = queue_call(unit.team, make_call(cast, minutes_ago=10), minutes_ago=5)
    return unit.team, unit.assignment, older, newer


def test_clearing_takes_the_oldest_queued_call(cast: Cast) -> None:
    team, current, older, newer = _busy_with_two_queued(cast)
    assert unit_selectors.queue_position(older) == 1
    assert unit_selectors.queue_position(newer) == 2
    clinician = cast.actor(cast.partner_user)
    for step in (S.EN_ROUTE, S.ON_SCENE, S.CLEAR):
        unit_services.advance(clinician, assignment=current, to=step)
    older.refresh_from_db()
    newer.refresh_from_db()
    team.refresh_from_db()
    assert older.status == S.SENT
    assert newer.status == S.QUEUED
    assert unit_selectors.queue_position(newer) == 1
    assert team.status == TeamStatus.ON_CALL
    assert _events(DispatchAudit.UNIT_DEQUEUED) == 1
    assert [a.pk for a in unit_selectors.unit_calls(clinician, [team])] == [older.pk]


def test_a_team_made_available_takes_the_oldest_queued_call(cast: Cast) -> None:
    team, _current, older, newer = _busy_with_two_queued(cast)
    # The team's member puts it out of service: nothing is taken from the queue.
    clinician = cast.actor(cast.partner_user)
    assert (
        unit_services.set_team_status(clinician, team=team, status=TeamStatus.OUT_OF_SERVICE)
        is None
    )
    older.refresh_from_db()
    assert older.status == S.QUEUED
    # The supervisor on the duty board makes it available: it takes the oldest call.
    supervisor = member(cast.agency, Role.SUPERVISOR)
    taken = unit_services.set_team_status(
        cast.actor(supervisor), team=team, status=TeamStatus.AVAILABLE
    )
    assert taken is not None and taken.pk == older.pk
    team.refresh_from_db()
    newer.refresh_from_db()
    assert team.status == TeamStatus.ON_CALL
    assert newer.status == S.QUEUED and unit_selectors.queue_position(newer) == 1
    statuses = list(AuditEvent.objects.filter(action=DispatchAudit.TEAM_STATUS_SET).order_by("pk"))
    # Accepted (on a call), out of service, available, on a call with the queued call.
    assert len(statuses) == 4


def test_a_team_without_a_queue_stays_available(cast: Cast) -> None:
    unit = crisis_team(cast)
    team = unit.team
    clinician = cast.actor(cast.partner_user)
    unit_services.set_team_status(clinician, team=team, status=TeamStatus.OUT_OF_SERVICE)
    assert unit_services.set_team_status(clinician, team=team, status=TeamStatus.AVAILABLE) is None
    team.refresh_from_db()
    assert team.status == TeamStatus.AVAILABLE
    assert team.status_changed_at is not None


def test_who_may_not_set_a_teams_status(cast: Cast) -> None:
    unit = crisis_team(cast)
    unit.team.refresh_from_db()
    status_before = unit.team.status
    events_before = _events(DispatchAudit.TEAM_STATUS_SET)
    refused = [
        ANONYMOUS,
        cast.actor(member(cast.partner, Role.CLINICIAN)),
        cast.actor(cast.colleague),
        cast.actor(cast.outsider),
        cast.actor(cast.admin),
    ]
    for actor in refused:
        with pytest.raises(PermissionDenied):
            unit_services.set_team_status(actor, team=unit.team, status=TeamStatus.OUT_OF_SERVICE)
    unit.team.refresh_from_db()
    assert unit.team.status == status_before
    assert _events(DispatchAudit.TEAM_STATUS_SET) == events_before


def test_a_call_taker_sets_a_teams_status_but_not_its_members(cast: Cast) -> None:
    unit = crisis_team(cast)
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    unit_services.set_team_status(taker, team=unit.team, status=TeamStatus.OUT_OF_SERVICE)
    with pytest.raises(PermissionDenied):
        unit_services.set_team_members(taker, team=unit.team, users=[cast.colleague])
    with pytest.raises(PermissionDenied):
        unit_services.set_team_members(
            cast.actor(cast.partner_user), team=unit.team, users=[cast.partner_user]
        )
    assert list(unit.team.members.all()) == [cast.partner_user]


def test_members_see_their_teams_calls(cast: Cast, django_assert_max_num_queries) -> None:
    unit = crisis_team(cast)
    clinician = cast.actor(cast.partner_user)
    for _ in range(3):
        queue_call(unit.team, make_call(cast), minutes_ago=1)
    with django_assert_max_num_queries(2):
        teams = unit_selectors.my_teams(clinician)
        calls = unit_selectors.unit_calls(clinician, teams)
    assert [t.pk for t in teams] == [unit.team.pk]
    assert [a.pk for a in calls] == [unit.assignment.pk]
    # Not a member: no team, no calls.
    other = cast.actor(member(cast.partner, Role.CLINICIAN))
    assert unit_selectors.my_teams(other) == []
    assert unit_selectors.my_teams(cast.actor(cast.outsider)) == []


def test_a_team_sent_a_call_is_on_it_and_the_next_call_waits(cast: Cast) -> None:
    """Sending a team takes it off the free list at once, so a second call routed to it
    queues instead of being sent to a team that has not yet answered the first."""
    unit = crisis_team(cast)
    unit.team.refresh_from_db()
    assert unit.assignment.status == S.SENT
    assert unit.team.status == TeamStatus.ON_CALL
    coordinator = actor_for_user(cast.member)
    second = make_call(cast)
    waiting = services.assign_unit(coordinator, call=second, team=unit.team)
    assert waiting.status == S.QUEUED
    second.refresh_from_db()
    assert second.dispatched_at is None
    assert second.units == []

    clinician = cast.actor(cast.partner_user)
    for step in (S.ACCEPTED, S.EN_ROUTE, S.ON_SCENE, S.CLEAR):
        unit_services.advance(clinician, assignment=unit.assignment, to=step)
    waiting.refresh_from_db()
    second.refresh_from_db()
    unit.team.refresh_from_db()
    assert waiting.status == S.SENT
    assert second.dispatched_at is not None
    assert second.units == [waiting.unit]
    assert unit.team.status == TeamStatus.ON_CALL


def test_a_call_closed_while_queued_leaves_the_queue(cast: Cast) -> None:
    """Closing a call takes it out of every queue it waits in: the team, once free, takes the
    next open call and is never sent to the closed one."""
    unit = crisis_team(cast)
    closed = queue_call(unit.team, make_call(cast), minutes_ago=20)
    still_open = queue_call(unit.team, make_call(cast), minutes_ago=10)
    coordinator = actor_for_user(cast.member)
    services.record_times(
        coordinator,
        call=closed.call,
        cleared_at=timezone.now(),
        close_reason="The caller rang back: the person is with family.",
    )
    closed.refresh_from_db()
    assert closed.status == S.CANCELLED
    event = AuditEvent.objects.filter(action=DispatchAudit.CALL_CHANGED).latest("pk")
    assert (event.after or {}).get("queue_cancelled") == [closed.pk]

    clinician = cast.actor(cast.partner_user)
    for step in (S.ACCEPTED, S.EN_ROUTE, S.ON_SCENE, S.CLEAR):
        unit_services.advance(clinician, assignment=unit.assignment, to=step)
    closed.refresh_from_db()
    still_open.refresh_from_db()
    assert closed.status == S.CANCELLED
    assert still_open.status == S.SENT
    closed.call.refresh_from_db()
    assert closed.call.dispatched_at is None


def test_a_team_out_of_service_is_not_sent_nor_queued(cast: Cast) -> None:
    unit = crisis_team(cast)
    coordinator = actor_for_user(cast.member)
    unit_services.set_team_status(coordinator, team=unit.team, status=TeamStatus.OUT_OF_SERVICE)
    call = make_call(cast)
    with pytest.raises(ValidationError) as caught:
        services.assign_unit(coordinator, call=call, team=unit.team)
    assert "out of service" in caught.value.message_dict["team"][0]
    assert not CallAssignment.objects.filter(call=call).exists()


def test_only_candidates_can_be_put_on_a_team(cast: Cast) -> None:
    """The service checks who is put on a team, whatever the form offered: an outsider (no
    membership of the agency nor of a partner under an agreement in force) is refused."""
    unit = crisis_team(cast)
    coordinator = actor_for_user(cast.member)
    with pytest.raises(ValidationError) as caught:
        unit_services.set_team_members(
            coordinator, team=unit.team, users=[cast.partner_user, cast.outsider]
        )
    assert "members" in caught.value.message_dict
    assert list(unit.team.members.all()) == [cast.partner_user]
