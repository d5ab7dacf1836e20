from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HomeSafeConfig(AppConfig):
    name = "pmhc.homesafe"
    label = "homesafe"
    verbose_name = _("Home Safe")

    def ready(self) -> None:
        from pmhc.homesafe.audit_codes import HomeSafeAudit
        from pmhc.platform import audit_codes

        audit_codes.register(HomeSafeAudit, app="homesafe")
        _register_search_section()
        from pmhc.homesafe import retention as homesafe_retention

        # Enrolments out of the registry are deleted on the retention schedule.
        homesafe_retention.register()
        from pmhc.platform.worker_hooks import register_startup_check

        # The re-confirmation e-mails go once a day.
        register_startup_check(_start_reconfirm_reminders)
        from pmhc.platform.navigation import ORDER, SECTIONS, Section

        # Home Safe: for those who read the registry, and administrators (its settings).
        if not any(section.url_name == "homesafe_hub" for section in SECTIONS):
            SECTIONS.append(
                Section(
                    _("Home Safe"),
                    "homesafe_hub",
                    _sees_home_safe,
                    "/operate/home-safe/",
                    ORDER["operate"] + 5,
                )
            )


def _register_search_section() -> None:
    """The registry search in the menu, for those who may search it on a call."""
    from pmhc.homesafe.search_selectors import can_search
    from pmhc.platform.navigation import ORDER, SECTIONS, Section

    if not any(section.url_name == "homesafe_search" for section in SECTIONS):
        SECTIONS.append(
            Section(
                _("Home Safe search"),
                "homesafe_search",
                can_search,
                "/operate/home-safe/search/",
                ORDER["operate"] + 1,
            )
        )


def _sees_home_safe(actor: object) -> bool:
    from pmhc.homesafe.models import PROGRAM_KEEPERS, REGISTRY_READERS

    has_role = getattr(actor, "has_role", None)
    return bool(has_role and has_role(*REGISTRY_READERS, *PROGRAM_KEEPERS))


def _start_reconfirm_reminders() -> str:
    # Imported when the worker starts, not when the apps load: tasks reach the services.
    from pmhc.homesafe.tasks import schedule_reconfirm_reminders

    return schedule_reconfirm_reminders()
