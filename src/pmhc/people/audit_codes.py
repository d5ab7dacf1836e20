"""The audit codes of people (Operate), registered in ``apps.py``. Codes are stable: never
rename one that has been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeopleAudit(models.TextChoices):
    PERSON_CREATED = "people.person_created", _("Person recorded")
    PERSON_CHANGED = "people.person_changed", _("Person's details changed")
    PERSON_LINKED = "people.person_linked", _("Person linked to a call or encounter")
    PERSON_READ = "people.person_read", _("Person's details read")
    PEOPLE_IMPORTED = "people.imported", _("People brought in with past records")
    CONSENT_GIVEN = "people.consent_given", _("Consent to share recorded")
    CONSENT_REVOKED = "people.consent_revoked", _("Consent to share revoked")
    LINKAGE_REQUESTED = "people.linkage_requested", _("Linkage of records asked for")
    LINKAGE_FINISHED = "people.linkage_finished", _("Linkage of records finished")
    LINKAGE_FAILED = "people.linkage_failed", _("Linkage of records failed")
    IDENTITY_LINKED = "people.identity_linked", _("Two records linked as one person")
    PAIR_KEPT_APART = "people.pair_kept_apart", _("Two records kept apart")
    RECORD_TAKEN_OUT = "people.record_taken_out", _("A record taken out of a person")
    IDENTITIES_MERGED = "people.identities_merged", _("Two people merged into one")
    IDENTITY_CHANGE_UNDONE = "people.identity_change_undone", _("A change of who is who undone")
    LINKAGE_SETTINGS_CHANGED = "people.linkage_settings_changed", _("Linkage settings changed")
    PLAN_DRAFTED = "people.plan_drafted", _("Response plan drafted")
    PLAN_SUBMITTED = "people.plan_submitted", _("Response plan sent for approval")
    PLAN_APPROVED = "people.plan_approved", _("Response plan approved")
    PLAN_RETIRED = "people.plan_retired", _("Response plan retired")
    PLAN_READ = "people.plan_read", _("Response plan read")
    PLAN_SAFETY_LINE_READ = "people.plan_safety_line_read", _("Response plan's safety line read")
    CONSENT_READ = (
        "people.consent_read",
        _("Consent read (its page, its printed copy or its signed copy)"),
    )
    IDENTITY_AUTO_LINKED = (
        "people.identity_auto_linked",
        _("Records linked as one person by linkage"),
    )
