"""The public's pages: what the registry is and who takes enrolments, the enrolment form, the
family's private page (through its link), and the complaint and correction form."""

from __future__ import annotations

import contextlib

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from pmhc.homesafe import correction_services, enrol_services, program_selectors
from pmhc.homesafe.correction_forms import CorrectionForm
from pmhc.homesafe.enrol_forms import FAMILY, PUBLIC, EnrolmentForm
from pmhc.homesafe.models import (
    RECONFIRM_MONTHS,
    REMINDER_INTERVAL_DAYS,
    REMINDERS,
    Enrolment,
    EnrolmentStatus,
    HomeSafeProgram,
)
from pmhc.homesafe.registry_common import condition_labels
from pmhc.platform.forms import apply_errors

SENT = "homesafe_sent"


def _private(response: HttpResponseBase) -> HttpResponseBase:
    """A page opened by a private link: keep the link out of referrers, caches and search.
    "strict-origin" rather than "no-referrer": the browser then still sends the page's origin
    with its own forms (the CSRF check needs it), and never the path that holds the token."""
    response["Referrer-Policy"] = "strict-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


def home(request: HttpRequest) -> HttpResponse:
    page = Paginator(program_selectors.open_programs(), program_selectors.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "homesafe/public/home.html",
        {
            "page": page,
            "months": RECONFIRM_MONTHS,
            "reminders": REMINDERS,
            "interval": REMINDER_INTERVAL_DAYS,
        },
    )


