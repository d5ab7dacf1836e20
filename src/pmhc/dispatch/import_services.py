"""Every write of the CAD import: running an import and saving the agency's column mappings.
An uploaded file's queueing and deletion are in ``import_upload_services``; the watch that
takes over an import whose process died is ``import_recovery_services``.

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
checks, its start, each batch and its end are. Each batch commits with its own audit event
(its lines and counts) and the import's heartbeat; the end commits the one ``CALLS_IMPORTED``
event with the totals (ADR 10).

A process can die between two batches (``kill -9``, a power cut). What it committed stays and
is audited; the import stays "importing" with a heartbeat that no longer moves, and the
worker's watch resumes it after its last committed row, or marks it failed with what was
committed. Each run carries the import's ``attempt`` number and commits only while the row is
running under it, so a process given up for dead cannot commit into an import taken over.
"""

from __future__ import annotations

import functools
import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.dispatch import cad_columns, cad_import
from pmhc.dispatch.audit_codes import DispatchAudit
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
from pmhc.platform.models import Organization, Outcome, Purpose

ADMIN = Purpose.ADMINISTRATION
#: Rows per batch: large enough that per-batch statements (and the batch's audit event) cost
#: little, small enough that a batch's rows stay a few megabytes. ``PMHC_IMPORT_BATCH_SIZE``
#: sets another figure.
BATCH_SIZE = 5000
#: Rows per batch when the file is read column-wise and no figure is set: pyarrow's functions
#: and the per-batch statements cost the same for 5,000 rows as for 20,000, and a batch of
#: 20,000 rows of a CAD export is still a few megabytes of text.
COLUMN_BATCH_SIZE = 20000
REASON_LENGTH = 300
MAPPING_FIELDS = ("name", "description", "format", "config")
COUNT_FIELDS = ("rows_seen", "imported", "duplicates", "rejected")

ProgressCallback = Callable[[CallImport], None]
FINISHED = (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.ROLLED_BACK)

logger = logging.getLogger(__name__)


class ImportTakenOver(Exception):
    """The import's row carries another run's number: its heartbeat had stopped and the watch
    gave it to another process. This run commits nothing more and leaves the file alone."""


class ImportAlreadyStarted(ValidationError):
    """A queued import was started by another task first."""


def import_target(organization: Organization) -> Target:
    """What the policy reads before an import exists: the agency's operational data, written by
    its coordinators and administrators."""
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_write_roles=IMPORT_ROLES,
        access_read_roles=IMPORT_ROLES,
    )


def authorize(actor: Actor, organization: Organization, action: Action = Action.CREATE) -> None:
    decision = decide(actor, action, import_target(organization), ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)


def import_counts(batch: CallImport) -> dict[str, Any]:
    """What the audit trail keeps of an import: its file's name, how it ran and its counts."""
    return {
        "file_name": batch.file_name,
        "format": batch.format,
        "mapping": batch.mapping.name if batch.mapping else "",
        "all_or_nothing": batch.all_or_nothing,
        "status": batch.status,
        **{name: getattr(batch, name) for name in COUNT_FIELDS},
        "last_line": batch.last_line,
        "runs": batch.attempt,
        "resumed_after": batch.resumed_after,
    }


def committed_summary(batch: CallImport) -> str:
    """What an import that stopped early had committed, in words (its counts are committed)."""
    if batch.all_or_nothing:
        return _("All or nothing: no call was imported.")
    return _(
        "What was committed stays: %(rows)s rows read, up to line %(line)s; %(new)s new calls, "
        "%(old)s already there, %(rejected)s rejected."
    ) % {
        "rows": batch.rows_seen,
        "line": batch.last_line,
        "new": batch.imported,
        "old": batch.duplicates,
        "rejected": batch.rejected,
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
    authorize(actor, organization, Action.CHANGE if mapping else Action.CREATE)
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
        DispatchAudit.MAPPING_SAVED,
        actor=actor,
        organization_id=organization.pk,
        obj=target,
        purpose=ADMIN,
        before=before,
        after=audit.snapshot(target, MAPPING_FIELDS),
    )
    return target


