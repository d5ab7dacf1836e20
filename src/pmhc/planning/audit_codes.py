"""The audit codes of planning (Plan), registered in ``apps.py``. Codes are stable: never
rename one that has been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanningAudit(models.TextChoices):
    PROFILE_SAVED = "planning.profile_saved", _("Community profile saved")
    PLEDGE_SAVED = "planning.pledge_saved", _("One Mind pledge record saved")
    POLICY_ADOPTED = "planning.policy_adopted", _("Model policy recorded")
    POLICY_FILE_READ = "planning.policy_read", _("Model policy downloaded")
