"""The retention schedule's writes: an administrator sets how long each kind of record is
kept, within its bounds; ``purge`` removes or de-identifies what is past it, in batches, each
batch in its own transaction with an audit event that counts it (see ``platform/retention.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit, retention, retention_selectors
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import AuditAction, Organization, Purpose, RetentionSchedule

DEFAULT_BATCH_SIZE = 500
MAX_BATCH_SIZE = 10_000


def bound_error(kind: retention.RecordKind, days: int) -> str | None:
    """Why ``days`` is refused for ``kind``, or None."""
    if kind.minimum_days <= days <= kind.maximum_days:
        return None
    return _("%(label)s: keep for %(min)d to %(max)d days; %(days)d is outside.") % {
        "label": kind.label,
        "min": kind.minimum_days,
        "max": kind.maximum_days,
        "days": days,
    }


@transaction.atomic
def set_schedules(
    actor: Actor, *, organization: Organization, days: Mapping[str, int]
) -> list[str]:
    """Set the days for the kinds named in ``days``; refuses the whole change (nothing saved)
    when a kind is unknown or a value is out of its bounds. Returns the kinds that changed."""
    decision = decide(actor, Action.MANAGE, organization, Purpose.ADMINISTRATION)
    if not decision:
        raise PermissionDenied(decision.reason)
    errors: dict[str, list[str]] = {}
    for key, value in days.items():
        if not retention.is_registered(key):
            errors.setdefault(key, []).append(_("No such kind of record."))
            continue
        message = bound_error(retention.kind(key), value)
        if message:
            errors.setdefault(key, []).append(message)
    if errors:
        raise ValidationError(errors)
    current = {
        schedule.kind.key: schedule.days
        for schedule in retention_selectors.schedules(actor, organization)
    }
    changed = []
    for key, value in days.items():
        if current.get(key) == value:
            continue
        RetentionSchedule.objects.update_or_create(
            organization=organization,
            record_kind=key,
            defaults={"days": value, "changed_at": timezone.now(), "changed_by_id": actor.user_id},
        )
        audit.record(
            AuditAction.RETENTION_CHANGED,
            actor=actor,
            organization_id=organization.pk,
            object_type="platform.retentionschedule",
            object_id=key,
            before={"record_kind": key, "days": current.get(key)},
            after={"record_kind": key, "days": value},
        )
        changed.append(key)
    return changed


@dataclass(frozen=True)
class PurgeResult:
    organization: Organization
    kind: retention.RecordKind
    removed: int
    batches: int


def purge(
    actor: Actor,
    *,
    organization: Organization,
    batch_size: int = DEFAULT_BATCH_SIZE,
    now: dt.datetime | None = None,
    progress: Callable[[int], object] | None = None,
) -> list[PurgeResult]:
    """Remove or de-identify what is past the organization's schedule, kind by kind, oldest
    first, ``batch_size`` records at a time. Each batch is its own transaction and its own
    audit event (the kind, what was done, how many, the cut), so an interrupted run keeps
    what it finished and the next run goes on from there."""
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"The batch size must be from 1 to {MAX_BATCH_SIZE}.")
    now = now or timezone.now()
    results = []
    for schedule in retention_selectors.schedules(actor, organization):
        kind = schedule.kind
        cut = schedule.cut(now)
        removed = batches = 0
        # What is due when the run starts, and no more: rows written meanwhile (this run's
        # own audit events among them) wait for the next run.
        ceiling = kind.due(organization.pk, cut).aggregate(last=Max("pk"))["last"]
        while ceiling is not None:
            with transaction.atomic():
                ids = list(
                    kind.due(organization.pk, cut)
                    .filter(pk__lte=ceiling)
                    .order_by(*kind.ordering())
                    .values_list("pk", flat=True)[:batch_size]
                )
                if not ids:
                    break
                count = kind.purge(ids)
                audit.record(
                    AuditAction.RETENTION_PURGED,
                    actor=actor,
                    organization_id=organization.pk,
                    object_type="platform.retentionschedule",
                    object_id=kind.key,
                    after={
                        "record_kind": kind.key,
                        "action": kind.action.value,
                        "count": count,
                        "days": schedule.days,
                        "cut": cut.isoformat(),
                    },
                )
            removed += count
            batches += 1
            if progress is not None:
                progress(len(ids))
            if count == 0:
                # Nothing changed although records were due: stop rather than loop.
                break
        results.append(PurgeResult(organization, kind, removed, batches))
    return results


def purge_all(
    actor: Actor, *, batch_size: int = DEFAULT_BATCH_SIZE, now: dt.datetime | None = None
) -> int:
    """Every organization's purge, one after the other; how many records were changed."""
    now = now or timezone.now()
    return sum(
        result.removed
        for organization in Organization.objects.order_by("pk")
        for result in purge(actor, organization=organization, batch_size=batch_size, now=now)
    )