def configured_batch_size(default: int = BATCH_SIZE) -> int:
    from django.conf import settings

    return max(1, int(getattr(settings, "PMHC_IMPORT_BATCH_SIZE", default)))


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
    from pmhc.dispatch.tasks import schedule_import_watch

    now = timezone.now()
    resuming = False
    if batch is None:
        authorize(actor, organization)
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
            raise ImportAlreadyStarted(_("This import has already run."))
        resuming = batch.resumed_after is not None
    if mapping is not None and mapping.organization_id != organization.pk:
        raise PermissionDenied(_("The mapping belongs to another organization."))
    batch.status = ImportStatus.RUNNING
    batch.attempt += 1
    batch.heartbeat_at = now
    if not resuming:
        batch.started_at = now
        batch.bytes_total = path.stat().st_size
    batch.save()
    # A worker's watch looks for imports whose process dies from now on.
    transaction.on_commit(schedule_import_watch)
    return batch


def _hold(batch: CallImport) -> None:
    """Inside a transaction: lock the import's row, or raise ``ImportTakenOver`` if the watch
    has taken it from this run (it is no longer running, or runs under another number)."""
    held = CallImport.objects.select_for_update().filter(
        pk=batch.pk, attempt=batch.attempt, status=ImportStatus.RUNNING
    )
    if not held.exists():
        raise ImportTakenOver(batch.pk)


@transaction.atomic
def _finish(actor: Actor, batch: CallImport, *, outcome: Outcome = Outcome.SUCCESS) -> None:
    _hold(batch)
    batch.finished_at = batch.heartbeat_at = timezone.now()
    batch.save()
    audit.record(
        DispatchAudit.CALLS_IMPORTED,
        actor=actor,
        organization_id=batch.organization_id,
        obj=batch,
        purpose=ADMIN,
        after=import_counts(batch),
        outcome=outcome,
        detail=batch.error,
    )


def _fail(
    actor: Actor, batch: CallImport, message: str, *, say_committed: bool | None = None
) -> None:
    """End the import as FAILED with the counts that were committed (the batch that was
    under way when it stopped was rolled back, whatever the counts in memory say), and with
    them in words when ``say_committed`` (by default: when any batch had committed)."""
    batch.refresh_from_db(fields=[*COUNT_FIELDS, "bytes_done", "last_line"])
    if say_committed is None:
        say_committed = bool(batch.rows_seen)
    if say_committed:
        message = f"{message} {committed_summary(batch)}"
    batch.status = ImportStatus.FAILED
    batch.error = message[:500]
    _finish(actor, batch, outcome=Outcome.FAILURE)


def _open_records(
    handle: IO[bytes], format: str, mapping: Mapping, organization: Organization
) -> tuple[RowConverter, Iterator[cad_import.Record], list[str]]:
    if format == ImportFormat.EIDD:
        mapping = cad_import.eidd_mapping(mapping)
        columns: set[str] = set(mapping.columns.values())
        for parts in mapping.date_parts.values():
            columns.update(parts.columns.values())
        converter = RowConverter(mapping, default_zone=organization.time_zone, header=columns)
        return converter, cad_import.read_eidd(handle, mapping), []
    header, records = cad_import.read_csv(handle, mapping)
    converter = RowConverter(mapping, default_zone=organization.time_zone, header=header)
    return converter, records, header


