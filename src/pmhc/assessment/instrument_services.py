"""Every write to the instrument: TTA staff draft the next edition, revise it element by
element, and publish it. A published edition never changes, so every assessment keeps the
wording it was taken with; new assessments take the newest published edition."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.assessment import instrument as instrument_module
from pmhc.assessment.audit_codes import AssessmentAudit
from pmhc.assessment.models import EditionStatus, Instrument
from pmhc.assessment.services import current_instrument
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Purpose
from pmhc.toolkit.selectors.common import handling_organization, toolkit_target

MIN_ITEMS = 3
STATEMENT_MAX = 300
LEVEL_MAX = 300
#: The published edition's note: what changed.
NOTE_MAX = 300


def may_revise(actor: Actor) -> bool:
    organization = handling_organization()
    return organization is not None and bool(
        decide(actor, Action.CHANGE, toolkit_target(organization), Purpose.ADMINISTRATION)
    )


def _authorize(actor: Actor) -> int:
    organization = handling_organization()
    if organization is None or not may_revise(actor):
        raise PermissionDenied(_("Only TTA staff revise the self-assessment."))
    return organization.pk


def _record(
    actor: Actor, organization_id: int, draft: Instrument, detail: str, **changes: object
) -> None:
    audit.record(
        AssessmentAudit.INSTRUMENT_REVISED,
        actor=actor,
        organization_id=organization_id,
        obj=draft,
        purpose=Purpose.ADMINISTRATION,
        after={"edition": draft.edition, **changes},
        detail=detail,
    )


@transaction.atomic
def start_draft(actor: Actor) -> Instrument:
    """The draft of the next edition, as a copy of the newest published one (or the draft
    already open)."""
    organization_id = _authorize(actor)
    existing = Instrument.objects.select_for_update().filter(status=EditionStatus.DRAFT).first()
    if existing is not None:
        return existing
    base = current_instrument()
    number = (Instrument.objects.aggregate(top=Max("edition"))["top"] or 0) + 1
    draft = Instrument.objects.create(
        edition=number,
        status=EditionStatus.DRAFT,
        content=copy.deepcopy(base.content),
        created_by_id=actor.user_id,
    )
    _record(actor, organization_id, draft, "draft started", based_on=base.edition)
    return draft


@dataclass(frozen=True)
class ItemRevision:
    """One item as the revision form sends it; ``key`` is empty for a new item."""

    key: str
    statement: str
    levels: tuple[str, str, str, str]
    next_step: str
    remove: bool = False


def _locked_draft(draft: Instrument) -> Instrument:
    locked = Instrument.objects.select_for_update().get(pk=draft.pk)
    if locked.status != EditionStatus.DRAFT:
        raise ValidationError(_("A published edition cannot change; start a new draft."))
    return locked


@transaction.atomic
def revise_element(
    actor: Actor,
    *,
    draft: Instrument,
    number: int,
    intent: str,
    items: Sequence[ItemRevision],
) -> Instrument:
    """Replace one element's intent and items in the draft. Items keep their keys (so results
    stay comparable across editions); new items get a key from their statement."""
    organization_id = _authorize(actor)
    draft = _locked_draft(draft)
    content = copy.deepcopy(draft.content)
    element = next((e for e in content["elements"] if int(e["number"]) == number), None)
    if element is None:
        raise ValidationError(_("There is no element %(n)d.") % {"n": number})
    old = {i["key"]: i for i in element["items"]}
    errors: dict[str, str] = {}
    kept: list[dict[str, object]] = []
    taken = set(old)
    for index, revision in enumerate(items):
        if revision.remove:
            continue
        if revision.key and revision.key not in old:
            errors[f"item-{index}"] = _("This item is not in the element.")
            continue
        texts = [revision.statement, *revision.levels, revision.next_step]
        if not all(t.strip() for t in texts):
            errors[f"item-{index}"] = _(
                "Fill in the statement, all four steps and the next step (or remove the item)."
            )
            continue
        if len(revision.statement) > STATEMENT_MAX or any(
            len(level) > LEVEL_MAX for level in revision.levels
        ):
            errors[f"item-{index}"] = _("Keep the statement and each step under 300 characters.")
            continue
        key = revision.key or instrument_module.new_item_slug(revision.statement, taken)
        taken.add(key)
        kept.append(
            {
                "key": key,
                "statement": revision.statement.strip(),
                "levels": [level.strip() for level in revision.levels],
                "next_step": revision.next_step.strip(),
            }
        )
    if not intent.strip():
        errors["intent"] = _("Say in one sentence what the element asks for.")
    if not errors and len(kept) < MIN_ITEMS:
        errors["items"] = _("Keep at least %(n)d items in each element.") % {"n": MIN_ITEMS}
    if errors:
        raise ValidationError(errors)
    removed = sorted(set(old) - {str(i["key"]) for i in kept})
    added = [str(i["key"]) for i in kept if i["key"] not in old]
    changed = [str(i["key"]) for i in kept if i["key"] in old and i != old[str(i["key"])]]
    element["intent"] = intent.strip()
    element["items"] = kept
    draft.content = content
    draft.save(update_fields=["content"])
    _record(
        actor,
        organization_id,
        draft,
        f"element {number} revised",
        element=number,
        added=added,
        removed=removed,
        changed=changed,
    )
    return draft


@transaction.atomic
def publish_draft(actor: Actor, *, draft: Instrument, note: str) -> Instrument:
    """Publish the draft: from now on new assessments take it."""
    organization_id = _authorize(actor)
    draft = _locked_draft(draft)
    if not note.strip():
        raise ValidationError({"note": _("Say briefly what changed in this edition.")})
    if len(note.strip()) > NOTE_MAX:
        raise ValidationError({"note": _("Keep the note to %(n)d characters.") % {"n": NOTE_MAX}})
    instrument_module.read(draft.content)  # refuses a malformed edition before it goes live
    draft.status = EditionStatus.PUBLISHED
    draft.note = note.strip()
    draft.published_at = timezone.now()
    draft.save(update_fields=["status", "note", "published_at"])
    _record(actor, organization_id, draft, "published", note=draft.note)
    return draft


@transaction.atomic
def discard_draft(actor: Actor, *, draft: Instrument) -> None:
    organization_id = _authorize(actor)
    draft = _locked_draft(draft)
    _record(actor, organization_id, draft, "draft discarded")
    draft.delete()
