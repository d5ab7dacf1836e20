from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "pmhc.assessment"
    label = "assessment"
    verbose_name = _("Self-assessment (Assess)")

    def ready(self) -> None:
        from pmhc.assessment.audit_codes import AssessmentAudit
        from pmhc.platform import audit_codes

        audit_codes.register(AssessmentAudit, app="assessment")
        from pmhc.platform.navigation import ORDER, SECTIONS, Section

        # Anyone may take the quick self-assessment, so the section is always there.
        SECTIONS.append(
            Section(_("Assess"), "assess_home", lambda actor: True, "/assess/", ORDER["assess"])
        )