def _columnar(
    batch: CallImport, format: str, mapping: Mapping, header: list[str], path: Path
) -> bool:
    """Whether this run reads its file column-wise (``cad_columns``): a CSV under a mapping
    that path covers, with distinct column names, started from its first row (a run that goes
    on after a crash reads the rows it skips with the row reader)."""
    from django.conf import settings

    return (
        getattr(settings, "PMHC_IMPORT_COLUMNAR", True)
        and format == ImportFormat.CSV
        and batch.rows_seen == 0
        and len(header) > 1
        and len(set(header)) == len(header)
        and cad_columns.covers(mapping)
        and cad_columns.file_fits(path)
    )


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
    batch_size: int | None = None,
) -> CallImport:
    """Import a CAD export into the agency's calls and return the import with its counts.

    ``mapping`` is a saved ``ImportMapping`` or a mapping's configuration (see
    ``cad_mapping``); without one, a CSV has the canonical columns. ``batch`` is an import
    queued by the upload page, or queued again by the watch to go on after its last committed
    row; without it a new import is recorded. ``progress`` is called after every batch with
    the import, its figures up to date.

    A file refused as a whole (no header, a required column missing, not JSON) ends FAILED
    with the reason in ``error``; rows refused one by one are ``rejections``, each with its
    line and reason. With ``all_or_nothing``, one rejected row leaves every call out
    (ROLLED_BACK). An error, or the process told to stop (Ctrl-C), ends it FAILED with what
    was committed, and is raised again. Raises ``PermissionDenied`` for an actor who may not
    import, ``ImportAlreadyStarted`` for a queued import that another task started, and
    ``ImportTakenOver`` when the watch gave the import to another process.
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
                converter, records, header = _open_records(handle, format, config, organization)
                stage.create()
                created = True
                size = batch_size or configured_batch_size()
                if _columnar(batch, format, config, header, path):
                    wide = batch_size or configured_batch_size(COLUMN_BATCH_SIZE)
                    reader = cad_columns.ColumnReader(path, config, converter, header, wide)
                    try:
                        _run_columns(
                            actor, batch, stage, converter, reader, all_or_nothing, progress
                        )
                    except cad_columns.SwitchToRows:
                        # Something only the row reader numbers right: it goes on from the
                        # first row not yet committed.
                        # The stage already knows the CAD ids of those rows, and the
                        # converter has their flagged times: they are passed over unread.
                        handle.seek(0)
                        _converter, records, _header = _open_records(
                            handle, format, config, organization
                        )
                        _run(
                            actor,
                            batch,
                            stage,
                            converter,
                            records,
                            all_or_nothing,
                            progress,
                            size,
                            remembered=True,
                        )
                else:
                    _run(actor, batch, stage, converter, records, all_or_nothing, progress, size)
                _note_flagged(batch, converter)
        except (FileError, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            _fail(actor, batch, message)
            return batch
        if all_or_nothing:
            _finish_all_or_nothing(actor, batch, stage)
        else:
            batch.status = ImportStatus.DONE
            _finish(actor, batch)
        if progress is not None:
            progress(batch)
        return batch
    except ImportTakenOver:
        raise
    except BaseException as exc:
        # An error, or the process told to stop (Ctrl-C; the worker's second SIGTERM): record
        # the end with what had been committed before it. A process killed outright records
        # nothing; the watch finds it by its heartbeat.
        if not connection.needs_rollback and not _in_failed_transaction():
            stopped = (
                _("The import was stopped before the end.")
                if isinstance(exc, KeyboardInterrupt | SystemExit)
                else _("The import stopped on an unexpected error.")
            )
            _fail(actor, batch, stopped, say_committed=True)
        raise
    finally:
        if created and not _in_failed_transaction():
            with connection.cursor() as cursor:
                stage.drop(cursor)


def _note_flagged(batch: CallImport, converter: RowConverter) -> None:
    """Keep, with the import, the rows whose time the mapping chose (saved at its end). A run
    that goes on after one that died has read that run's rows again, so its count is whole."""
    batch.flagged = converter.flagged
    batch.notes = "\n".join(converter.notes)


def _in_failed_transaction() -> bool:
    if connection.vendor != "postgresql" or connection.connection is None:
        return False
    from psycopg.pq import TransactionStatus

    return bool(connection.connection.info.transaction_status == TransactionStatus.INERROR)


def _finish_all_or_nothing(actor: Actor, batch: CallImport, stage: Stage) -> None:
    with transaction.atomic():
        _hold(batch)
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


def _beat(batch: CallImport) -> None:
    """Move the heartbeat while this run holds the import (``ImportTakenOver`` if not)."""
    batch.heartbeat_at = timezone.now()
    held = CallImport.objects.filter(
        pk=batch.pk, attempt=batch.attempt, status=ImportStatus.RUNNING
    ).update(heartbeat_at=batch.heartbeat_at)
    if not held:
        raise ImportTakenOver(batch.pk)


def _remember_committed(
    batch: CallImport,
    stage: Stage,
    converter: RowConverter,
    records: Iterable[cad_import.Record],
    size: int,
) -> None:
    """Going on after a run that died: read again the rows it committed, without importing
    them, to note their CAD ids, so that a later row repeating one is still rejected as a
    repeat (with the line it repeats). The heartbeat moves as it reads."""
    seen: list[tuple[str, int]] = []
    for record in records:
        if record.values is None:
            continue
        try:
            cad_id = converter.convert(record.values, record.line)["cad_event_id"]
        except RowError:
            continue  # rejected then, and not staged
        seen.append((cad_id, record.line))
        if len(seen) >= size:
            stage.remember(seen)
            seen.clear()
            _beat(batch)
    if seen:
        stage.remember(seen)


