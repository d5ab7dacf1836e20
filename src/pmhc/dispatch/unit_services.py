"""Every write of a team's work: its status, its members, and a unit's progress on a call
(accepted, en route, on scene, clear), each checked against the policy and audited in the same
transaction.

When a team becomes available (its members or a dispatcher say so, or it clears its last
call) and calls wait in its queue, the oldest is sent to it and the team is on a call, in the
same transaction. The team's row is locked first and the queued call's row next, always in
that order, so two changes at once cannot both take the same call, and a team takes one call
at a time.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import (
    CURRENT_STEPS,
    NEXT_STEP,
    STEP_TIMES,
    AssignmentStatus,
    Call,
    CallAssignment,
    Team,
    TeamStatus,
)
from pmhc.dispatch.selectors import duty_target
from pmhc.dispatch.unit_selectors import member_candidates, queued, unit_target
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Purpose, User

ACTIVE_CALL = Purpose.ACTIVE_CALL
ADMIN = Purpose.ADMINISTRATION
TEAM_STATUS_FIELDS = ("status", "status_changed_at")
STEP_FIELDS = ("status", "accepted_at", "en_route_at", "on_scene_at", "cleared_at")


def _authorize(actor: Actor, team: Team, transition: str) -> None:
    decision = decide(
        actor, Action.CHANGE, unit_target(actor, team), ACTIVE_CALL, transition=transition
    )
    if not decision:
        raise PermissionDenied(decision.reason)


def _lock_team(team: Team) -> Team:
    audit.hold_chain(team.organization_id)  # the lock order: the chain, then the team
    return Team.objects.select_for_update().get(pk=team.pk)


def _set_status(actor: Actor, team: Team, status: str, *, detail: str = "") -> None:
    """Change the locked team's status and audit it."""
    before = audit.snapshot(team, TEAM_STATUS_FIELDS)
    team.status = status
    team.status_changed_at = timezone.now()
    team.save(update_fields=["status", "status_changed_at"])
    audit.record(
        DispatchAudit.TEAM_STATUS_SET,
        actor=actor,
        organization_id=team.organization_id,
        obj=team,
        purpose=ACTIVE_CALL,
        before=before,
        after=audit.snapshot(team, TEAM_STATUS_FIELDS),
        detail=detail,
    )


def _call_sent(assignment: CallAssignment) -> None:
    """A call taken from the queue counts as dispatched now, with the team among its units."""
    call = Call.objects.select_for_update().get(pk=assignment.call_id)
    now = timezone.now()
    if assignment.unit not in call.units:
        call.units = [*call.units, assignment.unit]
    if call.dispatched_at is None:
        call.dispatched_at = max(now, call.received_at)
    call.updated_at = now
    call.save(update_fields=["units", "dispatched_at", "updated_at"])


def team_sent(actor: Actor, team: Team) -> None:
    """A team locked by the caller (``assign_unit``) was sent a call: it is on a call from
    now, so the next call for it waits in its queue instead of being sent too."""
    if team.status == TeamStatus.AVAILABLE:
        _set_status(actor, team, TeamStatus.ON_CALL, detail="sent to a call")


def _take_next(actor: Actor, team: Team) -> CallAssignment | None:
    """The locked, available team takes the oldest call in its queue, if any: the call is
    sent to it and the team is on a call."""
    waiting = queued(team).select_for_update().first()
    if waiting is None:
        return None
    before = audit.snapshot(waiting, STEP_FIELDS)
    waiting.status = AssignmentStatus.SENT
    waiting.save(update_fields=["status"])
    _call_sent(waiting)
    audit.record(
        DispatchAudit.UNIT_DEQUEUED,
        actor=actor,
        organization_id=team.organization_id,
        obj=waiting,
        purpose=ACTIVE_CALL,
        before=before,
        after=audit.snapshot(waiting, STEP_FIELDS) | {"team": team.pk, "call": waiting.call_id},
    )
    _set_status(actor, team, TeamStatus.ON_CALL, detail="took the next call in its queue")
    return waiting


