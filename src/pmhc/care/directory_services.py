"""Every write of the service directory: a provider's staff give a service's capacity now, and
the directory's keepers (administrator, coordinator) add a service, change it or take it off
the directory. Adding and changing services in bulk is the import
(``directory_import_services.py``). Each write is
checked against the policy and audited in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from pmhc.care.audit_codes import CareAudit
from pmhc.care.directory_selectors import (
    ADMINISTRATION,
    directory_target,
    may_update_capacity,
    provider_ids,
)
from pmhc.care.models import CapacityUpdate, Service, ServiceKind
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide

#: The largest figures a phone form takes: beds or chairs open, and minutes of wait.
MAX_OPEN = 999
#: Said of a provider that is neither the keeper nor its partner (nor, so, whether it exists).
NOT_A_PARTNER = _lazy(
    "This is not one of your partner organizations. A service is run by your organization or "
    "by a partner under a data-sharing agreement in force."
)
MAX_WAIT_MINUTES = 24 * 60
#: The largest age a service may name as its youngest or oldest, and the largest capacity (the
#: form and the import take the same).
MAX_AGE = 120
MAX_CAPACITY = 999
#: The whole-number fields of a service and their largest value (the smallest is 0).
BOUNDED = {"min_age": MAX_AGE, "max_age": MAX_AGE, "capacity_total": MAX_CAPACITY}
CAPACITY_FIELDS = ("capacity_open", "wait_minutes", "capacity_updated_at")


@transaction.atomic
def update_capacity(
    actor: Actor, *, service: Service, capacity_open: int, wait_minutes: int | None = None
) -> CapacityUpdate:
    """Record the beds or chairs open now and the wait, as the provider's staff give them.
    The service shows the newest figure; each one is kept (``CapacityUpdate``)."""
    locked = Service.objects.select_for_update().get(pk=service.pk)
    if not may_update_capacity(actor, locked):
        raise PermissionDenied("only the provider's staff or the keeper's coordinator")
    errors: dict[str, str] = {}
    if not 0 <= capacity_open <= MAX_OPEN:
        errors["capacity_open"] = _("Give a whole number from 0 to %(n)d.") % {"n": MAX_OPEN}
    if locked.capacity_total is not None and capacity_open > locked.capacity_total:
        errors["capacity_open"] = _("No more than the %(n)d the service has.") % {
            "n": locked.capacity_total
        }
    if wait_minutes is not None and not 0 <= wait_minutes <= MAX_WAIT_MINUTES:
        errors["wait_minutes"] = _("Give the wait in minutes, from 0 to %(n)d.") % {
            "n": MAX_WAIT_MINUTES
        }
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(locked, CAPACITY_FIELDS)
    now = timezone.now()
    update = CapacityUpdate.objects.create(
        service=locked,
        capacity_open=capacity_open,
        wait_minutes=wait_minutes,
        updated_by_id=actor.user_id,
        updated_at=now,
    )
    locked.capacity_open = capacity_open
    locked.wait_minutes = wait_minutes
    locked.capacity_updated_at = now
    locked.save(update_fields=list(CAPACITY_FIELDS))
    audit.record(
        CareAudit.CAPACITY_UPDATED,
        actor=actor,
        organization_id=locked.organization_id,
        obj=locked,
        purpose=ADMINISTRATION,
        before=before,
        after=audit.snapshot(locked, CAPACITY_FIELDS),
    )
    for name in CAPACITY_FIELDS:
        setattr(service, name, getattr(locked, name))
    return update


@transaction.atomic
def set_listed(actor: Actor, *, service: Service, listed: bool) -> Service:
    """Take a service off the directory (``listed=False``) or put it back."""
    locked = Service.objects.select_for_update().get(pk=service.pk)
    decision = decide(actor, Action.CHANGE, locked, ADMINISTRATION)
    if not decision:
        raise PermissionDenied(decision.reason)
    if locked.active == listed:
        return locked
    before = audit.snapshot(locked, ["active"])
    locked.active = listed
    locked.updated_at = timezone.now()
    locked.save(update_fields=["active", "updated_at"])
    audit.record(
        CareAudit.SERVICE_UNLISTED if not listed else CareAudit.SERVICE_CHANGED,
        actor=actor,
        organization_id=locked.organization_id,
        obj=locked,
        purpose=ADMINISTRATION,
        before=before,
        after=audit.snapshot(locked, ["active"]),
    )
    service.active = listed
    return locked


#: What a keeper writes of a service on its form (``provider`` is written as ``provider_id``).
SERVICE_FIELDS = (
    "external_id",
    "name",
    "kind",
    "address",
    "latitude",
    "longitude",
    "phone",
    "hours",
    "open_all_hours",
    "min_age",
    "max_age",
    "conditions",
    "insurance",
    "eligibility_note",
    "police_drop_off",
    "no_refusal",
    "languages",
    "how_to_refer",
    "accepts_referrals",
    "capacity_unit",
    "capacity_total",
    "provider_id",
)


def _check_service(organization_id: int, pk: int | None, values: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    for name, largest in BOUNDED.items():
        value = values.get(name)
        if value is not None and not 0 <= value <= largest:
            errors[name] = _("Give a whole number from 0 to %(n)d.") % {"n": largest}
    if (values.get("latitude") is None) != (values.get("longitude") is None):
        errors["longitude"] = _("Give both latitude and longitude, or neither.")
    low, high = values.get("min_age"), values.get("max_age")
    if low is not None and high is not None and low > high:
        errors["max_age"] = _("The oldest age taken cannot be below the youngest.")
    if values.get("capacity_total") is not None and not values.get("capacity_unit"):
        errors["capacity_unit"] = _("Say what the capacity is kept in.")
    provider_id = values.get("provider_id")
    if provider_id is not None and provider_id not in provider_ids(organization_id):
        errors["provider"] = str(NOT_A_PARTNER)
    if values.get("kind") not in ServiceKind.values:
        errors["kind"] = _("Choose the kind of service.")
    taken = Service.objects.filter(
        organization_id=organization_id, external_id=values.get("external_id", "")
    )
    if pk is not None:
        taken = taken.exclude(pk=pk)
    if taken.exists():
        errors["external_id"] = _("Another service in the directory has this identifier.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_service(
    actor: Actor, *, organization_id: int, service: Service | None = None, values: dict[str, Any]
) -> Service:
    """Add a service to the actor's directory, or change one (its keepers only)."""
    unknown = set(values) - set(SERVICE_FIELDS)
    if unknown:
        raise ValueError(f"not a field of the form: {sorted(unknown)}")
    if service is None:
        if actor.organization_id != organization_id or not decide(
            actor, Action.CREATE, directory_target(organization_id), ADMINISTRATION
        ):
            raise PermissionDenied("only the directory's keepers add to it")
        _check_service(organization_id, None, values)
        now = timezone.now()
        created = Service.objects.create(
            organization_id=organization_id, created_at=now, updated_at=now, **values
        )
        audit.record(
            CareAudit.SERVICE_ADDED,
            actor=actor,
            organization_id=organization_id,
            obj=created,
            purpose=ADMINISTRATION,
            before=None,
            after=audit.snapshot(created, SERVICE_FIELDS),
        )
        return created
    locked = Service.objects.select_for_update().get(pk=service.pk)
    decision = decide(actor, Action.CHANGE, locked, ADMINISTRATION)
    if not decision:
        raise PermissionDenied(decision.reason)
    _check_service(locked.organization_id, locked.pk, values)
    before = audit.snapshot(locked, SERVICE_FIELDS)
    for name, value in values.items():
        setattr(locked, name, value)
    locked.updated_at = timezone.now()
    locked.save()
    after = audit.snapshot(locked, SERVICE_FIELDS)
    if after != before:
        audit.record(
            CareAudit.SERVICE_CHANGED,
            actor=actor,
            organization_id=locked.organization_id,
            obj=locked,
            purpose=ADMINISTRATION,
            before=before,
            after=after,
        )
    return locked
