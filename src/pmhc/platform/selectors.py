"""Every read of the platform's non-public data, already narrowed to what the actor may see."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.db.models.query import ModelIterable
from django.utils import timezone

from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, get_or_404, restrict
from pmhc.platform.models import (
    AgreementStatus,
    ApiKey,
    AuditAction,
    AuditEvent,
    DataSharingAgreement,
    Membership,
    Organization,
    OutboundEmail,
    Purpose,
)

ADMIN = Purpose.ADMINISTRATION


def organizations_for(actor: Actor) -> QuerySet[Organization]:
    """The organizations the actor belongs to (any role, active memberships)."""
    ids = sorted({m.organization_id for m in actor.memberships} | actor.organization_ids)
    return Organization.objects.filter(pk__in=ids).order_by("name")


def acting_organization(actor: Actor) -> Organization | None:
    """The organization the actor acts for in this request (see ``pmhc.platform.http``)."""
    if actor.organization_id is None:
        return None
    return Organization.objects.filter(pk=actor.organization_id).first()


def managed_organization(actor: Actor, slug: str) -> Organization:
    return get_or_404(actor, Organization.objects.all(), Action.MANAGE, ADMIN, slug=slug)


def managed_organizations(actor: Actor) -> QuerySet[Organization]:
    return restrict(actor, Organization.objects.all(), Action.MANAGE, ADMIN)


def members(actor: Actor, organization: Organization) -> QuerySet[Membership]:
    return (
        restrict(actor, Membership.objects.all(), Action.MANAGE, ADMIN)
        .filter(organization=organization)
        .select_related("user", "organization")
        .order_by("-is_active", "user__last_name", "user__first_name", "user__username")
    )


def membership(actor: Actor, organization: Organization, pk: int) -> Membership:
    return get_or_404(
        actor,
        Membership.objects.select_related("user", "organization").filter(organization=organization),
        Action.MANAGE,
        ADMIN,
        pk=pk,
    )


#: How many open agreements (in force or waiting) and how many closed versions one page lists.
AGREEMENTS_OPEN_LIMIT = 200
AGREEMENTS_CLOSED_LIMIT = 50
AGREEMENT_VERSIONS_LIMIT = 50


def _agreements_of(actor: Actor, organization: Organization) -> QuerySet[DataSharingAgreement]:
    return (
        restrict(actor, DataSharingAgreement.objects.all(), Action.MANAGE, ADMIN)
        .filter(parties=organization)
        .prefetch_related("parties", "acceptances")
    )


def agreements(actor: Actor, organization: Organization) -> QuerySet[DataSharingAgreement]:
    """The versions in force or waiting for acceptance that ``organization`` is party to."""
    return (
        _agreements_of(actor, organization)
        .filter(status__in=[AgreementStatus.IN_FORCE, AgreementStatus.PROPOSED])
        .order_by("-updated_at", "-pk")[:AGREEMENTS_OPEN_LIMIT]
    )


def closed_agreements(actor: Actor, organization: Organization) -> QuerySet[DataSharingAgreement]:
    """Replaced, declined, withdrawn and ended versions, newest first."""
    return (
        _agreements_of(actor, organization)
        .exclude(status__in=[AgreementStatus.IN_FORCE, AgreementStatus.PROPOSED])
        .order_by("-updated_at", "-pk")[:AGREEMENTS_CLOSED_LIMIT]
    )


def agreements_open_count(actor: Actor, organization: Organization) -> int:
    """How many versions are in force or waiting for acceptance (one query, no rows)."""
    return (
        restrict(actor, DataSharingAgreement.objects.all(), Action.MANAGE, ADMIN)
        .filter(
            parties=organization,
            status__in=[AgreementStatus.IN_FORCE, AgreementStatus.PROPOSED],
        )
        .count()
    )


def agreements_awaiting(actor: Actor, organization: Organization) -> int:
    """How many proposals wait for ``organization``'s acceptance."""
    return (
        restrict(actor, DataSharingAgreement.objects.all(), Action.MANAGE, ADMIN)
        .filter(parties=organization, status=AgreementStatus.PROPOSED)
        .exclude(acceptances__organization=organization)
        .count()
    )


def agreement(actor: Actor, organization: Organization, pk: int) -> DataSharingAgreement:
    """One version of an agreement ``organization`` is party to; any other is 404."""
    return get_or_404(
        actor,
        DataSharingAgreement.objects.filter(parties=organization).prefetch_related(
            "parties", "acceptances__organization"
        ),
        Action.MANAGE,
        ADMIN,
        pk=pk,
    )


def agreement_versions(
    actor: Actor, agreement: DataSharingAgreement
) -> QuerySet[DataSharingAgreement]:
    """Every version of the same agreement, newest first."""
    root = agreement.root_id or agreement.pk
    return (
        restrict(actor, DataSharingAgreement.objects.all(), Action.MANAGE, ADMIN)
        .filter(Q(pk=root) | Q(root_id=root))
        .order_by("-version", "-pk")[:AGREEMENT_VERSIONS_LIMIT]
    )


