"""How long response keeps encounter reports (``platform/retention.py``). A report past the
schedule is de-identified, dated by its call: force, injury, disposition and transport stay
for the program's measures; the narratives and reasons are blanked, a reviewer's comments and
an amendment's reasons too, and an amendment's record of what it changed keeps the fields it
changed but none of their values (the old narrative would otherwise outlive the report's).
What the responders recorded about each person (race and ethnicity, housing, presenting
concern) is blanked; the links themselves (who was in the report, and as what) stay, as a
call's do, until the person is de-identified (``people/retention.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pmhc.platform import retention
from pmhc.response.models import Encounter, EncounterAmendment, EncounterPerson, EncounterReview

ENCOUNTERS = "response.encounter"

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
