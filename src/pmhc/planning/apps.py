from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "pmhc.planning"
    label = "planning"
    verbose_name = _("Planning (Plan)")

    def ready(self) -> None:
        from pmhc.planning.audit_codes import PlanningAudit
        from pmhc.platform import audit_codes

        audit_codes.register(PlanningAudit, app="planning")
        from pmhc.platform.models import Role
        from pmhc.platform.navigation import ORDER, SECTIONS, Section

        # Plan is for the people who run the program, and analysts read it: the bar offers
        # it to everyone whom its page answers.
        roles = (Role.COORDINATOR, Role.ADMINISTRATOR, Role.SUPERVISOR, Role.ANALYST)
        SECTIONS.append(
            Section(
                _("Plan"),
                "plan_home",
                lambda actor: bool(getattr(actor, "has_role", lambda *_: False)(*roles)),
                "/plan/",
                ORDER["plan"],
            )
        )
        from pmhc.platform import landing

        # The program's home: coordinators run it from here (analysts land on Measure).
        landing.register("plan_home", Role.COORDINATOR)
