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

        # Those who resolve people (case managers, coordinators, clinicians) reach the pairs
        # waiting for review, and from there the high-utilizer list; the case manager's work
        # starts there.
        from pmhc.people.identity_selectors import opens_review
        from pmhc.platform import landing
        from pmhc.platform.models import Role
        from pmhc.platform.navigation import ORDER, SECTIONS, Section

        if not any(section.url_name == "people_review" for section in SECTIONS):
            SECTIONS.append(
                Section(
                    _("Who is who"),
                    "people_review",
                    opens_review,
                    "/operate/people/review/",
                    ORDER["queues"],
                )
            )
        landing.register("people_review", Role.CASE_MANAGER)
        # The person's page links to their consents, for those who keep them.
        from pmhc.people.consent_selectors import consent_link_panel
        from pmhc.platform import panels

        panels.register(
            "people.person",
            template="people/includes/consent_link.html",
            context=consent_link_panel,
            order=5,
        )
