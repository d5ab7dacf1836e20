"""The program changes: the dated starts that the before-and-after analysis is run on.
Coordinators and administrators record them; analysts read them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.evaluation import change_selectors, change_services
from pmhc.evaluation.change_forms import ProgramChangeForm
from pmhc.evaluation.models import ProgramChange
from pmhc.platform.access import NOT_FOUND
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.platform.models import Organization


@login_required
def change_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    changes, more = change_selectors.changes(actor, actor.organization_id)
    return render(
        request,
        "evaluation/change_list.html",
        {
            "changes": changes,
            "more": more,
            "limit": change_selectors.LIST_LIMIT,
            "can_write": change_selectors.may_write(actor, actor.organization_id),
        },
    )


def _form_page(request: HttpRequest, change: ProgramChange | None) -> HttpResponse:
    actor = actor_of(request)
    organization_id = actor.organization_id
    if organization_id is None or not change_selectors.may_write(actor, organization_id):
        raise Http404(NOT_FOUND)
    initial = (
        {
            "kind": change.kind,
            "name": change.name,
            "started_on": change.started_on,
            "note": change.note,
        }
        if change
        else {}
    )
    form = ProgramChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            change_services.save_change(
                actor,
                organization=Organization.objects.get(pk=organization_id),
                change=change,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Program change saved."))
            return redirect("evaluation_changes")
    title = _("Edit the program change") if change else _("Record a program change")
    return render(
        request,
        "evaluation/change_form.html",
        {"title": title, "change": change, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def change_new(request: HttpRequest) -> HttpResponse:
    return _form_page(request, None)


@login_required
def change_edit(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    return _form_page(request, change_selectors.change_for_write(actor, actor.organization_id, pk))


@login_required
@require_POST
def change_remove(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    change = change_selectors.change_for_write(actor, actor.organization_id, pk)
    change_services.remove_change(actor, change=change)
    messages.success(request, _("Program change removed."))
    return redirect("evaluation_changes")