def _run(
    actor: Actor,
    batch: CallImport,
    stage: Stage,
    converter: RowConverter,
    records: Iterator[cad_import.Record],
    all_or_nothing: bool,
    progress: ProgressCallback | None,
    batch_size: int,
    *,
    remembered: bool = False,
) -> None:
    pending: list[Pending] = []
    rejects: list[CallImportRejection] = []
    in_batch: dict[str, int] = {}
    bytes_done = batch.bytes_done
    # Rows committed before: by an earlier run of this import, read again to note their CAD
    # ids, not imported again; by this run's columnar reader (``remembered``), passed over.
    number = batch.rows_seen
    if number and remembered:
        for _record in itertools.islice(records, number):
            pass
    elif number:
        _remember_committed(batch, stage, converter, itertools.islice(records, number), batch_size)
    first_line = last_line = batch.last_line
    rows = 0

    def reject(line: int, cad_id: str, reason: str) -> None:
        rejects.append(_rejection(batch, line, cad_id, reason))

    def flush() -> None:
        nonlocal rows
        _commit(
            actor,
            batch,
            stage,
            put=lambda: stage.put(pending),
            staged=len(pending),
            first_number=pending[0].number if pending else 0,
            rejects=rejects,
            first_line=first_line,
            last_line=last_line,
            rows=rows,
            bytes_done=bytes_done,
            all_or_nothing=all_or_nothing,
        )
        pending.clear()
        rejects.clear()
        in_batch.clear()
        rows = 0
        if progress is not None:
            progress(batch)

    for record in records:
        number += 1
        batch.rows_seen += 1
        if not rows:
            first_line = record.line
        rows += 1
        last_line = record.line
        bytes_done = record.bytes_done
        if record.values is None:
            reject(record.line, record.cad_event_id, record.problem)
        else:
            try:
                values = converter.convert(record.values, record.line)
            except RowError as exc:
                reject(record.line, exc.cad_event_id or record.cad_event_id, exc.reason)
            else:
                cad_id = values["cad_event_id"]
                earlier = in_batch.get(cad_id)
                if earlier is not None:
                    reject(record.line, cad_id, _repeat_reason(earlier))
                else:
                    in_batch[cad_id] = record.line
                    row = stage.row(values, number, record.line)
                    pending.append(Pending(number, record.line, cad_id, row))
        if rows >= batch_size:
            flush()
    bytes_done = batch.bytes_total
    flush()


