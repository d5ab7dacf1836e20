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
        from pmhc.evaluation import signals
        from pmhc.platform.worker_hooks import register_startup_check

        # Saved calls, reports and referrals refresh the rollups once their transaction
        # commits; a worker that starts refreshes what was written while none ran.
        signals.connect()
        register_startup_check(_refresh_stale)


def _refresh_stale() -> str:
    # Imported when the worker starts, not when the apps load: tasks reach the services.
    from pmhc.evaluation.tasks import refresh_stale

    return refresh_stale()
