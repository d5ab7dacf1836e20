"""Reads of an organization's Measure settings: the smallest count shown and its public page.
Its coordinator and administrators keep them."""

from __future__ import annotations

from django.http import Http404

from pmhc.evaluation.models import PUBLIC_MIN_CELL, MeasureSettings
from pmhc.platform.access import NOT_FOUND, Action, Actor, Target, decide
from pmhc.platform.models import Classification, Organization, Purpose, Role

#: Who keeps an organization's Measure settings.
KEEPERS = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})


def target(organization_id: int) -> Target:
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.AGENCY,
        access_read_roles=KEEPERS,
        access_write_roles=KEEPERS,
    )


def may_keep(actor: Actor, organization_id: int | None, action: Action = Action.VIEW) -> bool:
    return organization_id is not None and bool(
        decide(actor, action, target(organization_id), Purpose.ADMINISTRATION)
    )


def kept_organization(actor: Actor) -> Organization:
    """The acting organization when the actor keeps its settings; else the one 404."""
    organization_id = actor.organization_id
    if organization_id is None or not may_keep(actor, organization_id):
        raise Http404(NOT_FOUND)
    found = Organization.objects.filter(pk=organization_id).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def current(organization: Organization) -> MeasureSettings:
    """The organization's settings, or the defaults (unsaved) when it has none yet."""
    found = MeasureSettings.objects.filter(organization=organization).first()
    return found or MeasureSettings(organization=organization, min_cell_size=PUBLIC_MIN_CELL)


def min_cell_size(organization_id: int) -> int:
    """The smallest count the organization's own pages show (never under the public floor)."""
    value = (
        MeasureSettings.objects.filter(organization_id=organization_id)
        .values_list("min_cell_size", flat=True)
        .first()
    )
    return max(PUBLIC_MIN_CELL, value or PUBLIC_MIN_CELL)
