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
