"""The duty board: the agency's shifts and teams and who is on duty now. Coordinators and
supervisors edit it; call-takers and responders read it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.dispatch import duty_services, selectors, unit_selectors
from pmhc.dispatch.forms import WEEKDAYS, ShiftForm, TeamForm, time_initial
from pmhc.dispatch.models import DutyShift, Team, TeamStatus
from pmhc.platform.access import Actor
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.platform.models import Organization


def _editable(actor: Actor) -> Organization:
    organization = selectors.require(selectors.duty_organization(actor))
    if not selectors.can_edit_duty(actor, organization):
        raise Http404("Not found")
    return organization


@login_required
def board(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require(selectors.duty_organization(actor))
    if not actor.has_role(*selectors.CALL_READERS):
        raise Http404("Not found")
    duty = selectors.on_duty(organization)
    on_now = {team.pk for team in duty.teams}
    day_names = dict(WEEKDAYS)
    board_teams = selectors.teams(actor, organization)
    listed = unit_selectors.member_team_ids(actor, board_teams)
    teams = [
        {
            "team": team,
            "days": ", ".join(str(day_names[d]) for d in sorted(team.days) if d in day_names),
            "on_now": team.pk in on_now,
            "sets_status": team.is_active
            and unit_selectors.can_set_status(actor, team, listed=team.pk in listed),
        }
        for team in board_teams
    ]
    return render(
        request,
        "dispatch/duty.html",
        {
            "organization": organization,
            "duty": duty,
            "shifts": selectors.shifts(actor, organization),
            "teams": teams,
            "can_edit": selectors.can_edit_duty(actor, organization),
            "statuses": TeamStatus.choices,
        },
    )


def _form_page(request: HttpRequest, context: dict[str, Any], form: Any) -> HttpResponse:
    status = 400 if form.errors else 200
    return render(request, "dispatch/duty_form.html", context | {"form": form}, status=status)


def _shift_page(request: HttpRequest, shift: DutyShift | None) -> HttpResponse:
    actor = actor_of(request)
    organization = _editable(actor)
    initial = (
        {
            "name": shift.name,
            "starts_at": time_initial(shift.starts_at),
            "ends_at": time_initial(shift.ends_at),
        }
        if shift
        else {}
    )
    form = ShiftForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            duty_services.save_shift(
                actor, organization=organization, shift=shift, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Shift saved."))
            return redirect("dispatch_duty")
    title = _("Edit the shift") if shift else _("Add a shift")
    return _form_page(request, {"title": title, "shift": shift}, form)


@login_required
def shift_new(request: HttpRequest) -> HttpResponse:
    return _shift_page(request, None)


@login_required
def shift_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _shift_page(request, selectors.shift_for_change(actor_of(request), pk))


@login_required
@require_POST
def shift_delete(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    shift = selectors.shift_for_change(actor, pk)
    duty_services.delete_shift(actor, shift=shift)
    messages.success(request, _("Shift removed."))
    return redirect("dispatch_duty")


def _team_page(request: HttpRequest, team: Team | None) -> HttpResponse:
    actor = actor_of(request)
    organization = _editable(actor)
    initial: dict[str, Any] = {"is_active": True}
    if team is not None:
        initial = {
            "name": team.name,
            "kind": team.kind,
            "provider": team.provider,
            "contact": team.contact,
            "days": team.days,
            "starts_at": time_initial(team.starts_at),
            "ends_at": time_initial(team.ends_at),
            "is_active": team.is_active,
        }
    if team is not None:
        initial["members"] = list(team.members.values_list("pk", flat=True))
    form = TeamForm(
        request.POST or None,
        initial=initial,
        candidates=unit_selectors.member_candidates(actor, organization),
    )
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "members": form.chosen_members()}
        try:
            duty_services.save_team(actor, organization=organization, team=team, **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Team saved."))
            return redirect("dispatch_duty")
    title = _("Edit the team") if team else _("Add a team")
    return _form_page(request, {"title": title, "team": team}, form)


@login_required
def team_new(request: HttpRequest) -> HttpResponse:
    return _team_page(request, None)


@login_required
def team_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _team_page(request, selectors.team_for_change(actor_of(request), pk))