def enrol(request: HttpRequest, slug: str) -> HttpResponse:
    program = enrol_services.open_program(slug)
    form = EnrolmentForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        mode=PUBLIC,
        areas=program.areas,
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolment, _token = enrol_services.submit_enrolment(
                program=program,
                content=form.content(),
                caregivers=form.caregivers(),
                enrolled_by=form.cleaned_data["enrolled_by"],
                consent_by=form.cleaned_data["consent_by"],
                consent_name=form.cleaned_data["consent_name"],
                submitter=form.submitter(),
                photo=form.cleaned_data.get("photo"),
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session[SENT] = enrolment.reference
            return redirect("homesafe_sent")
    return render(
        request,
        "homesafe/public/enrol.html",
        {"form": form, "program": program},
        status=400 if form.errors else 200,
    )


def sent(request: HttpRequest) -> HttpResponse:
    return render(request, "homesafe/public/sent.html", {"reference": request.session.get(SENT)})


def confirm(request: HttpRequest, token: str) -> HttpResponseBase:
    """The link in the first e-mail. Confirming takes a click (a mail scanner that opens links
    confirms nothing)."""
    enrolment = enrol_services.by_token(token)
    if request.method == "POST":
        enrol_services.confirm_email(token=token)
        return _private(redirect("homesafe_mine", token=token))
    if enrolment.status != EnrolmentStatus.UNCONFIRMED:
        return _private(redirect("homesafe_mine", token=token))
    return _private(render(request, "homesafe/public/confirm.html", {"enrolment": enrolment}))


def mine(request: HttpRequest, token: str) -> HttpResponseBase:
    enrolment = enrol_services.read_by_family(token, shown="enrolment")
    program = program_selectors.program_of(enrolment.organization_id)
    return _private(
        render(
            request,
            "homesafe/public/mine.html",
            {
                "enrolment": enrolment,
                "caregivers": list(enrolment.caregivers.all()),
                "conditions": condition_labels(enrolment),
                "program": program,
                "token": token,
                "months": RECONFIRM_MONTHS,
                "may_reconfirm": enrolment.status
                in {EnrolmentStatus.ACTIVE, EnrolmentStatus.HIDDEN},
            },
        )
    )


def change(request: HttpRequest, token: str) -> HttpResponseBase:
    enrolment = (
        enrol_services.by_token(token)
        if request.method == "POST"
        else enrol_services.read_by_family(token, shown="change form")
    )
    program = program_selectors.program_of(enrolment.organization_id)
    form = EnrolmentForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=enrolment,
        mode=FAMILY,
        areas=program.areas if program else [],
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrol_services.change_enrolment(
                token=token,
                content=form.content(),
                caregivers=form.caregivers(),
                submitter=form.submitter(),
                photo=form.cleaned_data.get("photo"),
                remove_photo=bool(form.cleaned_data.get("remove_photo")),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _private(redirect("homesafe_mine", token=token))
    return _private(
        render(
            request,
            "homesafe/public/change.html",
            {"form": form, "enrolment": enrolment, "token": token},
            status=400 if form.errors else 200,
        )
    )


@require_POST
def reconfirm(request: HttpRequest, token: str) -> HttpResponseBase:
    # Nothing to re-confirm (not yet reviewed, say): the page says where the enrolment stands.
    with contextlib.suppress(ValidationError):
        enrol_services.reconfirm_enrolment(token=token)
    return _private(redirect("homesafe_mine", token=token))


def withdraw(request: HttpRequest, token: str) -> HttpResponseBase:
    enrolment = enrol_services.by_token(token)
    if request.method == "POST":
        enrol_services.withdraw_enrolment(token=token)
        return _private(redirect("homesafe_withdrawn"))
    return _private(
        render(request, "homesafe/public/withdraw.html", {"enrolment": enrolment, "token": token})
    )


def withdrawn(request: HttpRequest) -> HttpResponse:
    return render(request, "homesafe/public/withdrawn.html")


def photo(request: HttpRequest, token: str) -> HttpResponseBase:
    enrolment = enrol_services.read_by_family(token, shown="photo")
    return _private(photo_response(enrolment))


def photo_response(enrolment: Enrolment) -> FileResponse:
    """The photo, shown inline (only ever a checked PNG or JPEG) and never cached."""
    if not enrolment.photo:
        raise Http404("Not found")
    try:
        handle = enrolment.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404("Not found") from exc
    response = FileResponse(handle, content_type=enrolment.photo_content_type or "image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


def _ask(
    request: HttpRequest,
    program: HomeSafeProgram,
    *,
    enrolment: Enrolment | None = None,
    token: str = "",
) -> HttpResponseBase:
    initial = {}
    if enrolment is not None:
        initial = {
            "name": enrolment.submitter_name,
            "email": enrolment.submitter_email,
            "phone": enrolment.submitter_phone,
        }
    form = CorrectionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            correction = correction_services.request_correction(
                program=program, enrolment=enrolment, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            request.session["homesafe_asked"] = correction.reference
            return redirect("homesafe_asked")
    return render(
        request,
        "homesafe/public/ask.html",
        {"form": form, "program": program, "enrolment": enrolment, "token": token},
        status=400 if form.errors else 200,
    )


def ask(request: HttpRequest, slug: str) -> HttpResponseBase:
    program = (
        HomeSafeProgram.objects.select_related("organization")
        .filter(organization__slug=slug)
        .exclude(contact_name="")
        .first()
    )
    if program is None:
        raise Http404("Not found")
    return _ask(request, program)


def ask_mine(request: HttpRequest, token: str) -> HttpResponseBase:
    enrolment = enrol_services.by_token(token)
    program = program_selectors.program_of(enrolment.organization_id)
    if program is None:
        raise Http404("Not found")
    return _private(_ask(request, program, enrolment=enrolment, token=token))


def asked(request: HttpRequest) -> HttpResponse:
    return render(
        request, "homesafe/public/asked.html", {"reference": request.session.get("homesafe_asked")}
    )


urlpatterns: list[URLPattern] = [
    path("home-safe/", home, name="homesafe_public"),
    path("home-safe/enrolment-sent/", sent, name="homesafe_sent"),
    path("home-safe/withdrawn/", withdrawn, name="homesafe_withdrawn"),
    path("home-safe/request-sent/", asked, name="homesafe_asked"),
    path("home-safe/confirm/<str:token>/", confirm, name="homesafe_confirm"),
    path("home-safe/mine/<str:token>/", mine, name="homesafe_mine"),
    path("home-safe/mine/<str:token>/change/", change, name="homesafe_change"),
    path("home-safe/mine/<str:token>/reconfirm/", reconfirm, name="homesafe_reconfirm"),
    path("home-safe/mine/<str:token>/withdraw/", withdraw, name="homesafe_withdraw"),
    path("home-safe/mine/<str:token>/photo/", photo, name="homesafe_family_photo"),
    path("home-safe/mine/<str:token>/ask/", ask_mine, name="homesafe_ask_mine"),
    path("home-safe/<slug:slug>/enrol/", enrol, name="homesafe_enrol"),
    path("home-safe/<slug:slug>/ask/", ask, name="homesafe_ask"),
]
