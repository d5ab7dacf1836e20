"""The audit codes of response (Operate), registered in ``apps.py``. Codes are stable: never
rename one that has been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ResponseAudit(models.TextChoices):
    ENCOUNTER_CREATED = "response.encounter_created", _("Encounter report started")
    ENCOUNTER_CHANGED = "response.encounter_changed", _("Encounter report changed")
    ENCOUNTER_SUBMITTED = "response.encounter_submitted", _("Encounter report submitted")
    ENCOUNTER_RETURNED = "response.encounter_returned", _("Encounter report returned")
    ENCOUNTER_ACCEPTED = "response.encounter_accepted", _("Encounter report accepted")
    ENCOUNTER_AMENDED = "response.encounter_amended", _("Accepted encounter report amended")
    ENCOUNTER_NARRATIVE_READ = "response.narrative_read", _("Encounter narrative read")
    ENCOUNTER_PERSON_READ = (
        "response.encounter_person_read",
        _("What an encounter report recorded about a person read"),
    )
    ENCOUNTERS_IMPORTED = "response.encounters_imported", _("Past encounter reports imported")
    CONTACT_NOTE_FILED = "response.contact_note_filed", _("Clinical contact note filed")
    CONTACT_NOTE_READ = "response.contact_note_read", _("Clinical contact note read")
    FOLLOW_UP_DONE = "response.follow_up_done", _("Follow-up marked done")
    DISPOSITION_SAVED = "response.disposition_saved", _("Disposition list changed")
    DEIDENTIFIED_DOWNLOADED = (
        "response.deidentified_downloaded",
        _("De-identified calls and reports downloaded"),
    )
