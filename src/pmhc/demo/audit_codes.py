"""The audit codes of the demo loader, registered in ``apps.py``. Codes are stable: never
rename one that has been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoAudit(models.TextChoices):
    DEMO_LOADED = "demo.loaded", _("Demo data loaded")
