"""The audit codes of care (Operate), registered in ``apps.py``. Codes are stable: never
rename one that has been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CareAudit(models.TextChoices):
    SERVICE_ADDED = "care.service_added", _("Service added to the directory")
    SERVICE_CHANGED = "care.service_changed", _("Service in the directory changed")
    SERVICE_UNLISTED = "care.service_unlisted", _("Service taken off the directory")
    SERVICES_IMPORTED = "care.services_imported", _("Service directory imported")
    CAPACITY_UPDATED = "care.capacity_updated", _("Open beds or chairs and wait updated")
    REFERRAL_SENT = "care.referral_sent", _("Referral sent")
    REFERRAL_MOVED = "care.referral_moved", _("Referral state changed")
    REFERRAL_READ = "care.referral_read", _("Referral read by its sender")
    REFERRAL_PROVIDER_READ = (
        "care.referral_provider_read",
        _("Referral read by the receiving provider"),
    )
    REFERRAL_REMINDED = "care.referral_reminded", _("Sender reminded of a stalled referral")
    # --- Cases ---------------------------------------------------------------------------------
    CASE_OPENED = "care.case_opened", _("Case opened")
    CASE_PLAN_CHANGED = "care.case_plan_changed", _("Case goals or schedule changed")
    CASE_CONTACT_LOGGED = "care.case_contact_logged", _("Contact of a case logged")
    CASE_TRANSFERRED = "care.case_transferred", _("Case passed to another case manager")
    CASE_CLOSED = "care.case_closed", _("Case closed")
    CASE_REOPENED = "care.case_reopened", _("Case reopened")
    CASE_READ = "care.case_read", _("Case goals or closing note read")
    CASE_CONTACT_READ = "care.case_contact_read", _("Contact note of a case read")
    CASE_REMINDED = "care.case_reminded", _("Case manager reminded of contacts due")
