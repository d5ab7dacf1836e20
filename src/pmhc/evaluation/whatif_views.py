"""The what-if page: calls whose protocol recommended a clinician-led team but that went to
police instead (for any reason), by shift and day, and what one more team on a shift would have
answered by Plan's staffing model."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from pmhc.evaluation import report_selectors, whatif_selectors
from pmhc.platform.forms import USWDSMixin
from pmhc.platform.http import actor_of

WEEKDAY_NAMES = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)


class WhatIfForm(USWDSMixin, forms.Form):
    shift = forms.ChoiceField(label=_("One more team on the shift"))
    teams_now = forms.IntegerField(
        label=_("Teams on that shift now"),
        required=False,
        min_value=0,
        max_value=whatif_selectors.MAX_TEAMS,
        help_text=_(
            "A whole number from 0 to %(max)d. Leave it empty to let the model infer it from "
            "the share of calls that went to police instead."
        )
        % {"max": whatif_selectors.MAX_TEAMS},
    )

    def __init__(self, *args: Any, shifts: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shift"].choices = [(s, s or _("Shift not recorded")) for s in shifts]  # type: ignore[attr-defined]
        self.fields["teams_now"].widget.attrs.update(
            {"inputmode": "numeric", "class": "usa-input usa-input--small"}
        )


@login_required
@require_GET
def what_if(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = report_selectors.organization_for(actor)
    what = whatif_selectors.counts(actor, organization)
    form = WhatIfForm(request.GET if "shift" in request.GET else None, shifts=what.shifts)
    result = None
    if form.is_bound and form.is_valid():
        result = whatif_selectors.estimate(
            what, form.cleaned_data["shift"], form.cleaned_data["teams_now"]
        )
    rows = [
        (
            row.shift or _("Shift not recorded"),
            row.by_weekday,
            row.no_day,
            row.unavailable,
            row.recommended,
        )
        for row in what.rows
    ]
    return render(
        request,
        "evaluation/what_if.html",
        {
            "organization": organization,
            "what": what,
            "rows": rows,
            "weekdays": WEEKDAY_NAMES,
            "form": form,
            "result": result,
            "asked": form.is_bound and form.is_valid(),
        },
        status=400 if form.errors else 200,
    )
