"""Reads shared by the toolkit's parts."""

from __future__ import annotations

from django.conf import settings

from pmhc.platform.models import Organization, OrganizationKind


def handling_organization() -> Organization | None:
    """The TTA provider that receives public requests and library submissions: the one named
    by PMHC_TTA_ORGANIZATION, or else the first TTA provider."""
    slug = getattr(settings, "TTA_ORGANIZATION", "")
    organizations = Organization.objects.filter(kind=OrganizationKind.TTA_PROVIDER)
    if slug:
        return organizations.filter(slug=slug).first()
    return organizations.order_by("pk").first()
