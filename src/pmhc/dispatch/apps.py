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
        from pmhc.dispatch.selectors import opens_operate
        from pmhc.platform import landing
        from pmhc.platform.models import Role
        from pmhc.platform.navigation import ORDER, SECTIONS, Section
        from pmhc.platform.panels import register as register_panel
        from pmhc.platform.worker_hooks import register_startup_check

        SECTIONS.append(
            Section(_("Operate"), "dispatch_index", opens_operate, "/operate/", ORDER["operate"])
        )
        # Call-takers land on the call-taker's screen; those who respond, on Operate.
        landing.register("dispatch_call_new", Role.CALL_TAKER)
        landing.register("dispatch_index", Role.OFFICER, Role.CLINICIAN)
        register_startup_check(_start_import_watch)
        from pmhc.dispatch import retention as dispatch_retention

        # How long calls are kept (``platform/retention.py``).
        dispatch_retention.register()
        register_panel(
            "people.person",
            template="dispatch/_person_calls.html",
            context=_person_calls,
            order=10,
        )
        # The calls a person was on count toward the high-utilizer list.
        from pmhc.dispatch.people_contacts import calls_by_identity, calls_of
        from pmhc.people import contacts

        contacts.register(contacts.ContactSource("dispatch.calls", calls_by_identity, calls_of))


def _start_import_watch() -> str:
    # Imported when the worker starts, not when the apps load: tasks reach the services.
    from pmhc.dispatch.tasks import start_import_watch

    return start_import_watch()


def _person_calls(**page: Any) -> dict[str, Any]:
    # Imported when the page is shown, not when the apps load: views reach forms and services.
    from pmhc.dispatch.views import person_calls_panel

    return person_calls_panel(**page)
