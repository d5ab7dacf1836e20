from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    name = "pmhc.demo"
    label = "demo"
    verbose_name = _("Demo jurisdiction")

    def ready(self) -> None:
        from pmhc.demo.audit_codes import DemoAudit
        from pmhc.platform import audit_codes

        audit_codes.register(DemoAudit, app="demo")