@transaction.atomic
def set_team_status(actor: Actor, *, team: Team, status: str) -> CallAssignment | None:
    """Set a team's status (its members, or the agency's dispatchers). A team made available
    takes the oldest call waiting in its queue; that assignment is returned."""
    if status not in TeamStatus.values:
        raise ValidationError({"status": _("Choose the team's status.")})
    _authorize(actor, team, f"status:{status}")
    locked = _lock_team(team)
    if not locked.is_active:
        raise ValidationError({"status": _("This team is not in service.")})
    if locked.status != status:
        _set_status(actor, locked, status)
    taken = _take_next(actor, locked) if status == TeamStatus.AVAILABLE else None
    team.status, team.status_changed_at = locked.status, locked.status_changed_at
    return taken


@transaction.atomic
def advance(actor: Actor, *, assignment: CallAssignment, to: str) -> CallAssignment:
    """Record a team's next step on a call, in order: accepted, en route, on scene, clear.
    The team is on a call from acceptance; when it clears its last current call it is
    available and takes the next call in its queue."""
    if assignment.team_id is None:
        raise PermissionDenied("only a team's progress is recorded here")
    team = assignment.team
    assert team is not None
    _authorize(actor, team, f"step:{to}")
    locked_team = _lock_team(team)
    locked = CallAssignment.objects.select_for_update().get(pk=assignment.pk)
    if NEXT_STEP.get(locked.status) != to:
        raise ValidationError(
            _("This step is not next: the unit is %(status)s.")
            % {"status": locked.get_status_display().lower()}
        )
    before = audit.snapshot(locked, STEP_FIELDS)
    now = timezone.now()
    locked.status = to
    setattr(locked, STEP_TIMES[to], now)
    locked.save(update_fields=["status", STEP_TIMES[to]])
    audit.record(
        DispatchAudit.UNIT_PROGRESS,
        actor=actor,
        organization_id=locked_team.organization_id,
        obj=locked,
        purpose=ACTIVE_CALL,
        before=before,
        after=audit.snapshot(locked, STEP_FIELDS) | {"team": team.pk, "call": locked.call_id},
    )
    if to == AssignmentStatus.ACCEPTED and locked_team.status != TeamStatus.ON_CALL:
        _set_status(actor, locked_team, TeamStatus.ON_CALL, detail="accepted a call")
    elif to == AssignmentStatus.CLEAR:
        still_working = (
            CallAssignment.objects.filter(team=locked_team, status__in=sorted(CURRENT_STEPS))
            .exclude(pk=locked.pk)
            .exists()
        )
        if not still_working and locked_team.status != TeamStatus.OUT_OF_SERVICE:
            if locked_team.status != TeamStatus.AVAILABLE:
                _set_status(actor, locked_team, TeamStatus.AVAILABLE, detail="cleared its call")
            _take_next(actor, locked_team)
    assignment.status = locked.status
    setattr(assignment, STEP_TIMES[to], now)
    return locked


@transaction.atomic
def set_team_members(actor: Actor, *, team: Team, users: Iterable[User]) -> Team:
    """Who is on a team (the agency's coordinators and supervisors decide): its members see
    the calls it is sent to and record its progress."""
    decision = decide(actor, Action.CHANGE, duty_target(team.organization), ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)
    chosen = sorted({user.pk for user in users})
    allowed = {m.user_id for m in member_candidates(actor, team.organization)}
    strangers = [pk for pk in chosen if pk not in allowed]
    if strangers:
        raise ValidationError(
            {
                "members": _(
                    "Only the agency's officers, supervisors and clinicians, or a partner's "
                    "under an agreement in force, can be on a team."
                )
            }
        )
    before = sorted(team.members.values_list("pk", flat=True))
    team.members.set(chosen)
    audit.record(
        DispatchAudit.TEAM_MEMBERS_SET,
        actor=actor,
        organization_id=team.organization_id,
        obj=team,
        purpose=ADMIN,
        before={"ids": before},
        after={"ids": chosen},
    )
    return team
