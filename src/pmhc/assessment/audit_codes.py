"""The audit codes of the self-assessment (Assess), registered in ``apps.py``. Codes are
stable: never rename one that has been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentAudit(models.TextChoices):
    INSTRUMENT_REVISED = "assessment.instrument_revised", _("Self-assessment instrument revised")
    ASSESSMENT_OPENED = "assessment.opened", _("Self-assessment opened")
    ASSESSMENT_INVITED = "assessment.invited", _("Respondent invited to a self-assessment")
    ASSESSMENT_ANSWERED = "assessment.answered", _("Self-assessment answers saved")
    ASSESSMENT_AGREED = "assessment.agreed", _("Committee rating agreed")
    ASSESSMENT_CLOSED = "assessment.closed", _("Self-assessment closed")
    ASSESSMENT_EXPORTED = "assessment.exported", _("Self-assessment report downloaded")
    ACTION_CREATED = "assessment.action_created", _("Action added to the plan")
    ACTION_CHANGED = "assessment.action_changed", _("Action changed")
    ACTION_OVERDUE = "assessment.action_overdue", _("Overdue actions flagged")
