from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlatformConfig(AppConfig):
    name = "pmhc.platform"
    label = "platform"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from pmhc.platform import audit_codes, landing
        from pmhc.platform.models import AuditAction, Role

        audit_codes.register(AuditAction, app="platform")
        landing.register("org_home", Role.ADMINISTRATOR)
        # Registers the deployment checks.
        from pmhc.platform import checks  # noqa: F401
        from pmhc.platform.submit_once import purge_on_start
        from pmhc.platform.worker_hooks import register_startup_check

        register_startup_check(purge_on_start)
        from pmhc.platform import retention_audit

        # The audit trail under the retention schedule, and the daily purge.
        retention_audit.register()
        register_startup_check(_start_daily_purge)


def _start_daily_purge() -> str:
    # Imported when the worker starts, not when the apps load: tasks reach the services.
    from pmhc.platform.tasks import schedule_daily_purge

    return schedule_daily_purge()
