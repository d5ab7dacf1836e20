"""Every write of the CAD import: running an import, queueing an uploaded file for the worker,
and saving the agency's column mappings.

An import streams its file in batches. Each batch is staged in a temporary table (PostgreSQL
``COPY``; SQLite one ``executemany``), checked there for CAD event ids that repeat an earlier
line of the file, and moved into the calls with one ``INSERT ... SELECT ... ON CONFLICT DO
NOTHING``, so that a call already on file (same agency, same CAD event id) is left as it is and
counted as "already there". Each batch commits on its own with the import's progress, so the
import's page can show how far it is and a file of a million rows never holds one long
transaction.

All or nothing: the batches are staged and checked the same way but stay in the temporary table
until the end; only when no row was rejected are they moved into the calls, in one statement
and one transaction. A temporary table belongs to its own connection, so staging never shows
half an import to anyone, while the import's progress still commits batch by batch.

An import cannot run inside one transaction (that would hide its progress and hold the write
lock of SQLite for minutes), so ``import_file`` is not ``@transaction.atomic`` as a whole: its
checks, its start and its end (with the one ``CALLS_IMPORTED`` audit event) are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from pmhc.dispatch import cad_import
from pmhc.dispatch.cad_mapping import FileError, Mapping, RowError, parse_config
from pmhc.dispatch.cad_rows import RowConverter
from pmhc.dispatch.import_staging import Pending, Stage
from pmhc.dispatch.models import (
    IMPORT_ROLES,
    CallImport,
    CallImportRejection,
    ImportFormat,
    ImportMapping,
    ImportStatus,
)
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, Target, decide
from pmhc.platform.models import AuditAction, Organization, Outcome, Purpose

ADMIN = Purpose.ADMINISTRATION
#: Rows per batch: large enough that per-batch statements cost little, small enough that a
#: batch's rows stay a few megabytes.
BATCH_SIZE = 5000
REASON_LENGTH = 300
UPLOAD_FOLDER = "dispatch/imports"
MAPPING_FIELDS = ("name", "description", "format", "config")
COUNT_FIELDS = ("rows_seen", "imported", "duplicates", "rejected")

ProgressCallback = Callable[[CallImport], None]


def import_target(organization: Organization) -> Target:
    """What the policy reads before an import exists: the agency's operational data, written by
    its coordinators and administrators."""
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_write_roles=IMPORT_ROLES,
        access_read_roles=IMPORT_ROLES,
    )


def _authorize(actor: Actor, organization: Organization, action: Action = Action.CREATE) -> None:
    decision = decide(actor, action, import_target(organization), ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)


def _counts(batch: CallImport) -> dict[str, Any]:
    return {
        "file_name": batch.file_name,
        "format": batch.format,
        "mapping": batch.mapping.name if batch.mapping else "",
        "all_or_nothing": batch.all_or_nothing,
        "status": batch.status,
        **{name: getattr(batch, name) for name in COUNT_FIELDS},
    }


# --- Mappings ------------------------------------------------------------------------------


@transaction.atomic
def save_mapping(
    actor: Actor,
    *,
    organization: Organization,
    name: str,
    config: Any,
    format: str = ImportFormat.CSV,
    description: str = "",
    mapping: ImportMapping | None = None,
) -> ImportMapping:
    """Create a mapping, or change ``mapping``. The configuration is checked first: a mapping
    that would fail on every row is refused with the reasons."""
    _authorize(actor, organization, Action.CHANGE if mapping else Action.CREATE)
    if mapping is not None and mapping.organization_id != organization.pk:
        raise PermissionDenied(_("The mapping belongs to another organization."))
    errors: dict[str, Any] = {}
    try:
        parse_config(config)
    except ValidationError as exc:
        errors["config"] = exc.messages
    clash = ImportMapping.objects.filter(organization=organization, name=name)
    if mapping is not None:
        clash = clash.exclude(pk=mapping.pk)
    if clash.exists():
        errors["name"] = _("This agency already has a mapping with this name.")
    before = audit.snapshot(mapping, MAPPING_FIELDS) if mapping else None
    target = mapping or ImportMapping(organization=organization)
    target.name = name
    target.description = description
    target.format = format
    target.config = config if isinstance(config, dict) else {}
    target.updated_at = timezone.now()
    target.updated_by_id = actor.user_id
    try:
        target.full_clean(exclude=["organization", "updated_by", "config"])
    except ValidationError as exc:
        for field_name, messages in exc.message_dict.items():
            errors.setdefault(field_name, messages)
    if errors:
        raise ValidationError(errors)
    target.save()
    audit.record(
        AuditAction.MAPPING_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=target,
        purpose=ADMIN,
        before=before,
        after=audit.snapshot(target, MAPPING_FIELDS),
    )
    return target


# --- Queueing an upload --------------------------------------------------------------------


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

    from pmhc.dispatch.tasks import run_import_task

    _authorize(actor, organization)
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
    )
    name = f"{UPLOAD_FOLDER}/{organization.pk}/{batch.pk}-{get_valid_filename(original)[:120]}"
    stored = default_storage.save(name, upload)
    batch.stored_path = stored
    batch.save(update_fields=["stored_path"])
    transaction.on_commit(lambda: run_import_task.enqueue(batch.pk))
    return batch


def run_queued_import(actor: Actor, *, batch_id: int) -> CallImport | None:
    """Run a queued upload's import (the worker calls this), then remove the stored file.
    Running it again once it has started does nothing."""
    from django.core.files.storage import default_storage

    batch = CallImport.objects.select_related("organization", "mapping").filter(pk=batch_id).first()
    if batch is None or batch.status != ImportStatus.QUEUED:
        return batch
    path = Path(default_storage.path(batch.stored_path)) if batch.stored_path else None
    try:
        if path is None or not path.exists():
            return _fail_queued(actor, batch, _("The uploaded file is no longer there."))
        return import_file(
            actor,
            organization=batch.organization,
            path=path,
            format=batch.format,
            mapping=batch.mapping,
            all_or_nothing=batch.all_or_nothing,
            batch=batch,
        )
    finally:
        if batch.stored_path and default_storage.exists(batch.stored_path):
            default_storage.delete(batch.stored_path)


@transaction.atomic
def _fail_queued(actor: Actor, batch: CallImport, message: str) -> CallImport:
    batch.status = ImportStatus.FAILED
    batch.error = message[:500]
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "error", "finished_at"])
    audit.record(
        AuditAction.CALLS_IMPORTED,
        actor=actor,
        organization_id=batch.organization_id,
        obj=batch,
        purpose=ADMIN,
        after=_counts(batch),
        outcome=Outcome.FAILURE,
        detail=batch.error,
    )
    return batch


# --- Running an import ---------------------------------------------------------------------


@transaction.atomic
def _start(
    actor: Actor,
    *,
    organization: Organization,
    path: Path,
    format: str,
    mapping: ImportMapping | None,
    all_or_nothing: bool,
    batch: CallImport | None,
) -> CallImport:
    if batch is None:
        _authorize(actor, organization)
        batch = CallImport(
            organization=organization,
            mapping=mapping,
            format=format,
            file_name=path.name[:255],
            all_or_nothing=all_or_nothing,
            created_by_id=actor.user_id,
        )
    else:
        batch = CallImport.objects.select_for_update().get(pk=batch.pk)
        if batch.organization_id != organization.pk:
            raise PermissionDenied(_("The import belongs to another organization."))
        decision = decide(actor, Action.CHANGE, batch, ADMIN)
        if not decision:
            raise PermissionDenied(decision.reason)
        if batch.status != ImportStatus.QUEUED:
            raise ValidationError(_("This import has already run."))
    if mapping is not None and mapping.organization_id != organization.pk:
        raise PermissionDenied(_("The mapping belongs to another organization."))
    batch.status = ImportStatus.RUNNING
    batch.started_at = timezone.now()
    batch.bytes_total = path.stat().st_size
    batch.save()
    return batch


@transaction.atomic
def _finish(actor: Actor, batch: CallImport, *, outcome: Outcome = Outcome.SUCCESS) -> None:
    batch.finished_at = timezone.now()
    batch.save()
    audit.record(
        AuditAction.CALLS_IMPORTED,
        actor=actor,
        organization_id=batch.organization_id,
        obj=batch,
        purpose=ADMIN,
        after=_counts(batch),
        outcome=outcome,
        detail=batch.error,
    )


def _open_records(
    handle: IO[bytes], format: str, mapping: Mapping, organization: Organization
) -> tuple[RowConverter, Iterator[cad_import.Record]]:
    if format == ImportFormat.EIDD:
        mapping = cad_import.eidd_mapping(mapping)
        columns: set[str] = set(mapping.columns.values())
        for parts in mapping.date_parts.values():
            columns.update(parts.columns.values())
        converter = RowConverter(mapping, default_zone=organization.time_zone, header=columns)
        return converter, cad_import.read_eidd(handle, mapping)
    header, records = cad_import.read_csv(handle, mapping)
    converter = RowConverter(mapping, default_zone=organization.time_zone, header=header)
    return converter, records


def _resolve_mapping(mapping: ImportMapping | dict[str, Any] | None) -> Mapping:
    if isinstance(mapping, ImportMapping):
        return parse_config(mapping.config)
    return parse_config(mapping)


def import_file(
    actor: Actor,
    *,
    organization: Organization,
    path: Path | str,
    format: str = ImportFormat.CSV,
    mapping: ImportMapping | dict[str, Any] | None = None,
    all_or_nothing: bool = False,
    progress: ProgressCallback | None = None,
    batch: CallImport | None = None,
    batch_size: int = BATCH_SIZE,
) -> CallImport:
    """Import a CAD export into the agency's calls and return the import with its counts.

    ``mapping`` is a saved ``ImportMapping`` or a mapping's configuration (see
    ``cad_mapping``); without one, a CSV has the canonical columns. ``batch`` is an import
    queued by the upload page; without it a new import is recorded. ``progress`` is called
    after every batch with the import, its figures up to date.

    A file refused as a whole (no header, a required column missing, not JSON) ends FAILED
    with the reason in ``error``; rows refused one by one are ``rejections``, each with its
    line and reason. With ``all_or_nothing``, one rejected row leaves every call out
    (ROLLED_BACK). Raises ``PermissionDenied`` for an actor who may not import.
    """
    path = Path(path)
    if format not in ImportFormat.values:
        raise ValidationError(_("Unknown format %(format)s.") % {"format": format})
    saved_mapping = mapping if isinstance(mapping, ImportMapping) else None
    batch = _start(
        actor,
        organization=organization,
        path=path,
        format=format,
        mapping=saved_mapping,
        all_or_nothing=all_or_nothing,
        batch=batch,
    )
    stage = Stage(batch, actor)
    created = False
    try:
        try:
            config = _resolve_mapping(mapping)
            with path.open("rb") as handle:
                converter, records = _open_records(handle, format, config, organization)
                stage.create()
                created = True
                _run(batch, stage, converter, records, all_or_nothing, progress, batch_size)
        except (FileError, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            batch.status = ImportStatus.FAILED
            batch.error = message[:500]
            _finish(actor, batch, outcome=Outcome.FAILURE)
            return batch
        if all_or_nothing:
            _finish_all_or_nothing(actor, batch, stage)
        else:
            batch.status = ImportStatus.DONE
            _finish(actor, batch)
        if progress is not None:
            progress(batch)
        return batch
    except Exception:
        # Record the failure; the counts show what had been committed before it.
        if not connection.needs_rollback and not _in_failed_transaction():
            batch.status = ImportStatus.FAILED
            batch.error = _("The import stopped on an unexpected error.")
            _finish(actor, batch, outcome=Outcome.FAILURE)
        raise
    finally:
        if created and not _in_failed_transaction():
            with connection.cursor() as cursor:
                stage.drop(cursor)


def _in_failed_transaction() -> bool:
    if connection.vendor != "postgresql" or connection.connection is None:
        return False
    from psycopg.pq import TransactionStatus

    return bool(connection.connection.info.transaction_status == TransactionStatus.INERROR)


def _finish_all_or_nothing(actor: Actor, batch: CallImport, stage: Stage) -> None:
    with transaction.atomic():
        if batch.rejected:
            batch.status = ImportStatus.ROLLED_BACK
            batch.imported = 0
            batch.duplicates = 0
        else:
            staged, inserted = stage.move()
            batch.status = ImportStatus.DONE
            batch.imported = inserted
            batch.duplicates = staged - inserted
        _finish(actor, batch)


def _run(
    batch: CallImport,
    stage: Stage,
    converter: RowConverter,
    records: Iterator[cad_import.Record],
    all_or_nothing: bool,
    progress: ProgressCallback | None,
    batch_size: int,
) -> None:
    pending: list[Pending] = []
    rejects: list[CallImportRejection] = []
    in_batch: dict[str, int] = {}
    bytes_done = 0

    def reject(line: int, cad_id: str, reason: str) -> None:
        rejects.append(
            CallImportRejection(
                batch=batch, line=line, cad_event_id=cad_id[:64], reason=reason[:REASON_LENGTH]
            )
        )

    def flush() -> None:
        with transaction.atomic():
            if pending:
                stage.put(pending)
                for line, cad_id, earlier in stage.repeats(pending[0].line):
                    reject(line, cad_id, _repeat_reason(earlier))
                if not all_or_nothing:
                    staged, inserted = stage.move()
                    batch.imported += inserted
                    batch.duplicates += staged - inserted
            if rejects:
                rejects.sort(key=lambda r: r.line)
                CallImportRejection.objects.bulk_create(rejects)
                batch.rejected += len(rejects)
            batch.bytes_done = bytes_done
            CallImport.objects.filter(pk=batch.pk).update(
                bytes_done=batch.bytes_done,
                **{name: getattr(batch, name) for name in COUNT_FIELDS},
            )
        pending.clear()
        rejects.clear()
        in_batch.clear()
        if progress is not None:
            progress(batch)

    for record in records:
        batch.rows_seen += 1
        bytes_done = record.bytes_done
        if record.values is None:
            reject(record.line, record.cad_event_id, record.problem)
        else:
            try:
                values = converter.convert(record.values)
            except RowError as exc:
                reject(record.line, exc.cad_event_id or record.cad_event_id, exc.reason)
            else:
                cad_id = values["cad_event_id"]
                earlier = in_batch.get(cad_id)
                if earlier is not None:
                    reject(record.line, cad_id, _repeat_reason(earlier))
                else:
                    in_batch[cad_id] = record.line
                    pending.append(Pending(record.line, cad_id, stage.row(values, record.line)))
        if len(pending) + len(rejects) >= batch_size:
            flush()
    bytes_done = batch.bytes_total
    flush()


def _repeat_reason(line: int) -> str:
    return _("The CAD event id repeats line %(line)s of this file.") % {"line": line}
