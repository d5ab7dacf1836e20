"""Every write of an uploaded CAD file: keeping it in the private upload folder and queueing
its import for the worker, running it there, and deleting the file when the import ends,
however it ends (done, rolled back, failed, stopped, or an error). A killed worker deletes
nothing: the watch (``import_recovery_services``) goes on with the import or fails it, and
deletes the file then. Files given on the command line are the user's and never touched."""

from __future__ import annotations

import logging
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from pmhc.dispatch import cad_import, import_services
from pmhc.dispatch.audit_codes import DispatchAudit
from pmhc.dispatch.models import CallImport, ImportFormat, ImportMapping, ImportStatus
from pmhc.platform import audit, uploads
from pmhc.platform.access import Actor
from pmhc.platform.models import Organization, Outcome

UPLOAD_FOLDER = "dispatch/imports"
#: How much of a CAD file the upload check searches for markup. Only the head, not the whole:
#: the file is never served back to a browser (the worker parses it and deletes it), so what
#: matters is that it is not a page or a script under a data name, which its first bytes show
#: (browsers sniff a type from the first 1,445 bytes). Searching hundreds of MB would hold the
#: upload request for seconds and refuse a whole export over one narrative that quotes a tag.
#: The head is read in chunks; the file is never read whole into memory.
CHECKED_HEAD_BYTES = 1024 * 1024
#: The kind of file each format must be.
FILE_KINDS = {ImportFormat.CSV: uploads.CSV, ImportFormat.EIDD: uploads.JSON}

logger = logging.getLogger(__name__)


def delete_upload(batch: CallImport) -> None:
    """Delete the file the upload page stored for this import, if it is still there. A failure
    is logged, not raised: it runs in ``finally`` blocks, and the watch sweeps what is left."""
    from django.core.files.storage import default_storage

    if not batch.stored_path:
        return
    try:
        if default_storage.exists(batch.stored_path):
            default_storage.delete(batch.stored_path)
    except OSError:
        logger.exception("The uploaded file of import %s could not be deleted.", batch.pk)


def upload_max_bytes() -> int:
    from django.conf import settings

    return int(getattr(settings, "PMHC_IMPORT_MAX_BYTES", 200 * 1024 * 1024))