def _commit(
    actor: Actor,
    batch: CallImport,
    stage: Stage,
    *,
    put: Callable[[], None],
    staged: int,
    first_number: int,
    rejects: list[CallImportRejection],
    first_line: int,
    last_line: int,
    rows: int,
    bytes_done: int,
    all_or_nothing: bool,
) -> None:
    """Commit one batch: stage its ``staged`` good rows (``put``), reject those whose CAD id an
    earlier batch had, move the rest into the calls (unless all or nothing), save the
    rejections, the import's counts and heartbeat (the fence), and the batch's audit event."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The batch's commit does not wait for the log to reach the disk: a crash may lose
            # the last batches, but each is lost whole, with its progress, and the run that
            # resumes reads them again.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        kept = inserted = already = 0
        if staged:
            put()
            repeats = stage.repeats(first_number)
            for line, cad_id, earlier in repeats:
                rejects.append(_rejection(batch, line, cad_id, _repeat_reason(earlier)))
            kept = staged - len(repeats)
            if not all_or_nothing:
                kept, inserted = stage.move()
                already = kept - inserted
        new_rejects = len(rejects)
        if rejects:
            rejects.sort(key=lambda r: r.line)
            CallImportRejection.objects.bulk_create(rejects)
        batch.imported += inserted
        batch.duplicates += already
        batch.rejected += new_rejects
        batch.bytes_done = bytes_done
        batch.last_line = last_line
        batch.heartbeat_at = timezone.now()
        # The heartbeat, and the fence: a run given up for dead finds another number here
        # and its batch is rolled back.
        held = CallImport.objects.filter(
            pk=batch.pk, attempt=batch.attempt, status=ImportStatus.RUNNING
        ).update(
            bytes_done=batch.bytes_done,
            last_line=batch.last_line,
            heartbeat_at=batch.heartbeat_at,
            **{name: getattr(batch, name) for name in COUNT_FIELDS},
        )
        if not held:
            raise ImportTakenOver(batch.pk)
        if rows:
            # The batch's own event, in its transaction: what it committed, never a value.
            audit.record(
                DispatchAudit.CALLS_IMPORT_BATCH,
                actor=actor,
                organization_id=batch.organization_id,
                obj=batch,
                purpose=ADMIN,
                after={
                    "first_line": first_line,
                    "last_line": last_line,
                    "rows": rows,
                    "new": inserted,
                    "already_there": already,
                    "staged": kept if all_or_nothing else 0,
                    "rejected": new_rejects,
                    "run": batch.attempt,
                },
                detail=_("CAD import, lines %(first)s to %(last)s")
                % {
                    "first": first_line,
                    "last": last_line,
                },
            )


def _rejection(batch: CallImport, line: int, cad_id: str, reason: str) -> CallImportRejection:
    return CallImportRejection(
        batch=batch, line=line, cad_event_id=cad_id[:64], reason=reason[:REASON_LENGTH]
    )


def _run_columns(
    actor: Actor,
    batch: CallImport,
    stage: Stage,
    converter: RowConverter,
    reader: cad_columns.ColumnReader,
    all_or_nothing: bool,
    progress: ProgressCallback | None,
) -> None:
    """The batch loop of the columnar path: the same commits as ``_run``, a batch at a time."""
    for part in reader.batches():
        rejects: list[CallImportRejection] = []
        extra: list[Pending] = []
        for number, line, cad_id, record in part.unusual:
            try:
                values = converter.convert(record, line)
            except RowError as exc:
                rejects.append(_rejection(batch, line, exc.cad_event_id or cad_id, exc.reason))
                continue
            row = stage.row(values, number, line)
            extra.append(Pending(number, line, values["cad_event_id"], row))
        good = _drop_repeats(batch, part.good, extra, rejects)
        batch.rows_seen += part.rows
        _commit(
            actor,
            batch,
            stage,
            put=functools.partial(stage.put_columns, good, extra),
            staged=good.num_rows + len(extra),
            first_number=part.first_number,
            rejects=rejects,
            first_line=part.first_line,
            last_line=part.last_line,
            rows=part.rows,
            bytes_done=part.bytes_done,
            all_or_nothing=all_or_nothing,
        )
        if progress is not None:
            progress(batch)


def _drop_repeats(
    batch: CallImport, good: Any, extra: list[Pending], rejects: list[CallImportRejection]
) -> Any:
    """A batch's rows without those whose CAD id an earlier row of the batch has (each is
    rejected, naming that line); ``extra`` loses its repeats in place."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ids = good.column("cad_event_id")
    extra_ids = pa.array([item.cad_event_id for item in extra], pa.string())
    if (
        pc.count_distinct(ids).as_py() == good.num_rows
        and not (len(extra) and pc.any(pc.is_in(extra_ids, value_set=ids.combine_chunks())).as_py())
        and len(set(extra_ids.to_pylist())) == len(extra)
    ):
        return good
    accepted = [
        (number, line, cad_id, True)
        for number, line, cad_id in zip(
            good.column("number").to_pylist(),
            good.column("line").to_pylist(),
            ids.to_pylist(),
            strict=True,
        )
    ]
    accepted += [(item.number, item.line, item.cad_event_id, False) for item in extra]
    accepted.sort()
    first: dict[str, int] = {}
    dropped: set[int] = set()
    for number, line, cad_id, _columnar in accepted:
        earlier = first.get(cad_id)
        if earlier is None:
            first[cad_id] = line
        else:
            dropped.add(number)
            rejects.append(_rejection(batch, line, cad_id, _repeat_reason(earlier)))
    extra[:] = [item for item in extra if item.number not in dropped]
    keep = pc.invert(
        pc.is_in(good.column("number"), value_set=pa.array(sorted(dropped), pa.int64()))
    )
    return good.filter(keep)


def _repeat_reason(line: int) -> str:
    return _("The CAD event id repeats line %(line)s of this file.") % {"line": line}
