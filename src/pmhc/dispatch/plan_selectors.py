"""Response plans at dispatch and on scene.

The call-taker sees that a person on the call has an approved plan and its safety line, nothing
more. The responders assigned to the call (an officer sent from the roster, or a member of a
team sent to it) read the whole plan, for an active call, while their unit works the call and
for ``PLAN_AFTER_CALL_HOURS`` after it cleared. Anyone else reads it only under break-glass
(the emergency purpose, which the policy opens only during an active use): then the read is
in the trail under that use, and the use is in the supervisors' review queue. Everyone else
gets the 404 that a missing plan gives. Every read names the call it was made for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from pmhc.dispatch.models import CURRENT_STEPS, AssignmentStatus, Call, CallAssignment
from pmhc.people import plan_selectors
from pmhc.people.plan_models import PLAN_READERS, ResponsePlan, ResponsePlanVersion
from pmhc.people.plan_selectors import PlanNotice
from pmhc.platform.access import Action, Actor, get_or_404
from pmhc.platform.models import Purpose

ACTIVE_CALL = Purpose.ACTIVE_CALL
EMERGENCY = Purpose.EMERGENCY


def after_call() -> dt.timedelta:
    return dt.timedelta(hours=settings.PLAN_AFTER_CALL_HOURS)


def _read_for(call: Call) -> str:
    return f"for call {call.pk} ({call.cad_event_id})"


def is_responder(actor: Actor, call: Call, *, now: dt.datetime | None = None) -> bool:
    """Whether the actor is on a unit sent to ``call`` that is working it, or cleared it less
    than ``PLAN_AFTER_CALL_HOURS`` ago (a queued or cancelled unit is not on the call). One
    query."""
    if actor.user_id is None:
        return False
    now = now or timezone.now()
    since = now - after_call()
    if call.cleared_at is not None and call.cleared_at < since:
        return False
    mine = Q(trainee__user_id=actor.user_id) | Q(team__members=actor.user_id)
    working = Q(status__in=sorted(CURRENT_STEPS)) | Q(
        status=AssignmentStatus.CLEAR, cleared_at__gte=since
    )
    return CallAssignment.objects.filter(mine, working, call_id=call.pk).exists()


def plan_purpose(actor: Actor, call: Call) -> str | None:
    """The purpose the actor would read the plans of this call's people for: an active call
    for its responders, an emergency under an active break-glass use; otherwise none."""
    if not actor.has_role(*PLAN_READERS):
        return None
    if is_responder(actor, call):
        return ACTIVE_CALL
    use = actor.break_glass
    if use is not None and use.is_open():
        return EMERGENCY
    return None


@dataclass(frozen=True)
class CallPlans:
    """The plans of a call's people as a page shows them: each plan's notice, and whether the
    reader may open the whole plan (and for which purpose)."""

    notices: list[PlanNotice]
    purpose: str | None

    @property
    def may_open(self) -> bool:
        return self.purpose is not None


def call_plans(actor: Actor, call: Call) -> CallPlans:
    """The safety lines of the approved plans of the people on ``call``, each an audited read
    for an active call. Three queries, and one audit event for each line shown."""
    plans = plan_selectors.approved_plans_on_call(call.pk)
    if not plans:
        return CallPlans([], None)
    notices = plan_selectors.safety_lines(actor, plans, ACTIVE_CALL, detail=_read_for(call))
    return CallPlans(notices, plan_purpose(actor, call) if notices else None)


@dataclass(frozen=True)
class PlanOnCall:
    call: Call
    plan: ResponsePlan
    version: ResponsePlanVersion
    purpose: str
    out_of_date: bool

    @property
    def under_break_glass(self) -> bool:
        return self.purpose == EMERGENCY


def plan_on_call(actor: Actor, call_pk: int, plan_pk: int) -> PlanOnCall:
    """One approved plan of a person on the call, whole, for a responder on the call or under
    break-glass: an audited read naming the call. 404 for everyone else, as for a plan or a
    call that does not exist."""
    call = get_or_404(actor, Call.objects.all(), Action.VIEW, ACTIVE_CALL, pk=call_pk)
    purpose = plan_purpose(actor, call)
    if purpose is None:
        raise Http404("Not found")
    plan = next(
        (p for p in plan_selectors.approved_plans_on_call(call.pk) if p.pk == plan_pk), None
    )
    if plan is None:
        raise Http404("Not found")
    version = plan_selectors.read_approved(actor, plan, purpose, detail=_read_for(call))
    return PlanOnCall(call, plan, version, purpose, version.is_out_of_date())
