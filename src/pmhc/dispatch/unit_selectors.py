"""Every read of a team's work: the teams a person belongs to, the calls their teams are
working, a team's queue, and who may move a team's status or a unit's progress.

A team belongs to the agency that sends it; its members may be the agency's officers or a
partner's clinicians. A member reads the calls the team is sent to as the agency's calls are
read (``CALL_READERS`` for an active call; a partner's member only under an agreement in force
that covers agency data for active calls). Writes are checked as a shared record: the agency's
dispatchers may move any step, and a member's own organization may too, while the member may
read the team (``unit_target``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from pmhc.dispatch.models import (
    CURRENT_STEPS,
    DISPATCHERS,
    UNIT_ROLES,
    AssignmentStatus,
    CallAssignment,
    Team,
    TeamStatus,
)
from pmhc.platform.access import Action, Actor, Target, decide, restrict
from pmhc.platform.models import Classification, Membership, Organization, Purpose

ACTIVE_CALL = Purpose.ACTIVE_CALL
#: What a team's status and a unit's progress may be moved to, by anyone allowed at all.
TRANSITIONS = frozenset(
    {f"status:{value}" for value in TeamStatus.values}
    | {f"step:{value}" for value in AssignmentStatus.values}
)
#: How many teams one person's page shows at most.
TEAMS_LIMIT = 20
#: How many current calls a unit's page lists at most (a team works a handful at a time).
UNIT_CALLS_LIMIT = 20


def member_team_ids(actor: Actor, teams: list[Team]) -> frozenset[int]:
    """Which of ``teams`` list the actor among their members. One query for them all."""
    if actor.user_id is None or not teams:
        return frozenset()
    through = Team.members.through
    return frozenset(
        through.objects.filter(
            team_id__in=[team.pk for team in teams], user_id=actor.user_id
        ).values_list("team_id", flat=True)
    )


def is_member(actor: Actor, team: Team, *, listed: bool | None = None) -> bool:
    """Whether the actor is one of the team's members and may read the team where it is
    held: a partner's member only under an agreement in force. ``listed`` is whether the team
    lists them, when the caller has read it for many teams at once (``member_team_ids``)."""
    if actor.user_id is None:
        return False
    if listed is None:
        listed = team.members.filter(pk=actor.user_id).exists()
    if not listed:
        return False
    return bool(decide(actor, Action.VIEW, team, ACTIVE_CALL))


def unit_target(actor: Actor, team: Team, *, listed: bool | None = None) -> Target:
    """The team and its units' progress as the policy sees a change of them: held by the
    agency, whose dispatchers write it; the organization a member acts for takes part too."""
    member = is_member(actor, team, listed=listed)
    participants = {team.organization_id: TRANSITIONS}
    if member and actor.organization_id is not None:
        participants[actor.organization_id] = TRANSITIONS
    return Target(
        organization_ids=frozenset({team.organization_id}),
        access_classification=Classification.AGENCY,
        access_write_roles=DISPATCHERS | UNIT_ROLES if member else DISPATCHERS,
        participants=participants,
    )


def may_move(actor: Actor, team: Team, transition: str, *, listed: bool | None = None) -> bool:
    target = unit_target(actor, team, listed=listed)
    return bool(decide(actor, Action.CHANGE, target, ACTIVE_CALL, transition=transition))


def can_set_status(actor: Actor, team: Team, *, listed: bool | None = None) -> bool:
    return may_move(actor, team, f"status:{TeamStatus.AVAILABLE}", listed=listed)


def my_teams(actor: Actor) -> list[Team]:
    """The teams the actor belongs to and may read, by name."""
    if actor.user_id is None:
        return []
    return list(
        restrict(actor, Team.objects.filter(members=actor.user_id), Action.VIEW, ACTIVE_CALL)
        .select_related("organization")
        .order_by("name", "pk")[:TEAMS_LIMIT]
    )


def _assignments(actor: Actor) -> QuerySet[CallAssignment]:
    return restrict(actor, CallAssignment.objects.all(), Action.VIEW, ACTIVE_CALL)


def unit_calls(
    actor: Actor, teams: list[Team], limit: int = UNIT_CALLS_LIMIT
) -> list[CallAssignment]:
    """The calls the actor's teams are working now (sent to them and not yet clear), oldest
    first. One query."""
    if not teams:
        return []
    return list(
        _assignments(actor)
        .filter(team__in=teams, status__in=sorted(CURRENT_STEPS))
        .select_related("call", "team")
        .order_by("assigned_at", "pk")[:limit]
    )


def unit_assignment(actor: Actor, pk: int) -> CallAssignment:
    """One team's assignment to a call, for a member of the team or one of the agency's
    dispatchers; missing and forbidden give the same 404."""
    found = (
        _assignments(actor)
        .filter(pk=pk, team__isnull=False)
        .select_related("call", "call__organization", "team", "team__organization")
        .first()
    )
    if found is None or found.team is None:
        raise Http404("Not found")
    team = found.team
    dispatcher = actor.has_role(*DISPATCHERS) and can_set_status(actor, team)
    if not (dispatcher or is_member(actor, team)):
        raise Http404("Not found")
    return found


def team_for_status(actor: Actor, pk: int) -> Team:
    """A team whose status the actor may set (a member, or the agency's dispatchers)."""
    team = Team.objects.select_related("organization").filter(pk=pk).first()
    if team is None or not can_set_status(actor, team):
        raise Http404("Not found")
    return team


#: How many people the team form offers at most.
CANDIDATES_LIMIT = 300


def member_candidates(actor: Actor, organization: Organization) -> list[Membership]:
    """Who may be put on one of the agency's teams: its officers, supervisors and clinicians,
    and a partner's under an agreement in force that lets the partner read the agency's calls
    (agency data for active calls). Staff names only; bounded."""
    partners = {
        cover.partner_organization_id
        for cover in actor.partners
        if cover.own_organization_id == organization.pk
        and Classification.AGENCY in cover.classifications
        and ACTIVE_CALL in cover.purposes
    }
    return list(
        Membership.objects.filter(
            is_active=True,
            user__is_active=True,
            role__in=sorted(UNIT_ROLES),
            organization_id__in=sorted({organization.pk} | partners),
        )
        .select_related("user", "organization")
        .order_by("organization__name", "user__last_name", "user__first_name", "pk")[
            :CANDIDATES_LIMIT
        ]
    )


def queued(team: Team) -> QuerySet[CallAssignment]:
    """The calls waiting in a team's queue, oldest first: the first is taken when the team
    becomes available."""
    return CallAssignment.objects.filter(
        team=team, status=AssignmentStatus.QUEUED, call__cleared_at__isnull=True
    ).order_by("assigned_at", "pk")


@dataclass(frozen=True)
class QueuePlace:
    assignment: CallAssignment
    position: int


def queue(actor: Actor, team: Team, limit: int = UNIT_CALLS_LIMIT) -> list[QueuePlace]:
    """A team's queue as the actor may read it, each call with its place (1 is next)."""
    rows = (
        _assignments(actor)
        .filter(team=team, status=AssignmentStatus.QUEUED)
        .select_related("call")
        .order_by("assigned_at", "pk")[:limit]
    )
    return [QueuePlace(row, number) for number, row in enumerate(rows, start=1)]


def queues(
    actor: Actor, teams: list[Team], limit: int = UNIT_CALLS_LIMIT
) -> dict[int, list[QueuePlace]]:
    """Each team's queue as the actor may read it (``queue`` for many teams), by team id: the
    first ``limit`` calls of each, numbered from 1. One query, whatever the number of teams."""
    found: dict[int, list[QueuePlace]] = {team.pk: [] for team in teams}
    if not teams:
        return found
    place = Window(
        RowNumber(), partition_by=[F("team_id")], order_by=[F("assigned_at").asc(), F("pk").asc()]
    )
    rows = (
        _assignments(actor)
        .filter(team_id__in=list(found), status=AssignmentStatus.QUEUED)
        .select_related("call")
        .annotate(place=place)
        .filter(place__lte=limit)
        .order_by("team_id", "assigned_at", "pk")
    )
    for row in rows:
        found[int(row.team_id or 0)].append(QueuePlace(row, row.place))
    return found


def queue_position(assignment: CallAssignment) -> int | None:
    """Where a queued call stands in its team's queue (1 is next), or None if not queued."""
    if assignment.status != AssignmentStatus.QUEUED or assignment.team_id is None:
        return None
    ahead = (
        queued(assignment.team)  # type: ignore[arg-type]
        .filter(assigned_at__lte=assignment.assigned_at)
        .exclude(assigned_at=assignment.assigned_at, pk__gt=assignment.pk)
        .count()
    )
    return ahead
