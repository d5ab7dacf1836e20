from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponseConfig(AppConfig):
    name = "pmhc.response"
    label = "response"
    verbose_name = _("Response (Operate)")

    def ready(self) -> None:
        from pmhc.platform import audit_codes
        from pmhc.response.audit_codes import ResponseAudit

        audit_codes.register(
            ResponseAudit, app="response", typed_detail=[ResponseAudit.ENCOUNTER_AMENDED]
        )

        from pmhc.platform.panels import register as register_panel

        register_panel(
            "people.person",
            template="response/_person_encounters.html",
            context=_person_encounters,
            order=20,
        )
        register_panel(
            "dispatch.index",
            template="response/_index_follow_ups.html",
            context=_index_follow_ups,
            order=10,
        )
        register_panel(
            "dispatch.unit_call",
            template="response/_unit_call_notes.html",
            context=_unit_call_notes,
            order=10,
        )
        register_panel(
            "dispatch.call",
            template="response/_call_notes.html",
            context=_call_notes,
            order=10,
        )


def _person_encounters(**page: Any) -> dict[str, Any]:
    # Imported when the page is shown, not when the apps load: views reach forms and services.
    from pmhc.response.views import person_encounters_panel

    return person_encounters_panel(**page)


def _index_follow_ups(**page: Any) -> dict[str, Any]:
    from pmhc.response.contact_views import index_panel

    return index_panel(**page)


def _unit_call_notes(**page: Any) -> dict[str, Any]:
    from pmhc.response.contact_views import unit_call_panel

    return unit_call_panel(**page)


def _call_notes(**page: Any) -> dict[str, Any]:
    from pmhc.response.contact_views import call_panel

    return call_panel(**page)
