"""The consent pages of a person: the list, giving a consent (with its signed copy), reading
one, revoking it, and the form printed for signature (blank, or the filled copy)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.people import consent_pdf, consent_selectors, consent_services
from pmhc.people.consent_forms import NAMED, ConsentForm
from pmhc.people.consent_notice import PART2_PLAIN, PART2_SECTION, PART2_STATEMENT, REVOCATION
from pmhc.platform import keyset, uploads
from pmhc.platform.forms import apply_errors
from pmhc.platform.http import actor_of

PURPOSE = consent_selectors.PURPOSE
NOTICE = {
    "section": PART2_SECTION,
    "statement": PART2_STATEMENT,
    "plain": PART2_PLAIN,
    "revocation": REVOCATION,
}


@login_required
def consents(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    person = consent_selectors.person_for_consents(actor, pk)
    page = keyset.paginate(
        consent_selectors.consent_list(actor, person),
        request.GET,
        order=consent_selectors.ORDER,
        kinds=consent_selectors.ORDER_KINDS,
        size=consent_selectors.PAGE_SIZE,
    )
    return render(
        request,
        "people/consents.html",
        {
            "person": person,
            "page": page,
            "today": timezone.localdate(),
            "can_give": consent_selectors.can_give(actor, person),
        },
    )


@login_required
def consent_new(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    person = consent_selectors.person_for_consents(actor, pk)
    if not consent_selectors.can_give(actor, person):
        raise Http404("Not found")
    form = ConsentForm(
        request.POST or None,
        request.FILES or None,
        recipients=consent_selectors.recipient_choices(actor),
        initial={"valid_from": timezone.localdate(), "scope": NAMED},
    )
    if request.method == "POST" and form.is_valid():
        try:
            consent = consent_services.give_consent(
                actor, person=person, purpose=PURPOSE, **form.values()
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("people_consent", pk=person.pk, consent_pk=consent.pk)
    return render(
        request,
        "people/consent_form.html",
        {"person": person, "form": form, "notice": NOTICE},
        status=400 if form.errors else 200,
    )


@login_required
def consent(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    actor = actor_of(request)
    person = consent_selectors.person_for_consents(actor, pk)
    read = consent_selectors.consent_detail(actor, person, consent_pk)
    return render(
        request,
        "people/consent.html",
        {
            "person": person,
            "read": read,
            "consent": read.consent,
            "fields": read.fields,
            "notice": NOTICE,
            "can_revoke": consent_selectors.can_revoke(actor, read.consent),
        },
    )


@login_required
def consent_revoke(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    actor = actor_of(request)
    person = consent_selectors.person_for_consents(actor, pk)
    found = consent_selectors.consent_for_revoke(actor, person, consent_pk)
    if request.method == "POST":
        try:
            consent_services.revoke_consent(actor, consent=found, purpose=PURPOSE)
        except PermissionDenied as exc:
            raise Http404("Not found") from exc
        messages.success(request, _("Consent revoked. It no longer lets any data cross."))
        return redirect("people_consent", pk=person.pk, consent_pk=found.pk)
    return render(request, "people/consent_revoke.html", {"person": person, "consent": found})


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def consent_blank_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    actor = actor_of(request)
    person = consent_selectors.person_for_consents(actor, pk)
    data = consent_pdf.render(organization=person.organization, person=person)
    return _pdf(data, f"consent-form-{person.pk}.pdf")


@login_required
def consent_pdf_copy(request: HttpRequest, pk: int, consent_pk: int) -> HttpResponse:
    actor = actor_of(request)
    person = consent_selectors.person_for_consents(actor, pk)
    read = consent_selectors.consent_detail(actor, person, consent_pk)
    data = consent_pdf.render(organization=person.organization, person=person, read=read)
    return _pdf(data, f"consent-{read.consent.pk}.pdf")


@login_required
def consent_document(request: HttpRequest, pk: int, consent_pk: int) -> FileResponse:
    actor = actor_of(request)
    person = consent_selectors.person_for_consents(actor, pk)
    found = consent_selectors.consent_document(actor, person, consent_pk)
    if not found.document:
        raise Http404("No signed copy")
    return uploads.attachment(
        found.document,
        filename=found.document_name or "signed-consent",
        content_type=found.document_content_type,
    )
