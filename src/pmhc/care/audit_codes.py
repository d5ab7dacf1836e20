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
