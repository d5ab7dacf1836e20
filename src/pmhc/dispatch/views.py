"""Operate's pages for calls: the home page, the call-taker's screen, the calls list and a
call's page. Thin: parse, call one selector or service, render. The routing rules and the duty
board are in ``rules_views`` and ``duty_views``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.dispatch import plan_selectors, selectors, services, triage, unit_selectors
from pmhc.dispatch.forms import (
    AssignForm,
    CallFilterForm,
    TakeCallForm,
    TimesForm,
    protocol_answers,
)
from pmhc.dispatch.models import AssignmentStatus, Routing
from pmhc.people.models import Person
from pmhc.platform import keyset, panels
from pmhc.platform.access import EMERGENCY_ROLES, Actor
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.platform.models import Role

CALLS_PAGE = 50
#: The calls list counts its matches up to this many ("more than 1,000"), never the table.
CALLS_COUNTED = 1000
#: How many of a person's calls their page lists, newest first.
PERSON_RECENT = 50


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], form: Any = None
) -> HttpResponse:
    status = 400 if form is not None and form.errors else 200
    return render(request, f"dispatch/{template}", context, status=status)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """What this person does next, by role; not there for roles with no work here."""
    actor = actor_of(request)
    if not selectors.opens_operate(actor):
        raise Http404("Not found")
    roles = actor.roles
    context: dict[str, Any] = {
        "takes_calls": selectors.call_organization(actor) is not None,
        "is_officer": bool(roles & {Role.OFFICER, Role.CLINICIAN}),
        "is_supervisor": Role.SUPERVISOR in roles,
        "is_coordinator": Role.COORDINATOR in roles,
        "reads_calls": bool(roles & {Role.CALL_TAKER, Role.SUPERVISOR, Role.COORDINATOR}),
        "breaks_glass": bool(roles & EMERGENCY_ROLES),
    }
    if context["is_officer"]:
        context["my_calls"] = selectors.officer_calls(actor, limit=10)
    if roles & {Role.OFFICER, Role.CLINICIAN, Role.SUPERVISOR}:
        # Anyone who may be on a team (a supervisor among them) finds the team's page here.
        context["my_teams"] = unit_selectors.my_teams(actor)
    # Other apps' sections of this page (the follow-ups due, for case managers); their forms
    # need the request's CSRF token.
    context["panels"] = panels.render("dispatch.index", actor=actor, csrf_token=get_token(request))
    if context["reads_calls"]:
        context["recent"] = selectors.recent_calls(actor, limit=10)
        context["recent_days"] = selectors.RECENT_WINDOW_DAYS
    return _render(request, "index.html", context)


# --- The call-taker's screen ------------------------------------------------------------


def _screen(
    request: HttpRequest, form: TakeCallForm, recommendation: selectors.Recommendation
) -> HttpResponse:
    return _render(
        request,
        "call_new.html",
        {"form": form, "rec": recommendation, "questions": triage.QUESTIONS},
        form,
    )


@login_required
def call_new(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require(selectors.call_organization(actor))
    posted = request.POST if request.method == "POST" else None
    try:
        answers = triage.clean_answers(protocol_answers(posted or {}))
    except ValidationError:
        answers = triage.clean_answers({})
    rec = selectors.recommend(actor, organization, answers)
    form = TakeCallForm(posted, officers=rec.duty.cit_officers, teams=rec.duty.teams)
    if posted is None or request.POST.get("action") == "preview":
        if posted is not None:
            form.errors.clear()  # showing the recommendation is not a submission
        return _screen(request, form, rec)
    if form.is_valid():
        data = form.cleaned_data
        officers = {t.pk: t for t in rec.duty.cit_officers}
        teams = {t.pk: t for t in rec.duty.teams}
        try:
            call = services.take_call(
                actor,
                organization=organization,
                cad_event_id=data["cad_event_id"],
                received_at=data["received_at"],
                answers=form.answers(),
                decision=data["decision"] or None,
                decision_reason=data["decision_reason"],
                trainees=[officers[pk] for pk in data["officers"]],
                teams=[teams[pk] for pk in data["teams"]],
                unit=data["unit"],
                person=form.person(),
                person_role=data["person_role"],
                dispatch_recommended=request.POST.get("action") == "dispatch",
                transfer_line=data["transfer_line"],
                transfer_accepted=data["transfer_accepted"],
                **form.call_values(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Call %(id)s recorded and triaged.") % {"id": call.cad_event_id},
            )
            return redirect("dispatch_call", pk=call.pk)
    return _screen(request, form, rec)


@login_required
@require_POST
def recommend(request: HttpRequest) -> HttpResponse:
    """The recommendation panel alone, for the screen to refresh as answers change."""
    actor = actor_of(request)
    organization = selectors.require(selectors.call_organization(actor))
    try:
        answers = triage.clean_answers(protocol_answers(request.POST))
    except ValidationError as exc:
        return _render(request, "_recommendation.html", {"errors": exc.messages}, None)
    rec = selectors.recommend(actor, organization, answers)
    return _render(request, "_recommendation.html", {"rec": rec})


# --- Calls -------------------------------------------------------------------------------


@login_required
def calls(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not actor.has_role(*selectors.CALL_READERS):
        raise Http404("Not found")
    form = CallFilterForm(request.GET or None, districts=selectors.districts(actor))
    queryset = selectors.calls(actor, form.filters(), time_zone=actor.time_zone)
    page = keyset.paginate(
        queryset,
        request.GET,
        order=selectors.CALL_ORDER,
        kinds=selectors.CALL_ORDER_KINDS,
        size=CALLS_PAGE,
    )
    count, more = keyset.count_up_to(queryset, CALLS_COUNTED)
    return _render(
        request,
        "calls.html",
        {
            "form": form,
            "page": page,
            "count": count,
            "more": more,
            "takes_calls": selectors.call_organization(actor) is not None,
        },
    )


def _detail_context(request: HttpRequest, actor: Actor, pk: int) -> dict[str, Any]:
    call = selectors.call_detail(actor, pk)
    people, withheld = selectors.call_people(actor, call)
    can_change = selectors.can_change_call(actor, call)
    context: dict[str, Any] = {
        "call": call,
        "people": people,
        "withheld": withheld,
        "restricted": selectors.call_restricted(actor, call),
        "can_change": can_change,
        "queue_places": selectors.queue_places(call),
        "unit_labels": [
            str(Routing(unit).label) for unit in call.recommended_units if unit in Routing.values
        ],
        "panels": panels.render("dispatch.call", actor=actor, call=call),
        # That a person on the call has a plan, and its safety line (an audited read).
        "plans": plan_selectors.call_plans(actor, call),
    }
    if can_change:
        duty = selectors.on_duty(call.organization)
        context["assign_form"] = AssignForm(officers=duty.cit_officers, teams=duty.teams)
        context["times_form"] = TimesForm(
            initial={
                "first_arrival_at": call.first_arrival_at,
                "cleared_at": call.cleared_at,
                "cit_arrived": call.cit_arrived,
            }
        )
    return context


@login_required
def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    return _render(request, "call.html", _detail_context(request, actor, pk))


@login_required
@require_POST
def call_assign(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    call = selectors.call_for_change(actor, pk)
    duty = selectors.on_duty(call.organization)
    form = AssignForm(request.POST, officers=duty.cit_officers, teams=duty.teams)
    if form.is_valid():
        data = form.cleaned_data
        officers = {t.pk: t for t in duty.cit_officers}
        teams = {t.pk: t for t in duty.teams}
        try:
            assignment = services.assign_unit(
                actor,
                call=call,
                trainee=officers.get(data["officer"]) if data["officer"] else None,
                team=teams.get(data["team"]) if data["team"] else None,
                unit=data["unit"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if assignment.status == AssignmentStatus.QUEUED:
                messages.success(
                    request,
                    _("%(team)s is on a call: the call waits in its queue.")
                    % {"team": assignment.unit},
                )
            else:
                messages.success(request, _("Unit sent."))
            return redirect("dispatch_call", pk=call.pk)
    context = _detail_context(request, actor, pk) | {"assign_form": form}
    return _render(request, "call.html", context, form)


@login_required
@require_POST
def call_times(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    call = selectors.call_for_change(actor, pk)
    form = TimesForm(request.POST)
    if form.is_valid():
        try:
            services.record_times(actor, call=call, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Times recorded."))
            return redirect("dispatch_call", pk=call.pk)
    context = _detail_context(request, actor, pk) | {"times_form": form}
    return _render(request, "call.html", context, form)


def person_calls_panel(*, actor: Actor, person: Person) -> dict[str, Any]:
    """The calls panel on a person's page (registered in ``DispatchConfig.ready``)."""
    return {"calls": list(selectors.calls_for_person(actor, person)[:PERSON_RECENT])}
