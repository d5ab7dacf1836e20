from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "pmhc.training"
    label = "training"
    verbose_name = _("Training (Train)")

    def ready(self) -> None:
        from pmhc.platform import audit_codes
        from pmhc.training.audit_codes import TrainingAudit

        audit_codes.register(TrainingAudit, app="training")
        from pmhc.platform.access import Actor
        from pmhc.platform.models import Role
        from pmhc.platform.navigation import ORDER, SECTIONS, Section

        # Those who run the roster land on coverage; officers and call-takers on their own
        # record (the same URL sends them there).
        roles = (Role.COORDINATOR, Role.SUPERVISOR, Role.ADMINISTRATOR)
        own = (Role.OFFICER, Role.CALL_TAKER)

        def visible(actor: Actor) -> bool:
            return actor.has_role(*roles, *own)

        SECTIONS.append(Section(_("Train"), "training_home", visible, "/train/", ORDER["train"]))
