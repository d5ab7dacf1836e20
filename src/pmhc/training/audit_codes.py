"""The audit codes of training (Train), registered in ``apps.py``. Codes are stable: never
rename one that has been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingAudit(models.TextChoices):
    COURSE_SAVED = "training.course_saved", _("Course saved")
    SESSION_SAVED = "training.session_saved", _("Training session saved")
    ENROLLMENT_CHANGED = "training.enrollment", _("Enrollment changed")
    COMPLETION_RECORDED = "training.completion", _("Course completion recorded")
    TRAINEE_SAVED = "training.trainee_saved", _("Roster entry saved")
    ROSTER_IMPORTED = "training.roster_imported", _("Roster imported")
    ROSTER_IMPORT_BATCH = "training.roster_import_batch", _("Batch of a roster import written")
    TRAINING_RECORD_READ = "training.record_read", _("Training record read")
