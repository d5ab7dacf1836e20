"""Every read of CAD imports and mappings, narrowed to what the actor may see: the agency's
coordinators and administrators (``IMPORT_ROLES``). A rejected row is its line, CAD event id
and reason only, so none of these reads touches personal data."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from pmhc.dispatch.models import (
    IMPORT_ROLES,
    CallImport,
    CallImportRejection,
    ImportMapping,
    ImportStatus,
)
from pmhc.platform.access import Action, Actor, decide, get_or_404, restrict
from pmhc.platform.models import Organization, Purpose
from pmhc.platform.selectors import acting_organization

ADMIN = Purpose.ADMINISTRATION
#: A running import whose heartbeat is older than this is taken for dead. A live one beats at
#: every batch (every second or so) and its longest step, all or nothing's final move of a
#: million rows, takes about a minute. ``PMHC_IMPORT_STALE_MINUTES`` sets another figure.
STALE_AFTER = dt.timedelta(minutes=10)


def stale_after() -> dt.timedelta:
    minutes = getattr(settings, "PMHC_IMPORT_STALE_MINUTES", None)
    return STALE_AFTER if minutes is None else dt.timedelta(minutes=float(minutes))


def last_sign_of_life(batch: CallImport) -> dt.datetime | None:
    """When the import's process last showed it was alive (imports that started before the
    heartbeat was kept have their start only)."""
    return batch.heartbeat_at or batch.started_at or batch.created_at


def is_stalled(batch: CallImport, now: dt.datetime | None = None) -> bool:
    """A running import with no sign of life for ``stale_after()``: its process has most
    likely died, and the worker's watch will resume it or mark it failed."""
    seen = last_sign_of_life(batch)
    if batch.status != ImportStatus.RUNNING or seen is None:
        return False
    return seen < (now or timezone.now()) - stale_after()


def import_organization(actor: Actor) -> Organization | None:
    """The acting agency, when the actor's role there runs its imports."""
    from pmhc.dispatch.import_services import import_target

    if actor.role not in IMPORT_ROLES:
        return None
    organization = acting_organization(actor)
    if organization is None or not decide(actor, Action.CREATE, import_target(organization), ADMIN):
        return None
    return organization


def require_import_organization(actor: Actor) -> Organization:
    """Anyone who runs no imports gets the same 404 as a missing page."""
    organization = import_organization(actor)
    if organization is None:
        raise Http404("Not found")
    return organization


def organization_by_slug(actor: Actor, slug: str) -> Organization | None:
    """An agency by its short name, if this actor may import into it."""
    from pmhc.dispatch.import_services import import_target

    organization = Organization.objects.filter(slug=slug).first()
    if organization is None or not decide(actor, Action.CREATE, import_target(organization), ADMIN):
        return None
    return organization


def imports(actor: Actor, organization: Organization) -> QuerySet[CallImport]:
    """The agency's imports, newest first."""
    return restrict(
        actor,
        CallImport.objects.filter(organization=organization).select_related("mapping"),
        Action.VIEW,
        ADMIN,
    ).order_by("-created_at", "-pk")


def import_detail(actor: Actor, pk: int) -> CallImport:
    return get_or_404(
        actor,
        CallImport.objects.select_related("organization", "mapping"),
        Action.VIEW,
        ADMIN,
        pk=pk,
    )


def rejections(actor: Actor, batch: CallImport) -> QuerySet[CallImportRejection]:
    """An import's rejected rows in file order (the caller holds the import already)."""
    return restrict(
        actor, CallImportRejection.objects.filter(batch=batch), Action.VIEW, ADMIN
    ).order_by("line", "pk")


def mappings(actor: Actor, organization: Organization) -> QuerySet[ImportMapping]:
    return restrict(
        actor, ImportMapping.objects.filter(organization=organization), Action.VIEW, ADMIN
    ).order_by("name")


def mapping_by_name(actor: Actor, organization: Organization, name: str) -> ImportMapping | None:
    return mappings(actor, organization).filter(name=name).first()


def mapping_detail(actor: Actor, pk: int) -> ImportMapping:
    return get_or_404(actor, ImportMapping.objects.all(), Action.VIEW, ADMIN, pk=pk)
