"""The worker's watch over CAD imports: an import whose process died is found by its heartbeat
and resumed or marked failed, an upload that no task carries is queued again, and uploaded
files whose import has ended are deleted.

A process that is killed outright (``kill -9``, the machine stopping) runs no ``finally``: the
batches it committed stay, each with its audit event, but the import stays "importing" and its
uploaded file stays on disk. Its heartbeat (``CallImport.heartbeat_at``, moved at every
committed batch) tells: after ``import_selectors.stale_after()`` without one, the watch takes
the import over. It goes on after its last committed row when it can read the file again (an
upload, still stored) and the calls it committed are kept: calls are unique per agency and CAD
event id, so nothing is imported twice. Otherwise (an import run from the command line, whose
file is the user's, or an upload whose file is gone) it is marked failed with what it had
committed. All or nothing had committed no call, so it is marked failed with nothing imported.
Taken over, the import is no longer "importing", and a run started again carries a new
``attempt`` number, so the old process, should it only have been stuck, commits nothing more.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.import_selectors import stale_after
from pmhc.dispatch.import_services import ADMIN, FINISHED, committed_summary, import_counts
from pmhc.dispatch.import_upload_services import UPLOAD_FOLDER, delete_upload
from pmhc.dispatch.models import CallImport, ImportStatus
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Outcome

RECOVERY_FIELDS = ("status", "attempt", "rows_seen", "last_line", "resumed_after", "error")


@dataclass
class Recovery:
    """What one look of the watch did, by import id."""

    resumed: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    requeued: list[int] = field(default_factory=list)
    files_deleted: int = 0

    def summary(self) -> str:
        return (
            f"imports resumed: {self.resumed or 'none'}; failed: {self.failed or 'none'}; "
            f"queued again: {self.requeued or 'none'}; files deleted: {self.files_deleted}"
        )


def _stalled(cutoff: dt.datetime) -> Q:
    no_beat = Q(heartbeat_at__isnull=True) & Q(started_at__lt=cutoff)
    return Q(status=ImportStatus.RUNNING) & (Q(heartbeat_at__lt=cutoff) | no_beat)


def _waiting(cutoff: dt.datetime) -> Q:
    no_beat = Q(heartbeat_at__isnull=True) & Q(created_at__lt=cutoff)
    return Q(status=ImportStatus.QUEUED) & (Q(heartbeat_at__lt=cutoff) | no_beat)


def _file_is_there(batch: CallImport) -> bool:
    return bool(batch.stored_path) and default_storage.exists(batch.stored_path)


@transaction.atomic
def take_over_import(
    actor: Actor, *, batch_id: int, cutoff: dt.datetime, now: dt.datetime
) -> CallImport | None:
    """Resume or fail one import whose heartbeat is older than ``cutoff``; ``None`` when it
    is not (any more): it beat meanwhile, or another watch took it first."""
    from pmhc.dispatch.tasks import run_import_task

    batch = (
        CallImport.objects.select_for_update(of=("self",))
        .select_related("mapping")
        .filter(_stalled(cutoff), pk=batch_id)
        .first()
    )
    if batch is None:
        return None
    decision = decide(actor, Action.CHANGE, batch, ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)
    before = audit.snapshot(batch, RECOVERY_FIELDS)
    # No longer RUNNING: the process, should it only have been stuck, commits nothing more
    # (its batches and its end commit only into a running import under its own number).
    batch.heartbeat_at = now
    if not batch.all_or_nothing and _file_is_there(batch):
        batch.status = ImportStatus.QUEUED
        batch.resumed_after = batch.last_line
        batch.save()
        audit.record(
            DispatchAudit.IMPORT_RECOVERED,
            actor=actor,
            organization_id=batch.organization_id,
            obj=batch,
            purpose=ADMIN,
            before=before,
            after=audit.snapshot(batch, RECOVERY_FIELDS),
            detail=_(
                "The process running the import stopped; it was queued again to go on "
                "after line %(line)s."
            )
            % {"line": batch.last_line},
        )
        transaction.on_commit(lambda: run_import_task.enqueue(batch.pk))
        return batch
    stopped = _("The process running this import stopped before the end.")
    if batch.all_or_nothing:
        batch.imported = batch.duplicates = 0
        again = _("Import the file again.")
    elif batch.stored_path:
        again = _(
            "The uploaded file is no longer there to go on with: upload it again for the rest "
            "(calls already imported are left as they are)."
        )
    else:
        again = _(
            "It was run from the command line, so pmhc cannot read the file again: run the "
            "command again for the rest (calls already imported are left as they are)."
        )
    batch.status = ImportStatus.FAILED
    batch.error = f"{stopped} {committed_summary(batch)} {again}"[:500]
    batch.finished_at = now
    batch.save()
    audit.record(
        DispatchAudit.CALLS_IMPORTED,
        actor=actor,
        organization_id=batch.organization_id,
        obj=batch,
        purpose=ADMIN,
        after=import_counts(batch),
        outcome=Outcome.FAILURE,
        detail=batch.error,
    )
    transaction.on_commit(lambda: delete_upload(batch))
    return batch


def _queue_waiting_again(cutoff: dt.datetime, now: dt.datetime) -> list[int]:
    """Uploads still waiting long after they were queued: their task was lost (a worker died
    holding it). Queue them again; a second task for one finds it started and does nothing."""
    from pmhc.dispatch.tasks import run_import_task

    waiting = list(CallImport.objects.filter(_waiting(cutoff)).values_list("pk", flat=True))
    queued: list[int] = []
    for pk in waiting:
        # The heartbeat says when it was last queued, so it is queued again once per period.
        if CallImport.objects.filter(_waiting(cutoff), pk=pk).update(heartbeat_at=now):
            run_import_task.enqueue(pk)
            queued.append(pk)
    return queued


def delete_leftover_uploads(*, now: dt.datetime, older_than: dt.timedelta) -> int:
    """Delete stored uploads whose import has ended or does not exist, which a process that
    died at the wrong moment can leave behind. A file younger than ``older_than`` is left:
    its import's row may not be committed yet."""
    folder = PurePosixPath(UPLOAD_FOLDER)
    if not default_storage.exists(str(folder)):
        return 0
    found: dict[int, str] = {}
    organizations, _files = default_storage.listdir(str(folder))
    for organization in organizations:
        for name in default_storage.listdir(str(folder / organization))[1]:
            number = name.split("-", 1)[0]
            if number.isdigit():
                found[int(number)] = str(folder / organization / name)
    if not found:
        return 0
    live = set(
        CallImport.objects.filter(pk__in=list(found))
        .exclude(status__in=FINISHED)
        .values_list("pk", flat=True)
    )
    deleted = 0
    for pk, name in found.items():
        if pk in live or default_storage.get_modified_time(name) > now - older_than:
            continue
        default_storage.delete(name)
        deleted += 1
    return deleted


def recover_stalled_imports(
    actor: Actor, *, now: dt.datetime | None = None, stale: dt.timedelta | None = None
) -> Recovery:
    """One look of the watch (the worker runs it at start and every few minutes while imports
    are under way). Each import is taken over in its own transaction."""
    now = now or timezone.now()
    stale = stale if stale is not None else stale_after()
    cutoff = now - stale
    done = Recovery()
    for pk in CallImport.objects.filter(_stalled(cutoff)).values_list("pk", flat=True):
        batch = take_over_import(actor, batch_id=pk, cutoff=cutoff, now=now)
        if batch is not None:
            (done.resumed if batch.status == ImportStatus.QUEUED else done.failed).append(pk)
    done.requeued = _queue_waiting_again(cutoff, now)
    done.files_deleted = delete_leftover_uploads(now=now, older_than=stale)
    return done


def imports_under_way() -> bool:
    """Whether any import is queued or running, so the watch should look again."""
    return CallImport.objects.filter(
        status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING]
    ).exists()
