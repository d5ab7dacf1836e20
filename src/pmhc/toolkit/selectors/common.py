"""Reads shared by the toolkit's parts."""

from __future__ import annotations

from django.conf import settings

from pmhc.platform.access import Target
from pmhc.platform.models import Classification, Organization, OrganizationKind
from pmhc.toolkit.models import TOOLKIT_KEEPERS


def handling_organization() -> Organization | None:
    """The TTA provider that receives public requests and library submissions: the one named
    by PMHC_TTA_ORGANIZATION, or else the first TTA provider."""
    slug = getattr(settings, "TTA_ORGANIZATION", "")
    organizations = Organization.objects.filter(kind=OrganizationKind.TTA_PROVIDER)
    if slug:
        return organizations.filter(slug=slug).first()
    return organizations.order_by("pk").first()


def toolkit_target(
    organization: Organization, classification: str = Classification.AGENCY
) -> Target:
    """The handling organization's toolkit records as the access policy sees them: held by
    that organization and written only by its TTA staff."""
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_classification=classification,
        access_write_roles=TOOLKIT_KEEPERS,
    )
