from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "pmhc.evaluation"
    label = "evaluation"
    verbose_name = _("Measure")

    def ready(self) -> None:
        from pmhc.evaluation.audit_codes import EvaluationAudit
        from pmhc.platform import audit_codes

        audit_codes.register(EvaluationAudit, app="evaluation")
