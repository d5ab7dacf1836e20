"""Every write of a program change: recorded, changed and removed by the organization's
coordinators and administrators, each audited in the same transaction."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.change_selectors import PURPOSE, target
from pmhc.evaluation.models import ProgramChange, ProgramChangeKind
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Organization

FIELDS = ("kind", "name", "started_on", "note")
#: The earliest start a change may have: older than any call the product keeps.
EARLIEST = dt.date(1990, 1, 1)


def _authorize(actor: Actor, organization_id: int, action: Action) -> None:
    decision = decide(actor, action, target(organization_id), PURPOSE)
    if not decision:
        raise PermissionDenied(decision.reason)


@transaction.atomic
def save_change(
    actor: Actor,
    *,
    organization: Organization,
    kind: str,
    name: str,
    started_on: dt.date,
    note: str = "",
    change: ProgramChange | None = None,
    today: dt.date | None = None,
) -> ProgramChange:
    """Record a change to the program, or correct one: what started and on which day."""
    _authorize(actor, organization.pk, Action.CHANGE if change else Action.CREATE)
    if change is not None and change.organization_id != organization.pk:
        raise PermissionDenied("the change belongs to another organization")
    before = audit.snapshot(change, FIELDS) if change else None
    row = change or ProgramChange(organization=organization, created_by_id=actor.user_id)
    row.kind = kind
    row.name = name.strip()
    row.started_on = started_on
    row.note = note.strip()
    errors: dict[str, str] = {}
    if kind not in ProgramChangeKind.values:
        errors["kind"] = _("Choose what changed.")
    if not row.name:
        errors["name"] = _("Give the change a name.")
    latest = (today or timezone.localdate()) + dt.timedelta(days=366)
    if not EARLIEST <= started_on <= latest:
        errors["started_on"] = _("Give a day from 1990 up to a year from today.")
    clash = ProgramChange.objects.filter(
        organization=organization, name__iexact=row.name, started_on=started_on
    )
    if "name" not in errors and clash.exclude(pk=row.pk).exists():
        errors["name"] = _("A change with this name already starts on this day.")
    if errors:
        raise ValidationError(errors)
    row.full_clean(exclude=["organization", "created_by"])
    row.save()
    audit.record(
        EvaluationAudit.PROGRAM_CHANGE_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=row,
        purpose=PURPOSE,
        before=before,
        after=audit.snapshot(row, FIELDS),
    )
    return row


@transaction.atomic
def remove_change(actor: Actor, *, change: ProgramChange) -> None:
    _authorize(actor, change.organization_id, Action.DELETE)
    before = audit.snapshot(change, FIELDS)
    pk = change.pk
    change.delete()
    audit.record(
        EvaluationAudit.PROGRAM_CHANGE_REMOVED,
        actor=actor,
        organization_id=change.organization_id,
        object_type="evaluation.programchange",
        object_id=pk,
        purpose=PURPOSE,
        before=before,
        after=None,
    )
