"""The agency's pages: the Home Safe hub with its review queue, an enrolment to review, the
photo, an enrolment taken in person, the settings, and the requests to answer."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from pmhc.homesafe import (
    correction_selectors,
    correction_services,
    program_selectors,
    program_services,
    registry_selectors,
    registry_services,
    search_selectors,
)
from pmhc.homesafe.correction_forms import AnswerForm
from pmhc.homesafe.enrol_forms import AGENCY, EnrolmentForm, ReviewForm
from pmhc.homesafe.models import (
    ENROLMENT_KEEPERS,
    PROGRAM_KEEPERS,
    REGISTRY_READERS,
    EnrolmentStatus,
)
from pmhc.homesafe.program_forms import ProgramForm
from pmhc.homesafe.public_views import photo_response
from pmhc.homesafe.registry_common import condition_labels, registry_target
from pmhc.platform.access import Action, decide
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of
from pmhc.platform.models import Organization


def _may_enrol(request: HttpRequest) -> bool:
    actor = actor_of(request)
    org_id = actor.organization_id
    if org_id is None or actor.role not in ENROLMENT_KEEPERS:
        return False
    from pmhc.homesafe.registry_common import PURPOSE

    return bool(decide(actor, Action.CREATE, registry_target(org_id), PURPOSE))


def _lists() -> list[tuple[str, str]]:
    return [
        ("review", _("Waiting for review")),
        ("changed", _("Changed by the family since review")),
        ("hidden", _("Hidden: not re-confirmed")),
        ("active", _("In the registry")),
        ("requests", _("Requests to see, correct or complain")),
    ]


@login_required
def hub(request: HttpRequest) -> HttpResponse:
    actor = actor_of(request)
    organization = (
        Organization.objects.filter(pk=actor.organization_id).first()
        if actor.organization_id
        else None
    )
    reviewer = registry_selectors.is_reviewer(actor)
    may_enrol = _may_enrol(request)
    keeps_settings = program_services.may_keep(actor, organization)
    if actor.role not in REGISTRY_READERS | PROGRAM_KEEPERS:
        raise Http404("Not found")
    queue = (
        registry_selectors.queue(actor, show=request.GET.get("show", ""), params=request.GET)
        if reviewer
        else None
    )
    return render(
        request,
        "homesafe/registry/hub.html",
        {
            "queue": queue,
            "may_enrol": may_enrol,
            "may_search": search_selectors.can_search(actor),
            "keeps_settings": keeps_settings,
            "program": program_selectors.program_of(organization.pk) if organization else None,
            "tabs": [(key, label, *queue.counts[key]) for key, label in _lists()] if queue else [],
        },
    )


@login_required
def settings_page(request: HttpRequest) -> HttpResponseBase:
    actor = actor_of(request)
    organization, program = program_selectors.settings_for(actor)
    form = ProgramForm(request.POST if request.method == "POST" else None, instance=program)
    if request.method == "POST" and form.is_valid():
        try:
            program_services.update_program(
                actor,
                organization=organization,
                is_open=bool(form.cleaned_data["is_open"]),
                area_served=form.cleaned_data["area_served"],
                areas=form.areas(),
                contact_name=form.cleaned_data["contact_name"],
                contact_email=form.cleaned_data["contact_email"],
                contact_phone=form.cleaned_data["contact_phone"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The Home Safe settings are saved."))
            return redirect("homesafe_settings")
    return render(
        request,
        "homesafe/registry/settings.html",
        {"form": form, "organization": organization, "program": program},
        status=400 if form.errors else 200,
    )


@login_required
def enrol_in_person(request: HttpRequest) -> HttpResponseBase:
    actor = actor_of(request)
    if not _may_enrol(request):
        raise Http404("Not found")
    organization = Organization.objects.get(pk=actor.organization_id or 0)
    program = program_selectors.program_of(organization.pk)
    form = EnrolmentForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        mode=AGENCY,
        areas=program.areas if program else [],
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolment, _token = registry_services.enrol_in_person(
                actor,
                organization=organization,
                content=form.content(),
                caregivers=form.caregivers(),
                consent_by=form.cleaned_data["consent_by"],
                consent_name=form.cleaned_data["consent_name"],
                submitter=form.submitter(),
                photo=form.cleaned_data.get("photo"),
                base_url=request.build_absolute_uri("/"),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        else:
            if enrolment.status == EnrolmentStatus.ACTIVE:
                messages.success(
                    request, _("%(ref)s is in the registry.") % {"ref": enrolment.reference}
                )
                return redirect("homesafe_enrolment", reference=enrolment.reference)
            messages.success(
                request,
                _("%(ref)s is enrolled and waits for a coordinator's or supervisor's review.")
                % {"ref": enrolment.reference},
            )
            return redirect("homesafe_hub")
    return render(
        request,
        "homesafe/registry/enrol.html",
        {"form": form, "organization": organization},
        status=400 if form.errors else 200,
    )


def _detail(
    request: HttpRequest, reference: str, form: ReviewForm | None = None, status: int = 200
) -> HttpResponse:
    enrolment = registry_selectors.enrolment_for_review(actor_of(request), reference)
    changed = registry_selectors.is_changed_since_review(enrolment)
    return render(
        request,
        "homesafe/registry/detail.html",
        {
            "enrolment": enrolment,
            "caregivers": list(enrolment.caregivers.all()),
            "conditions": condition_labels(enrolment),
            "changed": changed,
            "may_review": enrolment.status == EnrolmentStatus.IN_REVIEW or changed,
            "may_decline": enrolment.status == EnrolmentStatus.IN_REVIEW,
            "form": form or ReviewForm(),
        },
        status=status,
    )


@login_required
def detail(request: HttpRequest, reference: str) -> HttpResponseBase:
    if request.method != "POST":
        return _detail(request, reference)
    actor = actor_of(request)
    enrolment = registry_selectors.enrolment_for_review(actor, reference)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            if request.POST.get("decision") == "decline":
                registry_services.decline(
                    actor, enrolment=enrolment, note=form.cleaned_data["note"]
                )
                messages.success(request, _("The enrolment is declined; the family is told."))
            else:
                registry_services.approve(actor, enrolment=enrolment)
                messages.success(
                    request, _("The enrolment is in the registry; the family is told.")
                )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        else:
            return redirect("homesafe_enrolment", reference=reference)
    return _detail(request, reference, form, status=400)


@login_required
def photo(request: HttpRequest, reference: str) -> HttpResponseBase:
    enrolment = registry_selectors.photo_for(actor_of(request), reference)
    return photo_response(enrolment)


@login_required
def correction(request: HttpRequest, reference: str) -> HttpResponseBase:
    actor = actor_of(request)
    item = correction_selectors.correction_for(actor, reference)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            correction_services.answer_correction(
                actor, correction=item, answer=form.cleaned_data["answer"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        else:
            messages.success(request, _("The answer is sent."))
            return redirect("homesafe_correction", reference=reference)
    return render(
        request,
        "homesafe/registry/correction.html",
        {"item": item, "form": form},
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("operate/home-safe/", hub, name="homesafe_hub"),
    path("operate/home-safe/settings/", settings_page, name="homesafe_settings"),
    path("operate/home-safe/enrol/", enrol_in_person, name="homesafe_enrol_in_person"),
    path("operate/home-safe/enrolments/<str:reference>/", detail, name="homesafe_enrolment"),
    path("operate/home-safe/enrolments/<str:reference>/photo/", photo, name="homesafe_photo"),
    path("operate/home-safe/requests/<str:reference>/", correction, name="homesafe_correction"),
]
