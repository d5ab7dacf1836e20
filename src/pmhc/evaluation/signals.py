"""What queues a refresh of the rollups (``tasks.refresh_on_commit``): a saved call, encounter
report or referral, a CAD import that finished, and an import of past encounter reports (which
writes its reports by the bulk path, without saving each: its audit event is the one row it
saves). Connected in ``apps.py``."""

from __future__ import annotations

from typing import Any

from pmhc.dispatch.models import Call, CallImport, ImportStatus
from pmhc.evaluation.tasks import refresh_on_commit
from pmhc.platform.models import AuditEvent
from pmhc.response.audit_codes import ResponseAudit


def call_saved(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        refresh_on_commit(instance.organization_id)


def import_saved(sender: Any, instance: CallImport, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.status == ImportStatus.DONE:
        refresh_on_commit(instance.organization_id)


#: Audit events of writes that save none of the rows above one by one.
BULK_WRITES = frozenset({ResponseAudit.ENCOUNTERS_IMPORTED.value})


def audited(sender: Any, instance: AuditEvent, raw: bool = False, **kwargs: Any) -> None:
    if not raw and instance.action in BULK_WRITES:
        refresh_on_commit(instance.organization_id)


def connect() -> None:
    from django.db.models.signals import post_save

    from pmhc.care.models import Referral
    from pmhc.response.models import Encounter

    for model in (Call, Encounter, Referral):
        post_save.connect(call_saved, sender=model, dispatch_uid=f"evaluation.{model.__name__}")
    post_save.connect(import_saved, sender=CallImport, dispatch_uid="evaluation.CallImport")
    post_save.connect(audited, sender=AuditEvent, dispatch_uid="evaluation.AuditEvent")
