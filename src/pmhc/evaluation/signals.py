"""What queues a refresh of the rollups (``tasks.refresh_on_commit``): a saved call, encounter
report or referral, and a CAD import that finished. Connected in ``apps.py``."""

from __future__ import annotations

from typing import Any

from pmhc.dispatch.models import Call, CallImport, ImportStatus
from pmhc.evaluation.tasks import refresh_on_commit


def call_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        refresh_on_commit(instance.organization_id)


def import_saved(sender: Any, instance: CallImport, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.status == ImportStatus.DONE:
        refresh_on_commit(instance.organization_id)


def connect() -> None:
    from django.db.models.signals import post_save

    from pmhc.care.models import Referral
    from pmhc.response.models import Encounter

    for model in (Call, Encounter, Referral):
        post_save.connect(call_saved, sender=model, dispatch_uid=f"evaluation.{model.__name__}")
    post_save.connect(import_saved, sender=CallImport, dispatch_uid="evaluation.CallImport")
