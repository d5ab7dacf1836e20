"""The audit codes of dispatch (Operate), registered in ``apps.py``. Codes are stable: never
rename one that has been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DispatchAudit(models.TextChoices):
    CALL_CREATED = "dispatch.call_created", _("Call for service recorded")
    CALL_CHANGED = "dispatch.call_changed", _("Call for service changed")
    CALL_TRIAGED = "dispatch.call_triaged", _("Call triaged with the protocol")
    UNIT_ASSIGNED = "dispatch.unit_assigned", _("Unit dispatched to a call")
    CALL_NARRATIVE_READ = "dispatch.narrative_read", _("Call narrative read")
    RULES_SAVED = "dispatch.rules_saved", _("Routing rules draft saved")
    RULES_PUBLISHED = "dispatch.rules_published", _("Routing rules published")
    DUTY_SAVED = "dispatch.duty_saved", _("Shift or team saved")
    MAPPING_SAVED = "dispatch.mapping_saved", _("CAD import mapping saved")
    CALLS_IMPORTED = "dispatch.calls_imported", _("Calls imported from CAD")
    CALLS_IMPORT_BATCH = "dispatch.calls_import_batch", _("Batch of CAD calls committed")
    TEAM_STATUS_SET = "dispatch.team_status_set", _("Team status changed")
    TEAM_MEMBERS_SET = "dispatch.team_members_set", _("Team members changed")
    UNIT_PROGRESS = "dispatch.unit_progress", _("Unit's progress on a call recorded")
    UNIT_DEQUEUED = "dispatch.unit_dequeued", _("Queued call taken by the team")
    IMPORT_RECOVERED = "dispatch.import_recovered", _("Stalled CAD import resumed or failed")
