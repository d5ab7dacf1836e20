"""The quarterly report's pages: the figures and narratives of a quarter, the coordinator's
narratives form, and the PDF and CSV downloads."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from pmhc.evaluation import report_pdf, report_selectors, report_services
from pmhc.evaluation.report_forms import NarrativeForm, QuarterForm
from pmhc.platform.access import NOT_FOUND
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of


def _quarter(request: HttpRequest, today_year: int, today_quarter: int) -> QuarterForm:
    if "year" in request.GET or "quarter" in request.GET:
        return QuarterForm(request.GET)
    return QuarterForm({"year": today_year, "quarter": today_quarter})


@login_required
def report_page(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = report_selectors.organization_for(actor)
    default = report_selectors.last_full_quarter(organization.today())
    chooser = _quarter(request, *default)
    if not chooser.is_valid():
        return render(
            request,
            "evaluation/report.html",
            {"chooser": chooser, "organization": organization, "report": None},
            status=400,
        )
    year, quarter = chooser.cleaned_data["year"], chooser.cleaned_data["quarter"]
    report = report_selectors.report(actor, organization, year, quarter)
    may_write = report_selectors.may_write(actor, organization.pk)
    narratives = {section.key: section.narrative for section in report.sections}
    form = NarrativeForm(
        request.POST if request.method == "POST" and may_write else None, narratives=narratives
    )
    if request.method == "POST":
        if not may_write:
            raise Http404(NOT_FOUND)
        if form.is_valid():
            try:
                report_services.save_narratives(
                    actor,
                    organization=organization,
                    year=year,
                    quarter=quarter,
                    narratives=form.narratives(),
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Narratives saved."))
                return redirect(f"{reverse('measure_reports')}?year={year}&quarter={quarter}")
    query = f"?year={year}&quarter={quarter}"
    return render(
        request,
        "evaluation/report.html",
        {
            "chooser": chooser,
            "organization": organization,
            "report": report,
            "form": form if may_write else None,
            "query": query,
            "limit": report_selectors.NARRATIVE_LIMIT,
            "may_download": report_selectors.may_download(actor, organization.pk),
        },
        status=400 if form.errors else 200,
    )


def _download(request: HttpRequest, format: str) -> HttpResponse:
    actor = actor_of(request)
    organization = report_selectors.organization_for(actor)
    chooser = _quarter(request, *report_selectors.last_full_quarter(organization.today()))
    if not chooser.is_valid() or not report_selectors.may_download(actor, organization.pk):
        return redirect("measure_reports")
    year, quarter = chooser.cleaned_data["year"], chooser.cleaned_data["quarter"]
    report = report_selectors.report(actor, organization, year, quarter)
    report_services.record_download(
        actor, organization=organization, year=year, quarter=quarter, format=format
    )
    name = f"{organization.slug}-report-{year}-q{quarter}.{format}"
    if format == "pdf":
        response = HttpResponse(report_pdf.pdf(report), content_type="application/pdf")
    else:
        response = HttpResponse(report_pdf.csv_text(report), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_GET
def report_pdf_download(request: HttpRequest) -> HttpResponse:
    return _download(request, "pdf")


@login_required
@require_GET
def report_csv_download(request: HttpRequest) -> HttpResponse:
    return _download(request, "csv")
