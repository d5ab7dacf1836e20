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
