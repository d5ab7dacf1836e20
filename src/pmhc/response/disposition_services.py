"""Every write to an agency's list of dispositions. Coordinators and administrators keep it:
it starts from the dispositions seen in real crisis templates, and they rename, reorder, add
and retire entries. One that a report uses is never deleted, only retired."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Organization, Purpose
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.models import Disposition, DispositionOutcome, Encounter
from pmhc.response.selectors import disposition_target

ADMIN = Purpose.ADMINISTRATION
DISPOSITION_FIELDS = ("code", "label", "outcome", "position", "is_active")

#: The dispositions seen in real crisis templates (Seattle PD crisis data), in that order.
DEFAULT_DISPOSITIONS = (
    ("resolved_at_scene", gettext_lazy("Resolved at scene"), DispositionOutcome.RESOLVED),
    (
        "mobile_crisis_referral",
        gettext_lazy("Referred to mobile crisis team"),
        DispositionOutcome.CONNECTED,
    ),
    ("crisis_clinic", gettext_lazy("Crisis clinic"), DispositionOutcome.CONNECTED),
    (
        "dcr_referral",
        gettext_lazy("Designated crisis responder referral"),
        DispositionOutcome.CONNECTED,
    ),
    (
        "voluntary_transport",
        gettext_lazy("Voluntary transport to treatment"),
        DispositionOutcome.CONNECTED,
    ),
    (
        "emergent_detention",
        gettext_lazy("Emergent (involuntary) detention"),
        DispositionOutcome.DETAINED,
    ),
    ("shelter", gettext_lazy("Shelter"), DispositionOutcome.CONNECTED),
    ("resources_declined", gettext_lazy("Resources declined"), DispositionOutcome.DECLINED),
    ("subject_arrested", gettext_lazy("Subject arrested"), DispositionOutcome.ARREST),
)


def _authorize(actor: Actor, organization: Organization, action: Action) -> None:
    decision = decide(actor, action, disposition_target(organization), ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)


def _next_position(organization: Organization) -> int:
    top = Disposition.objects.filter(organization=organization).aggregate(top=Max("position"))
    return (top["top"] or 0) + 1


def _record(
    actor: Actor,
    disposition: Disposition,
    before: dict[str, object] | None,
    after: dict[str, object] | None,
) -> None:
    audit.record(
        ResponseAudit.DISPOSITION_SAVED,
        actor=actor,
        organization_id=disposition.organization_id,
        obj=disposition,
        purpose=ADMIN,
        before=before,
        after=after,
    )


@transaction.atomic
def ensure_dispositions(actor: Actor, *, organization: Organization) -> list[Disposition]:
    """Give the agency the standard dispositions it lacks (by code) and return its whole list
    in order. Running it again adds nothing."""
    _authorize(actor, organization, Action.CREATE)
    existing = set(
        Disposition.objects.filter(organization=organization).values_list("code", flat=True)
    )
    position = _next_position(organization)
    for code, label, outcome in DEFAULT_DISPOSITIONS:
        if code in existing:
            continue
        disposition = Disposition.objects.create(
            organization=organization,
            code=code,
            label=str(label),
            outcome=outcome,
            position=position,
        )
        position += 1
        _record(actor, disposition, None, audit.snapshot(disposition, DISPOSITION_FIELDS))
    return list(
        Disposition.objects.filter(organization=organization).order_by("position", "label", "pk")
    )


def _validate(label: str, outcome: str) -> str:
    errors: dict[str, str] = {}
    label = " ".join(label.split())
    if not label:
        errors["label"] = _("Give the disposition a name.")
    elif len(label) > 120:
        errors["label"] = _("A name can be at most 120 characters.")
    if outcome not in DispositionOutcome.values:
        errors["outcome"] = _("Choose what the disposition counts as.")
    if errors:
        raise ValidationError(errors)
    return label


@transaction.atomic
def add_disposition(
    actor: Actor, *, organization: Organization, label: str, outcome: str, code: str = ""
) -> Disposition:
    """Add an entry at the end of the list; its code comes from the name unless given."""
    _authorize(actor, organization, Action.CREATE)
    label = _validate(label, outcome)
    base = slugify(code or label).replace("-", "_")[:36] or "disposition"
    taken = set(
        Disposition.objects.filter(organization=organization, code__startswith=base).values_list(
            "code", flat=True
        )
    )
    code, n = base, 2
    while code in taken:
        code, n = f"{base}_{n}", n + 1
    disposition = Disposition.objects.create(
        organization=organization,
        code=code,
        label=label,
        outcome=outcome,
        position=_next_position(organization),
    )
    _record(actor, disposition, None, audit.snapshot(disposition, DISPOSITION_FIELDS))
    return disposition


@transaction.atomic
def update_disposition(
    actor: Actor, *, disposition: Disposition, label: str, outcome: str, is_active: bool
) -> Disposition:
    """Rename an entry, change what it counts as, retire it or bring it back. Reports that
    used it keep pointing at it."""
    _authorize(actor, disposition.organization, Action.CHANGE)
    disposition = Disposition.objects.select_for_update().get(pk=disposition.pk)
    before = audit.snapshot(disposition, DISPOSITION_FIELDS)
    disposition.label = _validate(label, outcome)
    disposition.outcome = outcome
    disposition.is_active = bool(is_active)
    after = audit.snapshot(disposition, DISPOSITION_FIELDS)
    if after != before:
        disposition.save()
        _record(actor, disposition, before, after)
    return disposition


@transaction.atomic
def move_disposition(actor: Actor, *, disposition: Disposition, up: bool) -> Disposition:
    """Move an entry one place up or down the list."""
    _authorize(actor, disposition.organization, Action.CHANGE)
    entries = list(
        Disposition.objects.select_for_update()
        .filter(organization_id=disposition.organization_id)
        .order_by("position", "label", "pk")
    )
    index = next(i for i, d in enumerate(entries) if d.pk == disposition.pk)
    other = index - 1 if up else index + 1
    if not 0 <= other < len(entries):
        return entries[index]
    before = audit.snapshot(entries[index], DISPOSITION_FIELDS)
    entries[index], entries[other] = entries[other], entries[index]
    for position, entry in enumerate(entries, start=1):
        if entry.position != position:
            entry.position = position
    Disposition.objects.bulk_update(entries, ["position"])
    moved = entries[other]
    _record(actor, moved, before, audit.snapshot(moved, DISPOSITION_FIELDS))
    return moved


@transaction.atomic
def delete_disposition(actor: Actor, *, disposition: Disposition) -> None:
    """Remove an entry no report uses; one in use can only be retired."""
    _authorize(actor, disposition.organization, Action.DELETE)
    if Encounter.objects.filter(
        Q(disposition=disposition) | Q(other_dispositions=disposition)
    ).exists():
        raise ValidationError(_("Reports use this disposition: retire it instead of deleting it."))
    before = audit.snapshot(disposition, DISPOSITION_FIELDS)
    _record(actor, disposition, before, None)
    disposition.delete()
