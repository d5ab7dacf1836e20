from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "pmhc.people"
    label = "people"
    verbose_name = _("People (Operate)")

    def ready(self) -> None:
        from pmhc.people.audit_codes import PeopleAudit
        from pmhc.platform import audit_codes

        audit_codes.register(PeopleAudit, app="people")

        # The access policy asks people's consent through this one function; platform
        # imports no domain app.
        from pmhc.people.consent_selectors import consent_allows
        from pmhc.platform.access import register_consent_check

        register_consent_check(consent_allows)
        from pmhc.people import retention as people_retention

        # How long people and consents are kept (``platform/retention.py``).
        people_retention.register()
