from __future__ import annotations

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
