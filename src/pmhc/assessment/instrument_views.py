"""The instrument's editions (public), and TTA staff revising the next one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.assessment import instrument_services, selectors, services
from pmhc.assessment.forms import PublishForm, RevisionForm
from pmhc.assessment.models import Instrument
from pmhc.assessment.views import actor_of
from pmhc.platform.forms import apply_errors


def editions(request: HttpRequest) -> HttpResponse:
    current = services.current_instrument()
    return render(
        request,
        "assessment/editions.html",
        {
            "current": current,
            "edition": selectors.edition_of_instrument(current),
            "editions": list(selectors.published_editions()),
            "draft": selectors.draft_edition(),
            "may_revise": instrument_services.may_revise(actor_of(request)),
        },
    )


def edition(request: HttpRequest, number: int) -> HttpResponse:
    found = selectors.edition_page(number)
    return render(
        request,
        "assessment/edition.html",
        {"instrument": found, "edition": selectors.edition_of_instrument(found)},
    )


def _draft(request: HttpRequest) -> Instrument:
    if not instrument_services.may_revise(actor_of(request)):
        raise Http404("Not found")
    draft = selectors.draft_edition()
    if draft is None:
        raise Http404("Not found")
    return draft


@login_required
@require_POST
def draft_start(request: HttpRequest) -> HttpResponse:
    try:
        instrument_services.start_draft(actor_of(request))
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    return redirect("assess_draft")


@login_required
def draft(request: HttpRequest) -> HttpResponse:
    found = _draft(request)
    form = PublishForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            instrument_services.publish_draft(
                actor_of(request), draft=found, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Edition %(n)d published. New assessments use it from now on.")
                % {"n": found.edition},
            )
            return redirect("assess_editions")
    return render(
        request,
        "assessment/draft.html",
        {"draft": found, "edition": selectors.edition_of_instrument(found), "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def draft_discard(request: HttpRequest) -> HttpResponse:
    found = _draft(request)
    instrument_services.discard_draft(actor_of(request), draft=found)
    messages.success(request, _("Draft discarded."))
    return redirect("assess_editions")


@login_required
def draft_element(request: HttpRequest, number: int) -> HttpResponse:
    found = _draft(request)
    element = selectors.edition_of_instrument(found).find(number)
    if element is None:
        raise Http404("Not found")
    form = RevisionForm(
        request.POST or None, element=element, initial=RevisionForm.initial_for(element)
    )
    if request.method == "POST" and form.is_valid():
        try:
            instrument_services.revise_element(
                actor_of(request),
                draft=found,
                number=number,
                intent=form.cleaned_data["intent"],
                items=form.revisions(),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Element %(n)d saved in the draft.") % {"n": number})
            return redirect("assess_draft")
    return render(
        request,
        "assessment/draft_element.html",
        {"draft": found, "element": element, "form": form},
        status=400 if form.errors else 200,
    )
