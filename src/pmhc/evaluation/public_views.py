"""Measure's public page and the settings that publish it. The page needs no sign-in and shows
only suppressed counts; the settings are the coordinator's and administrators'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pmhc.evaluation import (
    metrics,
    public_charts,
    public_selectors,
    settings_selectors,
    settings_services,
)
from pmhc.evaluation.settings_forms import SettingsForm
from pmhc.platform.caching import public_page
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of

#: Seconds a browser or a proxy may keep the public page.
PUBLIC_MAX_AGE = 300


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = settings_selectors.kept_organization(actor)
    current = settings_selectors.current(organization)
    form = SettingsForm(request.POST or None, settings=current)
    if request.method == "POST" and form.is_valid():
        try:
            settings_services.save_settings(
                actor, organization=organization, **form.service_arguments()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Measure settings saved."))
            return redirect("measure_public_settings")
    return render(
        request,
        "evaluation/public_settings.html",
        {
            "form": form,
            "organization": organization,
            "settings": current,
            "public_url": reverse("measure_public", args=[organization.slug]),
            "metrics": metrics.METRICS,
        },
        status=400 if form.errors else 200,
    )


@require_GET
@public_page
def public(request: HttpRequest, slug: str) -> HttpResponse:
    page = public_selectors.public_page(slug)
    charts = {
        view.metric.key: public_charts.month_chart(
            view, label=_("%(name)s by month") % {"name": view.metric.name}
        )
        for view in page.metrics
    }
    response = render(
        request,
        "evaluation/public.html",
        {"page": page, "items": [(view, charts[view.metric.key]) for view in page.metrics]},
    )
    # The same for every visitor until the rollups move on; a cache may keep it a while.
    patch_cache_control(response, max_age=PUBLIC_MAX_AGE)
    return response
