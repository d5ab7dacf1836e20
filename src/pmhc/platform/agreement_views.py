"""An organization's data-sharing agreements: propose, review, accept or decline, amend, end.

The organization in the URL is the party the administrator acts for; an agreement it is not
party to is 404, like one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.platform import agreement_services, selectors, uploads
from pmhc.platform.agreement_forms import ReasonForm
from pmhc.platform.forms import AgreementForm, apply_errors
from pmhc.platform.http import actor_of
from pmhc.platform.models import AgreementStatus, DataSharingAgreement


def _accepted_by(agreement: DataSharingAgreement) -> set[int]:
    return {a.organization_id for a in agreement.acceptances.all()}


@login_required
def agreement_list(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    today = organization.today()
    waiting_for_us, waiting_for_others, in_force = [], [], []
    for agreement in selectors.agreements(actor, organization):
        row = {"agreement": agreement, "active": agreement.is_active_on(today)}
        if agreement.status == AgreementStatus.IN_FORCE:
            in_force.append(row)
        elif organization.pk in _accepted_by(agreement):
            waiting_for_others.append(row)
        else:
            waiting_for_us.append(row)
    return render(
        request,
        "platform/agreement_list.html",
        {
            "organization": organization,
            "waiting_for_us": waiting_for_us,
            "waiting_for_others": waiting_for_others,
            "in_force": in_force,
            "closed": selectors.closed_agreements(actor, organization),
        },
    )


@login_required
def agreement_new(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    form = AgreementForm(
        request.POST or None,
        request.FILES or None,
        partner_queryset=selectors.partner_choices(actor, organization),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreement = agreement_services.propose_agreement(
                actor,
                organization=organization,
                title=data["title"],
                partners=list(data["partners"]),
                classifications=data["classifications"],
                purposes=data["purposes"],
                effective_on=data["effective_on"],
                ends_on=data["ends_on"],
                notes=data["notes"],
                document=data["document"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Agreement proposed. It opens no data until every partner's administrator "
                    "has accepted it; they have been told by e-mail."
                ),
            )
            return redirect("agreement_detail", slug=slug, pk=agreement.pk)
    return render(
        request,
        "platform/agreement_form.html",
        {"organization": organization, "form": form, "agreement": None},
        status=400 if form.errors else 200,
    )


def _comparison(agreement: DataSharingAgreement) -> list[dict[str, str]]:
    """The terms of a proposed change beside the version it would replace."""
    previous = agreement.previous
    if previous is None or agreement.status != AgreementStatus.PROPOSED:
        return []
    no_end = _("no end date")
    none = _("none")

    def dates(version: DataSharingAgreement) -> tuple[str, str]:
        return (
            f"{version.effective_on:%Y-%m-%d}",
            f"{version.ends_on:%Y-%m-%d}" if version.ends_on else no_end,
        )

    def document(version: DataSharingAgreement) -> str:
        if not version.document:
            return none
        if version is agreement and version.document.name != previous.document.name:
            return _("%(name)s (a new file)") % {"name": version.document_name}
        return version.document_name

    rows = [
        (_("Title"), previous.title, agreement.title),
        (
            _("Data"),
            ", ".join(previous.classification_labels),
            ", ".join(agreement.classification_labels),
        ),
        (_("Purposes"), ", ".join(previous.purpose_labels), ", ".join(agreement.purpose_labels)),
        (_("Effective on"), dates(previous)[0], dates(agreement)[0]),
        (_("Ends on"), dates(previous)[1], dates(agreement)[1]),
        (_("Notes"), previous.notes or none, agreement.notes or none),
        (_("Signed document"), document(previous), document(agreement)),
    ]
    return [{"label": label, "now": now, "proposed": proposed} for label, now, proposed in rows]


@login_required
def agreement_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    agreement = selectors.agreement(actor, organization, pk)
    accepted = {a.organization_id: a for a in agreement.acceptances.all()}
    parties = [
        {"organization": party, "acceptance": accepted.get(party.pk)}
        for party in agreement.parties.all()
    ]
    is_proposal = agreement.status == AgreementStatus.PROPOSED
    return render(
        request,
        "platform/agreement_detail.html",
        {
            "organization": organization,
            "agreement": agreement,
            "parties": parties,
            "active": agreement.is_active_on(organization.today()),
            "may_accept": is_proposal and organization.pk not in accepted,
            "may_decline": is_proposal,
            "is_proposer": agreement.proposed_by_organization_id == organization.pk,
            "may_change": agreement.status == AgreementStatus.IN_FORCE,
            "comparison": _comparison(agreement),
            "versions": selectors.agreement_versions(actor, agreement),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def agreement_accept(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    agreement = selectors.agreement(actor, organization, pk)
    try:
        accepted = agreement_services.accept_agreement(
            actor, agreement=agreement, organization=organization
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if accepted.status == AgreementStatus.IN_FORCE:
            messages.success(
                request, _("Accepted. Every party has now accepted: the agreement is in force.")
            )
        else:
            messages.success(
                request,
                _("Accepted. It comes into force when every other party has accepted it too."),
            )
    return redirect("agreement_detail", slug=slug, pk=pk)


def _close(request: HttpRequest, slug: str, pk: int, *, end: bool) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    agreement = selectors.agreement(actor, organization, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        service = agreement_services.end_agreement if end else agreement_services.decline_agreement
        try:
            closed = service(
                actor,
                agreement=agreement,
                organization=organization,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            if closed.status == AgreementStatus.ENDED:
                text = _("The agreement has ended. Neither party sees the other's data through it.")
            elif closed.status == AgreementStatus.WITHDRAWN:
                text = _("The proposal was withdrawn.")
            else:
                text = _("The proposal was declined. Nothing it proposed is in force.")
            messages.success(request, text)
        return redirect("agreement_detail", slug=slug, pk=pk)
    messages.error(request, " ".join(str(e) for e in form.errors.get("reason", [])))
    return redirect("agreement_detail", slug=slug, pk=pk)


@login_required
@require_POST
def agreement_decline(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _close(request, slug, pk, end=False)


@login_required
@require_POST
def agreement_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _close(request, slug, pk, end=True)


@login_required
def agreement_amend(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    agreement = selectors.agreement(actor, organization, pk)
    if agreement.status != AgreementStatus.IN_FORCE:
        messages.info(request, _("Only the version in force can be changed."))
        return redirect("agreement_detail", slug=slug, pk=pk)
    form = AgreementForm(
        request.POST or None,
        request.FILES or None,
        editing=True,
        initial={
            "title": agreement.title,
            "classifications": agreement.classifications,
            "purposes": agreement.purposes,
            "effective_on": agreement.effective_on,
            "ends_on": agreement.ends_on,
            "notes": agreement.notes,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            version = agreement_services.amend_agreement(
                actor, agreement=agreement, organization=organization, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            if version.status == AgreementStatus.IN_FORCE:
                messages.success(
                    request,
                    _(
                        "Saved as version %(v)s, in force now: it opens no more data, so the "
                        "other parties were told but need not accept it."
                    )
                    % {"v": version.version},
                )
            else:
                messages.success(
                    request,
                    _(
                        "Version %(v)s proposed. It opens more than the version in force, so "
                        "every other party must accept it; until then the current version "
                        "stays in force unchanged."
                    )
                    % {"v": version.version},
                )
            return redirect("agreement_detail", slug=slug, pk=version.pk)
    return render(
        request,
        "platform/agreement_form.html",
        {"organization": organization, "form": form, "agreement": agreement},
        status=400 if form.errors else 200,
    )


@login_required
def agreement_document(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    agreement = selectors.agreement_document(actor, organization, pk)
    if not agreement.document:
        raise Http404("No document")
    return uploads.attachment(
        agreement.document,
        filename=agreement.document_name or "agreement",
        content_type=agreement.document_content_type,
    )
