from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ToolkitConfig(AppConfig):
    name = "pmhc.toolkit"
    label = "toolkit"
    verbose_name = _("Toolkit (Learn)")

    def ready(self) -> None:
        from pmhc.platform import audit_codes
        from pmhc.toolkit.audit_codes import ToolkitAudit

        audit_codes.register(ToolkitAudit, app="toolkit")
        from pmhc.platform.models import Role
        from pmhc.platform.navigation import ORDER, SECTIONS, Section

        def tta(actor: object) -> bool:
            return bool(getattr(actor, "has_role", lambda *_: False)(Role.TTA_STAFF))

        # Learn leads the framework's order; TTA staff get their two work queues.
        queue = ORDER["queues"]
        SECTIONS.append(
            Section(_("Learn"), "learn_index", lambda actor: True, "/learn/", ORDER["learn"])
        )
        SECTIONS.append(Section(_("TA requests"), "ta_queue", tta, "/assistance/queue/", queue))
        SECTIONS.append(
            Section(_("Library review"), "library_review", tta, "/library/review/", queue)
        )

        def site_coordinator(actor: object) -> bool:
            return bool(getattr(actor, "has_role", lambda *_: False)(Role.SITE_COORDINATOR))

        # A learning site's coordinators: the requests matched to their site.
        SECTIONS.append(
            Section(_("Site requests"), "site_requests", site_coordinator, "/site/", queue)
        )
        from pmhc.platform import landing

        landing.register("ta_queue", Role.TTA_STAFF)
        landing.register("site_requests", Role.SITE_COORDINATOR)
        from pmhc.toolkit import retention as toolkit_retention

        # How long the public's contact details are kept (``platform/retention.py``).
        toolkit_retention.register()
