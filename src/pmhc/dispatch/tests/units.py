"""Test setup for teams at work: a mobile crisis team of the agency staffed by the partner's
clinician, a call sent to it, and calls waiting in its queue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch import services, unit_services
from pmhc.dispatch.models import AssignmentStatus, Call, CallAssignment, Team, TeamKind
from pmhc.dispatch.tests.helpers import cad_id, team_all_week
from pmhc.platform.access import actor_for_user


def make_call(cast: Cast, *, minutes_ago: int = 30, narrative: str = "") -> Call:
    return services.create_call(
        cast.actor(cast.member),
        organization=cast.agency,
        cad_event_id=cad_id(),
        received_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
        address="12 Alder Street",
        narrative=narrative,
        is_mental_health=True,
    )


def queue_call(team: Team, call: Call, *, minutes_ago: int) -> CallAssignment:
    """A call put in a busy team's queue (the call-taker's routing does this in the app)."""
    return CallAssignment.objects.create(
        call=call,
        team=team,
        unit=team.name,
        status=AssignmentStatus.QUEUED,
        assigned_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


@dataclass
class Unit:
    team: Team
    call: Call
    assignment: CallAssignment


def crisis_team(cast: Cast, *, narrative: str = "") -> Unit:
    """The agency's mobile crisis team, the partner's clinician on it, and a call sent to it."""
    team = team_all_week(cast.agency, TeamKind.MOBILE_CRISIS)
    coordinator = actor_for_user(cast.member)
    unit_services.set_team_members(coordinator, team=team, users=[cast.partner_user])
    call = make_call(cast, narrative=narrative)
    assignment = services.assign_unit(coordinator, call=call, team=team)
    return Unit(team, call, assignment)