@transaction.atomic
def agreement_document(actor: Actor, organization: Organization, pk: int) -> DataSharingAgreement:
    """The agreement whose document is about to be streamed; the download is audited."""
    found = agreement(actor, organization, pk)
    audit.record_read(
        AuditAction.AGREEMENT_DOCUMENT_READ,
        actor=actor,
        organization_id=organization.pk,
        obj=found,
        purpose=ADMIN,
    )
    return found


def partner_choices(actor: Actor, organization: Organization) -> QuerySet[Organization]:
    # Organizations are a small, non-sensitive directory (names and kinds).
    return Organization.objects.exclude(pk=organization.pk).order_by("name")


def api_keys(actor: Actor, organization: Organization) -> QuerySet[ApiKey]:
    return restrict(actor, ApiKey.objects.all(), Action.MANAGE, ADMIN).filter(
        organization=organization
    )


def api_key(actor: Actor, organization: Organization, pk: int) -> ApiKey:
    return get_or_404(
        actor, ApiKey.objects.filter(organization=organization), Action.MANAGE, ADMIN, pk=pk
    )


def outbound_email(actor: Actor, organization: Organization) -> QuerySet[OutboundEmail]:
    """What the product sent, or tried to send, on the organization's behalf."""
    return restrict(actor, OutboundEmail.objects.all(), Action.MANAGE, ADMIN).filter(
        organization=organization
    )


def one_outbound_email(actor: Actor, organization: Organization, pk: int) -> OutboundEmail:
    return get_or_404(
        actor,
        OutboundEmail.objects.filter(organization=organization),
        Action.MANAGE,
        ADMIN,
        pk=pk,
    )


@dataclass(frozen=True)
class AuditFilter:
    text: str = ""
    action: str = ""
    outcome: str = ""
    actor_name: str = ""
    since: dt.date | None = None
    until: dt.date | None = None


class _RedactedEvents(ModelIterable[AuditEvent]):
    """Events as an administrator may see them: events written before the trail kept
    digests still hold sensitive values, and every page and export shows them through
    ``audit.redacted`` (the same rule ``audit.record`` applies when it writes)."""

    def __iter__(self) -> Iterator[AuditEvent]:
        for event in super().__iter__():
            yield audit.redacted(event)


def _audit_query(actor: Actor, organization: Organization, f: AuditFilter) -> QuerySet[AuditEvent]:
    events = restrict(actor, AuditEvent.objects.all(), Action.MANAGE, ADMIN).filter(
        organization_id=organization.pk
    )
    if f.action:
        events = events.filter(action=f.action)
    if f.outcome:
        events = events.filter(outcome=f.outcome)
    if f.actor_name:
        events = events.filter(actor_name__icontains=f.actor_name)
    if f.text:
        events = events.filter(
            Q(object_type__icontains=f.text)
            | Q(object_id__icontains=f.text)
            # A detail that once held typed text is not searched: a match would tell what
            # the redacted text says.
            | (Q(detail__icontains=f.text) & ~Q(action__in=audit.typed_detail_actions()))
            | Q(request_id=f.text)
        )
    zone = timezone.get_current_timezone()
    if f.since:
        events = events.filter(
            occurred_at__gte=dt.datetime.combine(f.since, dt.time.min, tzinfo=zone)
        )
    if f.until:
        events = events.filter(
            occurred_at__lt=dt.datetime.combine(
                f.until + dt.timedelta(days=1), dt.time.min, tzinfo=zone
            )
        )
    events = events.order_by("-id")
    # Set on the queryset, not applied by each caller: a page, a slice of it (clones keep
    # it) and ``iterator()`` all yield redacted events.
    events._iterable_class = _RedactedEvents
    return events


@transaction.atomic
def audit_events(actor: Actor, organization: Organization, f: AuditFilter) -> QuerySet[AuditEvent]:
    """Search the organization's trail. Looking at the trail is itself an event (CJIS 5.4)."""
    events = _audit_query(actor, organization, f)
    audit.record_read(
        AuditAction.AUDIT_VIEWED,
        actor=actor,
        organization_id=organization.pk,
        object_type="platform.auditevent",
        purpose=ADMIN,
        detail=_describe(f),
    )
    return events


def audit_export(actor: Actor, organization: Organization, f: AuditFilter) -> Iterator[AuditEvent]:
    with transaction.atomic():
        audit.record_read(
            AuditAction.AUDIT_EXPORTED,
            actor=actor,
            organization_id=organization.pk,
            object_type="platform.auditevent",
            purpose=ADMIN,
            detail=_describe(f),
        )
    return _audit_query(actor, organization, f).iterator(chunk_size=2000)


def _describe(f: AuditFilter) -> str:
    parts = [f"{k}={v}" for k, v in vars(f).items() if v]
    return ("filter " + ", ".join(parts)) if parts else "no filter"
