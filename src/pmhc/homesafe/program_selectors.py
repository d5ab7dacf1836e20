"""Reads of the agencies' Home Safe settings: the public list of agencies that take
enrolments online, and an agency's own settings for those who keep them."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from pmhc.homesafe.models import HomeSafeProgram
from pmhc.homesafe.program_services import may_keep
from pmhc.platform.access import Actor
from pmhc.platform.models import Organization

#: The public list shows at most this many agencies on one page.
PAGE_SIZE = 50


def open_programs() -> QuerySet[HomeSafeProgram]:
    """Agencies that take enrolments online (public: names, areas and contacts only)."""
    return (
        HomeSafeProgram.objects.filter(is_open=True)
        .select_related("organization")
        .order_by("organization__name", "pk")
    )


def program_of(organization_id: int) -> HomeSafeProgram | None:
    return HomeSafeProgram.objects.filter(organization_id=organization_id).first()


def settings_for(actor: Actor) -> tuple[Organization, HomeSafeProgram]:
    """The acting organization and its settings (unsaved defaults before the first save), or
    404 for anyone who may not keep them."""
    organization = (
        Organization.objects.filter(pk=actor.organization_id).first()
        if actor.organization_id
        else None
    )
    if organization is None or not may_keep(actor, organization):
        raise Http404("Not found")
    program = program_of(organization.pk) or HomeSafeProgram(organization=organization)
    return organization, program