@transaction.atomic
def queue_import(
    actor: Actor,
    *,
    organization: Organization,
    upload: UploadedFile,
    format: str = ImportFormat.CSV,
    mapping: ImportMapping | None = None,
    all_or_nothing: bool = False,
) -> CallImport:
    """Keep an uploaded file in the private upload folder and queue its import for the
    worker. The import row is saved first and the task queued when the transaction commits."""
    from django.core.files.storage import default_storage

    from pmhc.dispatch.tasks import run_import_task, schedule_import_watch

    import_services.authorize(actor, organization)
    if mapping is not None and mapping.organization_id != organization.pk:
        raise PermissionDenied(_("The mapping belongs to another organization."))
    size = upload.size or 0
    if size > upload_max_bytes():
        raise ValidationError(
            {
                "file": _("The file is larger than %(limit)s MB.")
                % {"limit": upload_max_bytes() // (1024 * 1024)}
            }
        )
    if format not in ImportFormat.values:
        raise ValidationError({"format": _("Choose CSV or EIDD.")})
    _check_content(upload, format=ImportFormat(format), mapping=mapping)
    original = Path(upload.name or "upload").name
    batch = CallImport.objects.create(
        organization=organization,
        mapping=mapping,
        format=format,
        file_name=original[:255],
        all_or_nothing=all_or_nothing,
        status=ImportStatus.QUEUED,
        bytes_total=size,
        created_by_id=actor.user_id,
        heartbeat_at=timezone.now(),
    )
    name = f"{UPLOAD_FOLDER}/{organization.pk}/{batch.pk}-{get_valid_filename(original)[:120]}"
    stored = default_storage.save(name, upload)
    batch.stored_path = stored
    batch.save(update_fields=["stored_path"])
    transaction.on_commit(lambda: run_import_task.enqueue(batch.pk))
    transaction.on_commit(schedule_import_watch)
    return batch


def _check_content(
    upload: UploadedFile, *, format: ImportFormat, mapping: ImportMapping | None
) -> None:
    """The check every upload goes through (``platform.uploads``): a CSV file for the CSV
    format, JSON for EIDD, and no page or script under either name. Only the head is searched
    (``CHECKED_HEAD_BYTES``). A mapping may read the file in an encoding that has NUL bytes in
    plain text (UTF-16), or the file starts with a UTF-16 byte-order mark: then the head is
    checked as the importer will read it, as text."""
    kind = FILE_KINDS[format]
    checked = upload
    encoding = mapping.config.get("encoding", "utf-8") if mapping is not None else "utf-8"
    try:
        wide = b"\x00" in "a".encode(str(encoding))
    except LookupError:
        wide = False  # the mapping's own check refuses an unknown encoding
    upload.seek(0)
    if upload.read(2) in cad_import.UTF16_BOMS:
        # The importer reads a file with a UTF-16 byte-order mark as UTF-16, whatever the
        # mapping says: so is its head checked.
        wide, encoding = True, "utf-16"
    upload.seek(0)
    if wide:
        upload.seek(0)
        head = upload.read(CHECKED_HEAD_BYTES).decode(str(encoding), errors="replace")
        upload.seek(0)
        checked = SimpleUploadedFile(
            upload.name or "upload", head.encode("utf-8"), upload.content_type or ""
        )
    uploads.check_upload(
        checked,
        [kind],
        max_bytes=upload_max_bytes(),
        allowed_message=_(
            "For the %(format)s format, choose %(article)s %(label)s file (%(extensions)s)."
        )
        % {
            "format": format.label,
            "article": kind.article,
            "label": kind.label,
            "extensions": ", ".join(sorted(kind.extensions)),
        },
        text_scan_bytes=CHECKED_HEAD_BYTES,
    )


def run_queued_import(actor: Actor, *, batch_id: int) -> CallImport | None:
    """Run a queued upload's import (the worker calls this), or go on with one that the watch
    queued again after its process died; then delete the stored file, however the import
    ended. Running it again once it has started does nothing."""
    from django.core.files.storage import default_storage

    batch = CallImport.objects.select_related("organization", "mapping").filter(pk=batch_id).first()
    if batch is None or batch.status != ImportStatus.QUEUED:
        return batch
    path = Path(default_storage.path(batch.stored_path)) if batch.stored_path else None
    keep_file = False
    try:
        if path is None or not path.exists():
            return _fail_queued(actor, batch, _("The uploaded file is no longer there."))
        return import_services.import_file(
            actor,
            organization=batch.organization,
            path=path,
            format=batch.format,
            mapping=batch.mapping,
            all_or_nothing=batch.all_or_nothing,
            batch=batch,
        )
    except import_services.ImportAlreadyStarted:
        # Another task runs it (the watch may queue an import twice): the file is its.
        keep_file = True
        batch.refresh_from_db()
        return batch
    except PermissionDenied:
        # The person who uploaded it may no longer import here: end it rather than leave it
        # waiting for ever.
        return _fail_queued(
            actor, batch, _("The person who uploaded the file may no longer import calls here.")
        )
    except import_services.ImportTakenOver:
        keep_file = True
        raise
    finally:
        if not keep_file:
            delete_upload(batch)


@transaction.atomic
def _fail_queued(actor: Actor, batch: CallImport, message: str) -> CallImport:
    batch = (
        CallImport.objects.select_for_update(of=("self",))
        .select_related("mapping")
        .get(pk=batch.pk)
    )
    if batch.status != ImportStatus.QUEUED:
        raise import_services.ImportAlreadyStarted(_("This import has already run."))
    if batch.resumed_after is not None:
        message = f"{message} {import_services.committed_summary(batch)}"
    batch.status = ImportStatus.FAILED
    batch.error = message[:500]
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "error", "finished_at"])
    audit.record(
        DispatchAudit.CALLS_IMPORTED,
        actor=actor,
        organization_id=batch.organization_id,
        obj=batch,
        purpose=import_services.ADMIN,
        after=import_services.import_counts(batch),
        outcome=Outcome.FAILURE,
        detail=batch.error,
    )
    return batch
