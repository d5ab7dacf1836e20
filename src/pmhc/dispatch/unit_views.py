"""A team's own pages: the calls its members are sent to, each call with what a responder
needs and a button for the next step, and the team's status. The duty board's status buttons
post here too. Thin: parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pmhc.dispatch import plan_selectors, selectors, unit_selectors, unit_services
from pmhc.dispatch.forms import StepForm, TeamStatusForm
from pmhc.dispatch.models import NEXT_STEP, UNIT_ROLES, AssignmentStatus, TeamStatus
from pmhc.platform import panels
from pmhc.platform.http import actor_of

#: The button that moves a unit to each step, as the responder reads it.
STEP_BUTTONS: dict[str, Any] = {
    AssignmentStatus.ACCEPTED: gettext_lazy("Accept the call"),
    AssignmentStatus.EN_ROUTE: gettext_lazy("En route"),
    AssignmentStatus.ON_SCENE: gettext_lazy("On scene"),
    AssignmentStatus.CLEAR: gettext_lazy("Clear the call"),
}


@login_required
def unit(request: HttpRequest) -> HttpResponse:
    """The member's teams, each with its status and the calls it is working now."""
    actor = actor_of(request)
    if not actor.has_role(*UNIT_ROLES):
        raise Http404("Not found")
    teams = unit_selectors.my_teams(actor)
    current = unit_selectors.unit_calls(actor, teams)
    queues = unit_selectors.queues(actor, teams)
    rows = [
        {
            "team": team,
            "calls": [a for a in current if a.team_id == team.pk],
            "queue": queues[team.pk],
        }
        for team in teams
    ]
    return render(request, "dispatch/unit.html", {"rows": rows, "statuses": TeamStatus.choices})


def _call_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    actor = actor_of(request)
    assignment = unit_selectors.unit_assignment(actor, pk)
    call = selectors.call_detail(actor, assignment.call_id)
    people, withheld = selectors.call_people(actor, call)
    next_step = NEXT_STEP.get(assignment.status)
    assert assignment.team is not None
    return {
        "assignment": assignment,
        "call": call,
        "people": people,
        "withheld": withheld,
        "restricted": selectors.call_restricted(actor, call),
        "next_step": next_step,
        "next_label": STEP_BUTTONS.get(next_step, "") if next_step else "",
        "may_move": bool(next_step)
        and unit_selectors.may_move(actor, assignment.team, f"step:{next_step}"),
        "panels": panels.render("dispatch.unit_call", actor=actor, assignment=assignment),
        "plans": plan_selectors.call_plans(actor, call),
    }


@login_required
def unit_call(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "dispatch/unit_call.html", _call_context(request, pk))


@login_required
@require_POST
def unit_step(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    assignment = unit_selectors.unit_assignment(actor, pk)
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            unit_services.advance(actor, assignment=assignment, to=form.cleaned_data["to"])
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                _("Recorded: %(step)s.") % {"step": assignment.get_status_display().lower()},
            )
            if assignment.status == AssignmentStatus.CLEAR:
                return redirect("dispatch_unit")
    else:
        messages.error(request, _("Choose the next step."))
    return redirect("dispatch_unit_call", pk=pk)


@login_required
@require_POST
def team_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Set a team's status: from the team's own page or from the duty board."""
    actor = actor_of(request)
    team = unit_selectors.team_for_status(actor, pk)
    back = "dispatch_duty" if request.POST.get("back") == "duty" else "dispatch_unit"
    form = TeamStatusForm(request.POST, prefix=f"team{team.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose the team's status."))
        return redirect(back)
    try:
        taken = unit_services.set_team_status(actor, team=team, status=form.cleaned_data["status"])
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    status = TeamStatus(team.status).label
    if taken is not None:
        messages.success(
            request,
            _("%(team)s took the next call in its queue: %(call)s.")
            % {"team": team.name, "call": taken.call.cad_event_id},
        )
    else:
        messages.success(
            request, _("%(team)s: %(status)s.") % {"team": team.name, "status": status}
        )
    return redirect(back)
