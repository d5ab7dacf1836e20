"""The audit codes of Measure, registered in ``apps.py``. Codes are stable: never rename one
that has been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EvaluationAudit(models.TextChoices):
    ROLLUPS_REBUILT = "evaluation.rollups_rebuilt", _("Outcome rollups rebuilt")
    ROLLUPS_REFRESHED = "evaluation.rollups_refreshed", _("Outcome rollups brought up to date")
    PARTITIONS_ADDED = "evaluation.partitions_added", _("Monthly partitions added")
    DASHBOARD_DOWNLOADED = "evaluation.dashboard_downloaded", _("Dashboard figures downloaded")
    ANALYSIS_READ = "evaluation.analysis_read", _("Evaluation statistics computed")
    PROGRAM_CHANGE_SAVED = "evaluation.program_change_saved", _("Program change recorded")
    PROGRAM_CHANGE_REMOVED = "evaluation.program_change_removed", _("Program change removed")
    SETTINGS_CHANGED = "evaluation.settings_changed", _("Measure settings changed")
    PUBLIC_PAGE_CHANGED = "evaluation.public_page_changed", _("Public page published or changed")
    REPORT_SAVED = "evaluation.report_saved", _("Quarterly report narrative saved")
    REPORT_DOWNLOADED = "evaluation.report_downloaded", _("Quarterly report downloaded")
    FACTS_EXPORTED = "evaluation.facts_exported", _("De-identified facts exported as Parquet")
