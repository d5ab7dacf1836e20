"""The evaluation statistics' pages: before and after a program change, and CIT against
other responders. Analysts, coordinators and administrators of the organization read them."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from pmhc.evaluation import analysis_chart, analysis_selectors, change_selectors
from pmhc.evaluation.analysis_forms import BeforeAfterForm, ComparisonForm
from pmhc.evaluation.analysis_statistics import (
    MIN_CALLS_EACH_SIDE,
    MIN_ENCOUNTERS_PER_GROUP,
    MIN_EVENTS,
    MIN_PERIODS_EACH_SIDE,
)
from pmhc.evaluation.metrics import BY_KEY
from pmhc.platform.dates import today_in
from pmhc.platform.http import actor_of


@login_required
def before_after(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    changes, _more = change_selectors.changes(actor, actor.organization_id)
    data = request.GET if "change" in request.GET else BeforeAfterForm.initial_for(changes)
    form = BeforeAfterForm(data or None, changes=changes)
    analysis = chart = None
    rows: list[tuple[object, float | None]] = []
    if changes and form.is_valid():
        analysis = analysis_selectors.before_after(
            actor,
            actor.organization_id,
            change=form.changes[form.cleaned_data["change"]],
            metric=BY_KEY[form.cleaned_data["metric"]],
            grain=analysis_selectors.Grain(form.cleaned_data["grain"]),
        )
        chart = analysis_chart.chart(analysis)
        rows = [(p, analysis.result.fitted.get(p.index)) for p in analysis.points]
    return render(
        request,
        "evaluation/before_after.html",
        {
            "form": form,
            "changes": changes,
            "analysis": analysis,
            "chart": chart,
            "rows": rows,
            "can_write": change_selectors.may_write(actor, actor.organization_id),
            "min_periods": MIN_PERIODS_EACH_SIDE,
            "min_calls": MIN_CALLS_EACH_SIDE,
            "weeks": analysis_selectors.WEEKS_EACH_SIDE,
            "months": analysis_selectors.MONTHS_EACH_SIDE,
        },
        status=400 if form.errors else 200,
    )


@login_required
def cit_comparison(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    # The last year up to the organization's own today.
    today = today_in(actor.time_zone or "UTC")
    data = request.GET if "since" in request.GET else ComparisonForm.initial_for(today)
    form = ComparisonForm(data)
    comparison = None
    if form.is_valid():
        comparison = analysis_selectors.cit_comparison(
            actor,
            actor.organization_id,
            since=form.cleaned_data["since"],
            until=form.cleaned_data["until"],
        )
    else:
        # The check still runs: an actor who may not read the figures gets the one 404.
        analysis_selectors.check(actor, actor.organization_id)
    return render(
        request,
        "evaluation/cit_comparison.html",
        {
            "form": form,
            "comparison": comparison,
            "min_group": MIN_ENCOUNTERS_PER_GROUP,
            "min_events": MIN_EVENTS,
        },
        status=400 if form.errors else 200,
    )
