"""The Measure dashboard: the four outcomes and the other measures, and the downloads of
exactly what it shows (CSV and XLSX)."""

from __future__ import annotations

import csv
import io

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook  # type: ignore[import-untyped]

from pmhc.evaluation import dashboard_selectors as selectors
from pmhc.evaluation.dashboard_forms import DashboardForm
from pmhc.evaluation.rollup_selectors import check
from pmhc.evaluation.settings_selectors import may_keep
from pmhc.platform.access import Actor
from pmhc.platform.dates import today_in
from pmhc.platform.exports import spreadsheet_cell
from pmhc.platform.http import actor_of
from pmhc.platform.models import Organization
from pmhc.platform.selectors import acting_organization
from pmhc.response.deidentified_selectors import may_download

#: The pages of Measure the dashboard leads to, by URL name; the public page's settings only
#: for those who keep them (every reader of the dashboard may open the others).
HUB = (
    ("evaluation_before_after", _("Before and after")),
    ("evaluation_cit_comparison", _("CIT comparison")),
    ("evaluation_changes", _("Program changes")),
    ("measure_reports", _("Quarterly report")),
    ("measure_public_settings", _("Public page settings")),
    ("measure_what_if", _("What if")),
    ("measure_home_safe", _("Home Safe searches")),
)
KEEPERS_ONLY = frozenset({"measure_public_settings"})
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _hub(actor: Actor) -> list[tuple[str, str]]:
    keeper = may_keep(actor, actor.organization_id)
    return [
        (reverse(name), str(label)) for name, label in HUB if keeper or name not in KEEPERS_ONLY
    ]


def _organization(request: HttpRequest) -> Organization:
    actor = actor_of(request)
    check(actor, actor.organization_id)
    organization = acting_organization(actor)
    assert organization is not None  # checked above
    return organization


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = _organization(request)
    form = DashboardForm(request.GET, today=today_in(organization.time_zone))
    board = None
    if form.is_valid():
        board = selectors.build(actor, organization.pk, form.filters())
        form.offer(board.choices)
    return render(
        request,
        "evaluation/dashboard.html",
        {
            "form": form,
            "board": board,
            "query": request.GET.urlencode(),
            "hub": _hub(actor),
            "deidentified": may_download(actor, organization.pk),
            "max_months": selectors.MAX_MONTHS,
        },
        status=200 if board is not None else 400,
    )


def _download(
    request: HttpRequest, kind: str
) -> tuple[Organization, list[tuple[object, ...]]] | HttpResponse:
    actor = actor_of(request)
    organization = _organization(request)
    form = DashboardForm(request.GET, today=today_in(organization.time_zone))
    if not form.is_valid():
        return render(
            request,
            "evaluation/dashboard.html",
            {"form": form, "board": None, "hub": _hub(actor), "max_months": selectors.MAX_MONTHS},
            status=400,
        )
    board = selectors.build(actor, organization.pk, form.filters())
    selectors.audit_download(actor, organization.pk, board, kind)
    return organization, list(selectors.rows(board))


def _filename(organization: Organization, extension: str) -> str:
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    return f'attachment; filename="measure-{organization.slug}-{stamp}.{extension}"'


@login_required
def dashboard_csv(request: HttpRequest) -> HttpResponse:
    found = _download(request, "CSV")
    if isinstance(found, HttpResponse):
        return found
    organization, rows = found
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(
            [value if isinstance(value, int | float) else spreadsheet_cell(value) for value in row]
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _filename(organization, "csv")
    return response


@login_required
def dashboard_xlsx(request: HttpRequest) -> HttpResponse:
    found = _download(request, "XLSX")
    if isinstance(found, HttpResponse):
        return found
    organization, rows = found
    book = Workbook()
    sheet = book.active
    sheet.title = "Measure"
    for row in rows:
        sheet.append([value if isinstance(value, int | float) else str(value) for value in row])
        # Text stays text: a value that starts like a formula is never run.
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = _filename(organization, "xlsx")
    return response
