"""The pages of a missing-person incident: open one from an enrolment, the incident with its
sightings and outcome, the flyer, and the list of open searches. Thin: parse, call one service
or selector, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.homesafe import flyer as flyer_pdf
from pmhc.homesafe import incident_selectors, incident_services, search_selectors
from pmhc.homesafe.incident_forms import CloseForm, FoundForm, OpenIncidentForm, SightingForm
from pmhc.homesafe.models import IncidentStatus, MissingIncident
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of


@login_required
def open_incident(request: HttpRequest, reference: str) -> HttpResponse:
    actor = actor_of(request)
    if not incident_services.may_open(actor):
        raise Http404("Not found")
    enrolment = search_selectors.readable_enrolment(actor, reference)
    now = timezone.localtime().replace(second=0, microsecond=0)
    form = OpenIncidentForm(request.POST or None, initial={"reported_at": now})
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_services.open_incident(
                actor, enrolment=enrolment, **form.cleaned_data
            )
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        except incident_services.AlreadyOpen as exc:
            messages.info(
                request,
                _("A search for this person is already open: %(reference)s.")
                % {"reference": exc.incident.reference},
            )
            return redirect("homesafe_incident", reference=exc.incident.reference)
        else:
            messages.success(request, _("Search opened. The family contact has been told."))
            return redirect("homesafe_incident", reference=incident.reference)
    return render(
        request,
        "homesafe/incident/open.html",
        {"enrolment": enrolment, "form": form},
        status=400 if form.errors else 200,
    )


def _page(
    request: HttpRequest,
    reference: str,
    *,
    step: str = "",
    form: Form | None = None,
    status: int = 200,
    late: bool = False,
) -> HttpResponse:
    """The incident's page; ``form`` is the bound form of ``step`` when a write failed, and
    ``late`` says the search had ended before it arrived."""
    shown = incident_selectors.incident_page(actor_of(request), reference)
    bound = {step: form} if form is not None else {}
    sighting, found, close = bound.get("sighting"), bound.get("found"), bound.get("close")
    return render(
        request,
        "homesafe/incident/incident.html",
        {
            "shown": shown,
            "incident": shown.incident,
            "enrolment": shown.enrolment,
            "sighting_form": sighting or SightingForm(prefix="sighting"),
            "found_form": found or FoundForm(prefix="found"),
            "close_form": close or CloseForm(prefix="close"),
            "today": timezone.localdate(),
            "late": late,
            "late_form": form if late else None,
        },
        status=status,
    )


@login_required
def incident(request: HttpRequest, reference: str) -> HttpResponse:
    return _page(request, reference)


def _write(request: HttpRequest, reference: str, form: Form, step: str) -> HttpResponse:
    actor = actor_of(request)
    found = incident_selectors.incident_for_change(actor, reference)
    if form.is_valid():
        try:
            if step == "sighting":
                incident_services.record_sighting(actor, incident=found, **form.cleaned_data)
                messages.success(request, _("Sighting recorded."))
            elif step == "found":
                incident_services.record_found(actor, incident=found, **form.cleaned_data)
                messages.success(request, _("Recorded as found. The search is closed."))
            else:
                incident_services.close_without_finding(actor, incident=found, **form.cleaned_data)
                messages.success(request, _("The search is closed."))
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        except ValidationError as exc:
            apply_errors(form, exc)
        except incident_services.AlreadyClosed as exc:
            return _closed_meanwhile(request, reference, form, step, exc.incident)
        else:
            return redirect("homesafe_incident", reference=reference)
    return _page(request, reference, step=step, form=form, status=400)


def _closed_meanwhile(
    request: HttpRequest, reference: str, form: Form, step: str, closed: MissingIncident
) -> HttpResponse:
    """The search ended before this write: a second "found" is already done; a sighting or a
    close shows who ended the search and when, above what was typed (kept, not lost)."""
    if step == "found" and closed.status == IncidentStatus.FOUND and closed.found_at:
        messages.info(
            request,
            _("Already recorded as found at %(at)s.")
            % {"at": timezone.localtime(closed.found_at).strftime("%Y-%m-%d %H:%M")},
        )
        return redirect("homesafe_incident", reference=reference)
    return _page(request, reference, step=step, form=form, status=409, late=True)


@login_required
@require_POST
def add_sighting(request: HttpRequest, reference: str) -> HttpResponse:
    return _write(request, reference, SightingForm(request.POST, prefix="sighting"), "sighting")


@login_required
@require_POST
def record_found(request: HttpRequest, reference: str) -> HttpResponse:
    return _write(request, reference, FoundForm(request.POST, prefix="found"), "found")


@login_required
@require_POST
def close(request: HttpRequest, reference: str) -> HttpResponse:
    return _write(request, reference, CloseForm(request.POST, prefix="close"), "close")


@login_required
def flyer(request: HttpRequest, reference: str) -> HttpResponse:
    sheet = incident_selectors.flyer(actor_of(request), reference)
    response = HttpResponse(flyer_pdf.pdf(sheet), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="flyer-{sheet.incident.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def open_list(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    if not incident_selectors.can_read_incidents(actor):
        raise Http404("Not found")
    searches = incident_selectors.open_incidents(actor, request.GET)
    return render(request, "homesafe/incident/list.html", {"searches": searches})
