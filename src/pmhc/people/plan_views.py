"""The response plan pages of those who write and approve plans: a person's plan with its
history, the draft form, one version, and the versions waiting for approval. Thin: parse, call
one service or selector, render. Plans are written for case management."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.people import plan_selectors, plan_services, selectors
from pmhc.people.plan_forms import PlanForm
from pmhc.people.plan_models import VersionStatus
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of

PURPOSE = plan_services.PURPOSE


@login_required
def person_plan(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.person_detail(actor, pk, purpose=PURPOSE)
    shown = plan_selectors.person_plan(actor, person)
    may_write = plan_selectors.may_write_for(actor, person)
    if shown.plan is None and not may_write:
        raise Http404("Not found")
    return render(
        request,
        "people/plan.html",
        {
            "person": person,
            "shown": shown,
            "may_write": may_write and (shown.plan is None or shown.plan.status != "retired"),
            "may_approve": shown.open_version is not None
            and shown.open_version.status == VersionStatus.SUBMITTED
            and shown.open_version.author_id != actor.user_id
            and may_write,
            "waiting": VersionStatus.SUBMITTED,
        },
    )


@login_required
def plan_draft(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    person = selectors.person_detail(actor, pk, purpose=PURPOSE)
    if not plan_selectors.may_write_for(actor, person):
        raise Http404("Not found")
    shown = plan_selectors.person_plan(actor, person)
    start = shown.open_version or shown.approved
    initial = PlanForm.initial_from(plan_services.contents_of(start)) if start else {}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan_services.save_draft(actor, person=person, content=form.content())
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Send it for approval when it is ready."))
            return redirect("people_plan", pk=person.pk)
    status = 400 if form.errors else 200
    return render(request, "people/plan_form.html", {"person": person, "form": form}, status=status)


@login_required
def version(request: HttpRequest, pk: int) -> HttpResponse:
    shown = plan_selectors.version_detail(actor_of(request), pk)
    return render(request, "people/plan_version.html", {"version": shown})


def _act(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    actor = actor_of(request)
    found = plan_selectors.version_for_change(actor, pk)
    try:
        if step == "submit":
            plan_services.submit(actor, version=found)
            messages.success(request, _("Sent for approval. A second person approves it."))
        else:
            plan_services.approve(actor, version=found)
            messages.success(request, _("Approved. Responders on a call now see this version."))
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("people_plan", pk=found.plan.person_id)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "submit")


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "approve")


@login_required
@require_POST
def retire(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    plan = plan_selectors.plan_for_change(actor, pk)
    try:
        plan_services.retire(actor, plan=plan)
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    messages.success(request, _("Plan retired. Responders no longer see it."))
    return redirect("people_plan", pk=plan.person_id)


@login_required
def waiting(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not plan_selectors.can_write_plans(actor):
        raise Http404("Not found")
    page = plan_selectors.waiting_for_approval(actor, request.GET)
    return render(request, "people/plans_waiting.html", {"page": page})
