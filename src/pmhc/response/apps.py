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


def _person_encounters(**page: Any) -> dict[str, Any]:
    # Imported when the page is shown, not when the apps load: views reach forms and services.
    from pmhc.response.views import person_encounters_panel

    return person_encounters_panel(**page)
