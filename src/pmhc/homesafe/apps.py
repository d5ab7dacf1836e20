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
