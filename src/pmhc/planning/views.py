"""Plan's pages: the community profile, the program-type advice, the staffing model and the One
Mind pledge tracker. Each reads through ``selectors`` and writes through ``services``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pmhc.planning import advisor, charts, selectors, services
from pmhc.planning.forms import PledgeForm, PolicyForm, ProfileForm
from pmhc.platform import panels, uploads
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of

#: The staffing page, for ``platform.panels``.
STAFFING_PAGE = "planning.staffing"


@login_required
def plan_home(request: HttpRequest) -> HttpResponse:
    view = selectors.plan_view(actor_of(request))
    advice = selectors.advice(view)
    return render(
        request,
        "planning/home.html",
        {
            "view": view,
            "profile": view.profile,
            "top": advice.ranking[0] if advice else None,
            "staffing": selectors.staffing_plan(view),
        },
    )


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require_editor(actor)
    current = selectors.profile(actor, organization)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(current))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_profile(actor, organization=organization, **form.service_arguments())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Community profile saved."))
            return redirect("plan_home")
    return render(
        request,
        "planning/profile_form.html",
        {"form": form, "organization": organization, "profile": current},
        status=400 if form.errors else 200,
    )


@login_required
def advice_page(request: HttpRequest) -> HttpResponse:
    view = selectors.plan_view(actor_of(request))
    return render(
        request,
        "planning/advice.html",
        {
            "view": view,
            "advice": selectors.advice(view),
            "rules": advisor.rule_table(),
        },
    )


@login_required
def staffing_page(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    view = selectors.plan_view(actor)
    shifts = selectors.staffing_plan(view)
    target = view.profile.service_target_percent / 100 if view.profile else 0.8
    rows = [
        (
            shift,
            charts.service_level_chart(
                shift.candidates,
                target=target,
                label=_("Service level by units on duty, %(shift)s shift")
                % {"shift": shift.load.name},
            ),
        )
        for shift in shifts
    ]
    return render(
        request,
        "planning/staffing.html",
        {
            "view": view,
            "profile": view.profile,
            "shifts": rows,
            # Higher apps' panels (Measure's what-if of the program's own calls).
            "panels": panels.render(STAFFING_PAGE, actor=actor),
        },
    )


@login_required
def onemind_page(request: HttpRequest) -> HttpResponse:
    view, pledge, tracker = selectors.tracker(actor_of(request))
    return render(
        request,
        "planning/onemind.html",
        {"view": view, "pledge": pledge, "tracker": tracker},
    )


@login_required
def pledge_edit(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require_editor(actor)
    current = selectors.pledge(actor, organization)
    form = PledgeForm(
        request.POST or None, initial={"pledged_on": current.pledged_on if current else None}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_pledge(
                actor, organization=organization, pledged_on=form.cleaned_data["pledged_on"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Pledge date saved."))
            return redirect("plan_onemind")
    return render(
        request,
        "planning/pledge_form.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )


@login_required
def policy_edit(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.require_editor(actor)
    current = selectors.pledge(actor, organization)
    initial = (
        {"title": current.policy_title, "adopted_on": current.policy_adopted_on} if current else {}
    )
    form = PolicyForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_policy(
                actor,
                organization=organization,
                title=form.cleaned_data["title"],
                adopted_on=form.cleaned_data["adopted_on"],
                file=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Model policy saved."))
            return redirect("plan_onemind")
    return render(
        request,
        "planning/policy_form.html",
        {"form": form, "organization": organization, "pledge": current},
        status=400 if form.errors else 200,
    )


@login_required
def policy_file(request: HttpRequest) -> FileResponse:
    record = selectors.policy_file(actor_of(request))
    response = uploads.attachment(
        record.policy_file,
        filename=record.policy_file_name or "policy",
        content_type=record.policy_content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
