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
        # The facts' partitions of the months to come (PostgreSQL), before the refresh
        # writes facts of a new month.
        register_startup_check(_add_partitions)
        register_startup_check(_refresh_stale)

        from pmhc.evaluation.rollup_selectors import may_read
        from pmhc.platform import landing
        from pmhc.platform.models import Role
        from pmhc.platform.navigation import ORDER, SECTIONS, Section

        # Measure: the dashboard, for those who read the organization's outcome figures.
        if not any(section.url_name == "evaluation_dashboard" for section in SECTIONS):
            SECTIONS.append(
                Section(
                    _("Measure"),
                    "evaluation_dashboard",
                    lambda actor: may_read(actor, actor.organization_id),
                    "/measure/",
                    ORDER["measure"],
                )
            )
        # Analysts read the program's figures: they land on the dashboard.
        landing.register("evaluation_dashboard", Role.ANALYST)

        from pmhc.evaluation import whatif_panel

        whatif_panel.register()


def _add_partitions() -> str:
    # Imported when the worker starts, not when the apps load.
    from pmhc.evaluation.partition_services import worker_start

    return worker_start()


def _refresh_stale() -> str:
    # Imported when the worker starts, not when the apps load: tasks reach the services.
    from pmhc.evaluation.tasks import refresh_stale

    return refresh_stale()
