"""The program's action plan: actions from the assessment's gaps, progress, overdue flags."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from pmhc.assessment import plan_services, selectors, services
from pmhc.assessment.forms import ActionForm
from pmhc.assessment.models import PlanAction
from pmhc.assessment.views import actor_of
from pmhc.platform.access import Action
from pmhc.platform.forms import apply_errors
from pmhc.platform.models import Organization


def _program(request: HttpRequest) -> tuple[Organization, list[Organization]]:
    programs = selectors.plan_organizations(actor_of(request))
    if not programs:
        raise Http404("Not found")
    slug = request.GET.get("program", "")
    chosen = next((p for p in programs if p.slug == slug), programs[0])
    return chosen, programs


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization, programs = _program(request)
    actions = selectors.plan(actor, organization)
    edition = selectors.edition_of_instrument(services.current_instrument())
    groups = []
    for element in edition.elements:
        mine = [a for a in actions if a.element == element.number]
        if mine:
            groups.append((element, [(a, selectors.is_overdue(a)) for a in mine]))
    return render(
        request,
        "assessment/plan.html",
        {
            "organization": organization,
            "programs": programs,
            "groups": groups,
            "progress": selectors.progress(actions),
            "overdue": [a for a in actions if selectors.is_overdue(a)],
            "can_change": bool(
                [p for p in selectors.programs_for(actor) if p.pk == organization.pk]
            ),
        },
    )


@login_required
def action_new(request: HttpRequest) -> HttpResponse:
    """A new action, usually from a gap in an assessment's report (``?assessment=&item=``)."""
    actor = actor_of(request)
    source = request.GET.get("assessment") or request.POST.get("assessment") or ""
    item_key = request.GET.get("item") or request.POST.get("item") or ""
    if not source.isdigit():
        raise Http404("Not found")
    assessment = selectors.assessment_for(actor, int(source), Action.CHANGE)
    assert assessment.organization is not None
    edition = selectors.edition_of(assessment)
    item = edition.items_by_key().get(item_key)
    element_number = item.element if item else int(request.GET.get("element", "0") or 0)
    element = edition.find(element_number)
    if element is None:
        raise Http404("Not found")
    form = ActionForm(
        request.POST or None,
        initial={"title": item.next_step if item else "", "owner": ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan_services.create_action(
                actor,
                organization=assessment.organization,
                assessment=assessment,
                element=element.number,
                item_key=item.key if item else "",
                title=data["title"],
                owner=data["owner"],
                due_on=data["due_on"],
                detail=data["detail"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        else:
            messages.success(request, _("Action added to the plan."))
            return redirect("assess_report", pk=assessment.pk)
    return render(
        request,
        "assessment/action_form.html",
        {
            "form": form,
            "assessment": assessment,
            "element": element,
            "item": item,
            "action": None,
        },
        status=400 if form.errors else 200,
    )


@login_required
def action_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    action: PlanAction = selectors.action_for(actor, pk, Action.CHANGE)
    form = ActionForm(
        request.POST or None,
        editing=True,
        initial={
            "title": action.title,
            "owner": action.owner,
            "due_on": action.due_on,
            "detail": action.detail,
            "status": action.status,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan_services.update_action(
                actor,
                action=action,
                title=data["title"],
                owner=data["owner"],
                due_on=data["due_on"],
                status=data["status"],
                detail=data["detail"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Action saved."))
            return redirect(f"{reverse('assess_plan')}?program={action.organization.slug}")
    return render(
        request,
        "assessment/action_form.html",
        {
            "form": form,
            "assessment": action.assessment,
            "element": None,
            "element_number": action.element,
            "item": None,
            "action": action,
        },
        status=400 if form.errors else 200,
    )
