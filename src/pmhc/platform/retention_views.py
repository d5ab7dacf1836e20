"""The administrator's retention page: how long each kind of record is kept, within its
bounds, and what a purge would remove now (``platform/retention.py``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from pmhc.platform import retention_selectors, retention_services, selectors
from pmhc.platform.http import actor_of
from pmhc.platform.retention_forms import RetentionForm


@login_required
def retention_page(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    schedules = retention_selectors.schedules(actor, organization)
    form = RetentionForm(schedules, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = retention_services.set_schedules(
                actor, organization=organization, days=form.days()
            )
        except ValidationError as exc:
            form.show(exc)
        else:
            messages.success(
                request,
                _("Retention schedule saved.") if changed else _("Nothing changed."),
            )
            return redirect("retention", slug=slug)
    lines = retention_selectors.due_lines(actor, [organization], sample=0)
    return render(
        request,
        "platform/retention.html",
        {"organization": organization, "form": form, "lines": lines},
        status=400 if form.errors else 200,
    )
