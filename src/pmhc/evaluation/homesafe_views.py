"""Home Safe in Measure: the searches of the last twelve months, counts only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from pmhc.evaluation import homesafe_chart, homesafe_selectors
from pmhc.evaluation.rollup_selectors import check
from pmhc.platform.http import actor_of
from pmhc.platform.selectors import acting_organization


@login_required
def home_safe(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    check(actor, actor.organization_id)
    organization = acting_organization(actor)
    assert organization is not None  # checked above
    shown = homesafe_selectors.figures(actor, organization)
    return render(
        request,
        "evaluation/home_safe.html",
        {
            "shown": shown,
            "chart": homesafe_chart.month_bars(
                shown.months,
                label=_("Missing-person searches opened and people found, by month"),
            ),
        },
    )
