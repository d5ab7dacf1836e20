"""The audit codes of Home Safe, registered in ``apps.py``. Codes are stable: never rename one
that has been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class HomeSafeAudit(models.TextChoices):
    PROGRAM_CHANGED = "homesafe.program_changed", _("Home Safe settings changed")
    ENROLMENT_SUBMITTED = "homesafe.enrolment_submitted", _("Home Safe enrolment submitted")
    ENROLMENT_CONFIRMED = "homesafe.enrolment_confirmed", _("Home Safe e-mail address confirmed")
    ENROLMENT_CHANGED = "homesafe.enrolment_changed", _("Home Safe enrolment changed")
    ENROLMENT_REVIEWED = "homesafe.enrolment_reviewed", _("Home Safe enrolment reviewed")
    ENROLMENT_WITHDRAWN = "homesafe.enrolment_withdrawn", _("Home Safe enrolment withdrawn")
    ENROLMENT_RECONFIRMED = "homesafe.enrolment_reconfirmed", _("Home Safe enrolment re-confirmed")
    REMINDER_SENT = "homesafe.reminder_sent", _("Home Safe re-confirmation requested")
    ENROLMENT_HIDDEN = "homesafe.enrolment_hidden", _("Home Safe enrolment hidden")
    ENROLMENT_PURGED = "homesafe.enrolment_purged", _("Home Safe enrolment purged")
    ENROLMENT_READ = "homesafe.enrolment_read", _("Home Safe enrolment read")
    REGISTRY_SEARCHED = "homesafe.registry_searched", _("Home Safe registry searched")
    INCIDENT_OPENED = "homesafe.incident_opened", _("Missing-person incident opened")
    INCIDENT_READ = "homesafe.incident_read", _("Missing-person incident read")
    INCIDENT_CHANGED = "homesafe.incident_changed", _("Missing-person incident updated")
    SIGHTING_RECORDED = "homesafe.sighting_recorded", _("Sighting recorded")
    INCIDENT_CLOSED = "homesafe.incident_closed", _("Missing-person incident closed")
    FAMILY_NOTIFIED = "homesafe.family_notified", _("Family contact notified")
    FLYER_PRINTED = "homesafe.flyer_printed", _("Missing-person flyer produced")
    CORRECTION_REQUESTED = "homesafe.correction_requested", _("Home Safe correction requested")
    CORRECTION_ANSWERED = "homesafe.correction_answered", _("Home Safe correction answered")
