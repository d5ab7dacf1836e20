"""Measure's de-identified calls and reports: a page stating the method, and the download."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from pmhc.platform.dates import today_in
from pmhc.platform.exports import spreadsheet_cell
from pmhc.platform.http import actor_of
from pmhc.response import deidentified_selectors as selectors
from pmhc.response.deidentified_forms import PeriodForm


class _Echo:
    def write(self, value: str) -> str:
        return value


def _page(request: HttpRequest, form: PeriodForm, status: int = 200) -> HttpResponse:
    return render(
        request,
        "response/deidentified.html",
        {
            "form": form,
            "min_cell": selectors.MIN_CELL_SIZE,
            "merged": selectors.MERGED_AREA,
            "header": selectors.HEADER,
        },
        status=status,
    )


@login_required
def deidentified(request: HttpRequest) -> HttpResponse:
    organization = selectors.organization_for(actor_of(request))
    form = PeriodForm(initial=PeriodForm.default(today_in(organization.time_zone)))
    return _page(request, form)


@login_required
def deidentified_csv(request: HttpRequest) -> HttpResponseBase:
    actor = actor_of(request)
    organization = selectors.organization_for(actor)
    form = PeriodForm(request.GET)
    if not form.is_valid():
        return _page(request, form, status=400)
    rows = selectors.rows(
        actor,
        organization,
        since=form.cleaned_data["since"],
        until=form.cleaned_data["until"],
    )
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        for row in rows:
            yield writer.writerow(spreadsheet_cell(value) for value in row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="deidentified-{organization.slug}-{stamp}.csv"'
    )
    return response
