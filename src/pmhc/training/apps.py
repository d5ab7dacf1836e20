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
        from pmhc.platform.navigation import ORDER, SECTIONS, Section
        from pmhc.training.selectors import opens_train

        # Those who run the roster land on coverage; officers and call-takers on their own
        # record (the same URL sends them there).
        SECTIONS.append(
            Section(_("Train"), "training_home", opens_train, "/train/", ORDER["train"])
        )
