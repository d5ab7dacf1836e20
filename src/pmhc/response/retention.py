"""How long response keeps encounter reports (``platform/retention.py``). A report past the
schedule is de-identified, dated by its call: force, injury, disposition and transport stay
for the program's measures; the narratives and reasons are blanked, a reviewer's comments and
an amendment's reasons too, and an amendment's record of what it changed keeps the fields it
changed but none of their values (the old narrative would otherwise outlive the report's).
What the responders recorded about each person (race and ethnicity, housing, presenting
concern) is blanked; the links themselves (who was in the report, and as what) stay, as a
call's do, until the person is de-identified (``people/retention.py``).

A clinician's contact note is clinical free text about one person: past its schedule, dated
from when it was filed, it is deleted (what the program counts, that a team was sent and the
report's outcome, stays on the call and the report). No rule is named for its bounds: they are
the product's own, a year at least, seven by default.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform import retention
from pmhc.response.models import (
    ContactNote,
    Encounter,
    EncounterAmendment,
    EncounterPerson,
    EncounterReview,
)

ENCOUNTERS = "response.encounter"
CONTACT_NOTES = "response.contactnote"

BLANKED: dict[str, Any] = {
    "narrative": "",
    "force_reason": "",
    "force_narrative": "",
    "refusal_reason": "",
}


def blank_changes(changes: Any) -> dict[str, dict[str, None]]:
    """Which fields an amendment changed, without what they were or became."""
    if not isinstance(changes, dict):
        return {}
    return {str(field): {"from": None, "to": None} for field in changes}


def due_encounters(organization_id: int, cut: dt.datetime) -> QuerySet[Encounter]:
    return Encounter.objects.filter(
        organization_id=organization_id, call__received_at__lt=cut, deidentified_at__isnull=True
    )


def deidentify_encounters(pks: Sequence[Any]) -> int:
    EncounterPerson.objects.filter(encounter_id__in=pks).update(
        race_ethnicity=[], housing_status="", presenting_concerns=[]
    )
    EncounterReview.objects.filter(encounter_id__in=pks).update(comment="")
    amendments = list(EncounterAmendment.objects.filter(encounter_id__in=pks))
    for amendment in amendments:
        amendment.reason = ""
        amendment.changes = blank_changes(amendment.changes)
    EncounterAmendment.objects.bulk_update(amendments, ["reason", "changes"])
    now = timezone.now()
    return Encounter.objects.filter(pk__in=pks, deidentified_at__isnull=True).update(
        deidentified_at=now, updated_at=now, **BLANKED
    )


def due_contact_notes(organization_id: int, cut: dt.datetime) -> QuerySet[ContactNote]:
    return ContactNote.objects.filter(organization_id=organization_id, created_at__lt=cut)


def delete_contact_notes(pks: Sequence[Any]) -> int:
    deleted = ContactNote.objects.filter(pk__in=pks).delete()[1]
    return deleted.get(ContactNote._meta.label, 0)


def register() -> None:
    retention.register(
        retention.RecordKind(
            key=ENCOUNTERS,
            label=_("Encounter reports"),
            measured_from=_("when their call was received"),
            minimum_days=180,
            maximum_days=3650,
            default_days=2555,
            action=retention.PurgeAction.DEIDENTIFY,
            due=due_encounters,
            purge=deidentify_encounters,
            date_field="call__received_at",
            reference=lambda encounter: f"report {encounter.pk}",
            order=60,
        )
    )
    retention.register(
        retention.RecordKind(
            key=CONTACT_NOTES,
            label=_("Contact notes"),
            measured_from=_("when the note was filed"),
            minimum_days=365,
            maximum_days=3650,
            default_days=2555,
            action=retention.PurgeAction.DELETE,
            due=due_contact_notes,
            purge=delete_contact_notes,
            date_field="created_at",
            reference=lambda note: f"contact note {note.pk}",
            order=62,
        )
    )
