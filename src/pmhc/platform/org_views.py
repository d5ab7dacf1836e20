"""An organization's own administration: members, API keys, e-mail, the audit trail (agreements
are in ``agreement_views``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pmhc.platform import invitation_selectors, invitation_services, selectors, services
from pmhc.platform.exports import spreadsheet_cell
from pmhc.platform.forms import (
    ApiKeyForm,
    AuditFilterForm,
    MemberAddForm,
    MembershipForm,
    OrganizationForm,
    apply_errors,
)
from pmhc.platform.http import actor_of
from pmhc.platform.models import EmailStatus, Role


@login_required
def org_home(request: HttpRequest) -> HttpResponse:
    """The organizations the actor administers; for those who administer none, the page is not
    there (404), as the menu does not offer it."""
    organizations = list(selectors.managed_organizations(actor_of(request)))
    if not organizations:
        raise Http404("Not found")
    if len(organizations) == 1:
        return redirect("org_detail", slug=organizations[0].slug)
    return render(request, "platform/org_home.html", {"organizations": organizations})


@login_required
def org_detail(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    form = OrganizationForm(
        request.POST or None,
        initial={"name": organization.name, "time_zone": organization.time_zone},
    )
    if request.method == "POST" and form.is_valid():
        services.update_organization(actor, organization=organization, **form.cleaned_data)
        messages.success(request, _("Organization details saved."))
        return redirect("org_detail", slug=slug)
    counts = {
        "members": selectors.members(actor, organization).filter(is_active=True).count(),
        "agreements": selectors.agreements_open_count(actor, organization),
        "agreements_awaiting": selectors.agreements_awaiting(actor, organization),
        "keys": selectors.api_keys(actor, organization).filter(revoked_at__isnull=True).count(),
    }
    return render(
        request,
        "platform/org_detail.html",
        {"organization": organization, "form": form, "counts": counts},
    )


@login_required
def member_list(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    form = MemberAddForm(request.POST or None, kind=organization.kind)
    if request.method == "POST" and form.is_valid():
        try:
            invitation_services.invite_member(
                actor,
                organization=organization,
                invite_base_url=request.build_absolute_uri("/"),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # The same words whether or not the address has an account (see the service).
            messages.success(request, _("An invitation was sent to that address."))
            return redirect("member_list", slug=slug)
    return render(
        request,
        "platform/member_list.html",
        {
            "organization": organization,
            "members": selectors.members(actor, organization),
            "invitations": invitation_selectors.open_invitations(actor, organization),
            "now": timezone.now(),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def member_invitation_cancel(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    invitation = invitation_selectors.invitation(actor, organization, pk)
    outcome = invitation_services.cancel_invitation(actor, invitation=invitation)
    words = {
        "cancelled": _("The invitation to %(email)s was cancelled."),
        "already_cancelled": _("The invitation to %(email)s had already been cancelled."),
        "accepted": _(
            "The invitation to %(email)s had already been accepted, so it was not cancelled. "
            "To end the membership, use “Change” in the list of members."
        ),
    }[outcome]
    message = words % {"email": invitation.email}
    if outcome == "cancelled":
        messages.success(request, message)
    else:
        messages.info(request, message)
    return redirect("member_list", slug=slug)


@login_required
def member_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    membership = selectors.membership(actor, organization, pk)
    form = MembershipForm(
        request.POST or None,
        initial={
            "role": membership.role,
            "shift": membership.shift,
            "district": membership.district,
            "is_active": membership.is_active,
        },
        kind=organization.kind,
        current=membership.role,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_membership(actor, membership=membership, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Membership saved."))
            return redirect("member_list", slug=slug)
    return render(
        request,
        "platform/member_edit.html",
        {"organization": organization, "membership": membership, "form": form, "Role": Role},
        status=400 if form.errors else 200,
    )


@login_required
def api_key_list(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    form = ApiKeyForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        key, new_key = services.create_api_key(
            actor,
            organization=organization,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
        )
        messages.success(request, _("API key “%(name)s” created.") % {"name": key.name})
        form = ApiKeyForm()
    return render(
        request,
        "platform/api_key_list.html",
        {
            "organization": organization,
            "keys": selectors.api_keys(actor, organization),
            "form": form,
            "new_key": new_key,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def api_key_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    key = selectors.api_key(actor, organization, pk)
    try:
        services.revoke_api_key(actor, key=key)
    except PermissionDenied as exc:
        raise Http404("Not found") from exc
    messages.success(request, _("API key “%(name)s” revoked.") % {"name": key.name})
    return redirect("api_key_list", slug=slug)


@login_required
def email_list(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    status = request.GET.get("status", "")
    messages_qs = selectors.outbound_email(actor, organization)
    if status in EmailStatus.values:
        messages_qs = messages_qs.filter(status=status)
    page = Paginator(messages_qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "platform/email_list.html",
        {
            "organization": organization,
            "page": page,
            "status": status,
            "statuses": EmailStatus.choices,
        },
    )


@login_required
@require_POST
def email_retry(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    message = selectors.one_outbound_email(actor, organization, pk)
    services.retry_email(actor, message=message)
    messages.success(request, _("The message will be sent again."))
    return redirect("email_list", slug=slug)


def _audit_filter(form: AuditFilterForm) -> selectors.AuditFilter:
    if not form.is_valid():
        return selectors.AuditFilter()
    return selectors.AuditFilter(**{k: v for k, v in form.cleaned_data.items() if v})


@login_required
def audit_list(request: HttpRequest, slug: str) -> HttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    form = AuditFilterForm(request.GET or None)
    events = selectors.audit_events(actor, organization, _audit_filter(form))
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "platform/audit_list.html",
        {
            "organization": organization,
            "form": form,
            "page": page,
            "query": query.urlencode(),
        },
    )


class _Echo:
    def write(self, value: str) -> str:
        return value


@login_required
def audit_export(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    actor = actor_of(request)
    organization = selectors.managed_organization(actor, slug)
    events = selectors.audit_export(
        actor, organization, _audit_filter(AuditFilterForm(request.GET))
    )
    writer = csv.writer(_Echo())
    header = [
        "sequence", "occurred_at_utc", "actor_id", "actor_name", "organization_id", "action",
        "outcome", "object_type", "object_id", "purpose", "detail", "request_id", "client_ip",
        "before", "after", "hash",
    ]  # fmt: skip

    def rows() -> Iterator[str]:
        yield writer.writerow(header)
        for e in events:
            yield writer.writerow(
                spreadsheet_cell(v)
                for v in [
                    e.sequence,
                    e.occurred_at.isoformat(),
                    e.actor_id or "",
                    e.actor_name,
                    e.organization_id or "",
                    e.action,
                    e.outcome,
                    e.object_type,
                    e.object_id,
                    e.purpose,
                    e.detail,
                    e.request_id,
                    e.client_ip or "",
                    "" if e.before is None else json.dumps(e.before, sort_keys=True),
                    "" if e.after is None else json.dumps(e.after, sort_keys=True),
                    e.hash,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-{organization.slug}-{stamp}.csv"'
    )
    return response
