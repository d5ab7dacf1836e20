from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "pmhc.dispatch"
    label = "dispatch"
    verbose_name = _("Dispatch (Operate)")

    def ready(self) -> None:
        from pmhc.dispatch.audit_codes import DispatchAudit
        from pmhc.platform import audit_codes

        audit_codes.register(DispatchAudit, app="dispatch")
        from pmhc.platform.access import Actor
        from pmhc.platform.models import Role
        from pmhc.platform.navigation import ORDER, SECTIONS, Section
        from pmhc.platform.panels import register as register_panel
        from pmhc.platform.worker_hooks import register_startup_check

        roles = (
            Role.CALL_TAKER,
            Role.OFFICER,
            Role.SUPERVISOR,
            Role.CLINICIAN,
            Role.COORDINATOR,
            Role.CASE_MANAGER,
        )

        def visible(actor: Actor) -> bool:
            return actor.has_role(*roles)

        SECTIONS.append(
            Section(_("Operate"), "dispatch_index", visible, "/operate/", ORDER["operate"])
        )
        register_startup_check(_start_import_watch)
        register_panel(
            "people.person",
            template="dispatch/_person_calls.html",
            context=_person_calls,
            order=10,
        )


def _start_import_watch() -> str:
    # Imported when the worker starts, not when the apps load: tasks reach the services.
    from pmhc.dispatch.tasks import start_import_watch

    return start_import_watch()


def _person_calls(**page: Any) -> dict[str, Any]:
    # Imported when the page is shown, not when the apps load: views reach forms and services.
    from pmhc.dispatch.views import person_calls_panel

    return person_calls_panel(**page)
