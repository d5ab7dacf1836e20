"""What a learning site's coordinators read: their site, and the requests TTA staff matched
to it (the requester's contact details included, as the site needs them to help; each request
opened is recorded in the trail). A coordinator of another site, or anyone else, gets the same
404 as a missing page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.http import Http404, QueryDict
from django.utils import timezone

from pmhc.platform import audit, keyset
from pmhc.platform.access import Action, Actor, Target, require
from pmhc.platform.models import Classification, MemberInvitation, Membership, Purpose, Role
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import LearningSite, TARequest, TAStatus

ADMIN = Purpose.ADMINISTRATION
PAGE_SIZE = 25
ORDER = ("-received_at", "-pk")


def coordinated_site(actor: Actor) -> LearningSite:
    """The site whose organization the actor acts for, as its coordinator; 404 otherwise."""
    organization_id = actor.organization_id
    if organization_id is None or actor.role_in(organization_id) != Role.SITE_COORDINATOR:
        raise Http404("Not found")
    site = (
        LearningSite.objects.select_related("organization")
        .filter(organization_id=organization_id)
        .first()
    )
    if site is None:
        raise Http404("Not found")
    return site


def _site_requests_target(site: LearningSite) -> Target:
    return Target(
        organization_ids=frozenset({site.organization_id}) if site.organization_id else frozenset(),
        access_classification=Classification.PERSONAL,
    )


def site_requests(
    actor: Actor, params: QueryDict
) -> tuple[LearningSite, keyset.KeysetPage[TARequest]]:
    """The requests matched to the actor's site, newest first, a page at a time (names of
    the jurisdiction and agency only: the contact details are on each request's page)."""
    site = coordinated_site(actor)
    require(actor, Action.VIEW, _site_requests_target(site), ADMIN)
    # The same requests the policy lets the site read: none once the site has left the
    # directory, and never a declined one.
    requests = (
        TARequest.objects.none()
        if site.is_former or not site.is_active
        else TARequest.objects.filter(matched_site=site).exclude(status=TAStatus.DECLINED)
    ).only(
        "pk",
        "reference",
        "status",
        "jurisdiction_name",
        "state",
        "agency",
        "received_at",
        "scheduled_for",
        "site_accepted_at",
        "proposed_dates",
    )
    page = keyset.paginate(requests, params, order=ORDER, kinds=(dt.datetime, int), size=PAGE_SIZE)
    return site, page


@transaction.atomic
def site_request(actor: Actor, reference: str) -> TARequest:
    """One request matched to the actor's site, with the requester's contact details; the
    read is recorded (TA_READ) in the trail of the organization that handles the request."""
    site = coordinated_site(actor)
    found = (
        TARequest.objects.select_related("handled_by", "matched_site", "matched_site__organization")
        .filter(matched_site=site, reference=reference)
        .first()
    )
    require(actor, Action.VIEW, found, ADMIN)
    assert found is not None
    audit.record_read(
        ToolkitAudit.TA_READ,
        actor=actor,
        organization_id=found.handled_by_id,
        obj=found,
        purpose=ADMIN,
        detail="contact details shown to the matched learning site",
    )
    return found


@dataclass(frozen=True)
class SiteAccounts:
    coordinators: list[Membership]
    waiting: list[MemberInvitation]


def site_accounts(site: LearningSite) -> SiteAccounts:
    """A site's coordinators and waiting invitations, for the TTA staff on the site's page
    (the caller has checked that the actor keeps the directory)."""
    if site.organization_id is None:
        return SiteAccounts([], [])
    members = list(
        Membership.objects.filter(organization_id=site.organization_id, is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")[:50]
    )
    waiting = list(
        MemberInvitation.objects.filter(
            organization_id=site.organization_id,
            accepted_at__isnull=True,
            cancelled_at__isnull=True,
            expires_at__gt=timezone.now(),
        ).order_by("-pk")[:50]
    )
    return SiteAccounts(members, waiting)
