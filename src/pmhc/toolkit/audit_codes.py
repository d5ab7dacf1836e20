"""The audit codes of the toolkit (Learn), registered in ``apps.py``. Codes are stable: never
rename one that has been used."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ToolkitAudit(models.TextChoices):
    CONTENT_CHANGED = "content.changed", _("Toolkit page edited")
    CONTENT_CREATED = "content.created", _("Toolkit question or experience added")
    CONTENT_PUBLISHED = "content.published", _("Toolkit question or experience published")
    CONTENT_UNPUBLISHED = "content.unpublished", _("Toolkit question or experience withdrawn")
    CONTENT_MOVED = "content.moved", _("Toolkit question or experience moved in its list")
    SITE_CREATED = "site.created", _("Learning site added")
    SITE_CHANGED = "site.changed", _("Learning site changed")
    TA_RECEIVED = "ta.received", _("Assistance request received")
    TA_CHANGED = "ta.changed", _("Assistance request updated")
    TA_NOTE_ADDED = "ta.note_added", _("Note added to assistance request")
    TA_REMINDED = "ta.reminded", _("Assistance request reminder sent")
    TA_ESCALATED = "ta.escalated", _("Assistance request escalated")
    TA_READ = "ta.read", _("Assistance request read")
    TA_SITE_ANSWERED = "ta.site_answered", _("Learning site answered an assistance request")
    TA_TRAVEL_RECORDED = "ta.travel_recorded", _("Travel support recorded on an assistance request")
    SITE_ACCOUNT_INVITED = "site.account_invited", _("Learning site coordinator invited")
    SITE_PROFILE_CHANGED = "site.profile_changed", _("Learning site changed its profile")
    SITE_ACCOUNT_REMOVED = (
        "site.account_removed",
        _("Learning site coordinator removed or invitation withdrawn"),
    )
    LIBRARY_SUBMITTED = "library.submitted", _("Library item submitted")
    LIBRARY_REVIEWED = "library.reviewed", _("Library item reviewed")
    LIBRARY_FILE_READ = "library.file_read", _("Library file downloaded")
