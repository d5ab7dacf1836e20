"""The roster import's writes: keep an uploaded file for its preview, queue it to be applied,
and apply it (the worker does, through ``tasks.py``).

Applying is one transaction: every accepted row or none. It is set-based: the file is parsed
once, the roster and its completions are read in a few queries, and the rows are written in
batches of ``BATCH_ROWS`` with bulk statements and one audit event per batch (the import's own
event closes it with the totals). It is idempotent: a roster entry is found by organization and
badge number, a completion by trainee, course and date, so applying the same file again finds
nothing to change (only the import's own row and audit event are written, as a record that it
was tried)."""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import AuditAction, Organization, Outcome, Purpose, User
from pmhc.training import roster_csv
from pmhc.training.audit_codes import TrainingAudit
from pmhc.training.models import (
    Completion,
    CompletionSource,
    Course,
    ImportStatus,
    RosterImport,
    Trainee,
)
from pmhc.training.selectors import is_stale_import, known_codes, training_target
from pmhc.training.services import add_standard_courses, certify_many, db_value, insert_rows

ADMIN = Purpose.ADMINISTRATION


def _authorize(actor: Actor, organization: Organization) -> None:
    decision = decide(actor, Action.CREATE, training_target(organization), ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)


@transaction.atomic
def upload_roster(
    actor: Actor, *, organization: Organization, file_name: str, content: bytes
) -> RosterImport:
    """Keep an uploaded roster for its preview; nothing on the roster changes yet."""
    _authorize(actor, organization)
    try:
        text = roster_csv.decode(content)
    except ValueError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    if not file_name.lower().endswith(".csv"):
        raise ValidationError({"file": _("Choose a .csv file.")})
    roster_import = RosterImport.objects.create(
        organization=organization,
        file_name=file_name[:200],
        content=text,
        sha256=hashlib.sha256(content).hexdigest(),
        uploaded_by=User.objects.filter(pk=actor.user_id).first() if actor.user_id else None,
    )
    audit.record(
        AuditAction.RECORD_CREATED,
        actor=actor,
        organization_id=organization.pk,
        obj=roster_import,
        purpose=ADMIN,
        after={"file_name": roster_import.file_name, "sha256": roster_import.sha256},
    )
    return roster_import


@dataclass(frozen=True)
class ImportResult:
    created: int
    changed: int
    unchanged: int
    rejected: int
    completions: int


#: Accepted rows written, and audited, together.
BATCH_ROWS = 1000


def _apply_batch(
    actor: Actor,
    roster_import: RosterImport,
    courses: dict[str, Course],
    batch: list[roster_csv.RowPlan],
) -> int:
    """Write one batch of planned rows in a few statements: the new entries, the changed
    ones, the completions not yet on record and the certifications they grant, then one audit
    event naming the batch's lines and what it did. The parser has already checked every
    value the roster's own checks would (lengths, role, a patrol officer's shift and district,
    badge numbers once per file, dates not in the future), and the plan has matched every
    row to the roster. Returns the number of completions recorded."""
    organization = roster_import.organization
    now = timezone.now()
    stamp = db_value(now)
    new_rows = [item.row for item in batch if item.outcome == roster_csv.NEW]
    insert_rows(
        Trainee,
        (
            "organization",
            "badge_number",
            *roster_csv.ROW_FIELDS,
            "is_active",
            "created_at",
            "updated_at",
        ),
        [
            (
                organization.pk,
                row.badge_number,
                row.last_name,
                row.first_name,
                row.role,
                row.shift,
                row.district,
                row.cit_selection,
                True,
                stamp,
                stamp,
            )
            for row in new_rows
        ],
    )
    changed: list[Trainee] = []
    for item in batch:
        if item.trainee is not None and item.changed_fields:
            for name in roster_csv.ROW_FIELDS:
                setattr(item.trainee, name, getattr(item.row, name))
            item.trainee.is_active = True
            item.trainee.updated_at = now
            changed.append(item.trainee)
    Trainee.objects.bulk_update(changed, [*roster_csv.ROW_FIELDS, "is_active", "updated_at"])
    ids = {item.trainee.badge_number: item.trainee.pk for item in batch if item.trainee}
    created: list[int] = []
    if new_rows:
        found = dict(
            Trainee.objects.filter(
                organization=organization, badge_number__in=[row.badge_number for row in new_rows]
            ).values_list("badge_number", "pk")
        )
        created = sorted(found.values())
        ids |= found
    by_id = {course.pk: course for course in courses.values()}
    wanted = {
        (ids[item.row.badge_number], courses[code].pk, day)
        for item in batch
        for code, day in item.new_completions
    }
    insert_rows(
        Completion,
        ("trainee", "course", "completed_on", "hours", "source", "recorded_at"),
        [
            (
                trainee_id,
                course_id,
                db_value(day),
                db_value(by_id[course_id].hours),
                IMPORTED,
                stamp,
            )
            for trainee_id, course_id, day in sorted(wanted)
        ],
    )
    recorded = (
        [
            (pk, trainee_id, course_id, day)
            for pk, trainee_id, course_id, day in Completion.objects.filter(
                trainee_id__in={key[0] for key in wanted}, course_id__in=by_id
            ).values_list("pk", "trainee_id", "course_id", "completed_on")
            if (trainee_id, course_id, day) in wanted
        ]
        if wanted
        else []
    )
    certified = certify_many(recorded, by_id)
    audit.record(
        TrainingAudit.ROSTER_IMPORT_BATCH,
        actor=actor,
        organization_id=organization.pk,
        obj=roster_import,
        purpose=ADMIN,
        after={
            "first_line": batch[0].row.line,
            "last_line": batch[-1].row.line,
            "created": created,
            "changed": {str(t.pk): list(item) for t, item in _changes(batch)},
            "unchanged": sum(1 for item in batch if item.outcome == roster_csv.UNCHANGED),
            "completions": len(wanted),
            "certifications": certified,
        },
    )
    return len(wanted)


def _changes(batch: list[roster_csv.RowPlan]) -> list[tuple[Trainee, tuple[str, ...]]]:
    return [
        (item.trainee, item.changed_fields)
        for item in batch
        if item.trainee is not None and item.changed_fields
    ]


IMPORTED = CompletionSource.IMPORT.value


@transaction.atomic
def apply_roster_import(actor: Actor, *, roster_import: RosterImport) -> ImportResult:
    """Apply every accepted row of a previewed file (rejected rows are left out, as the
    preview showed); all of it or nothing."""
    roster_import = (
        RosterImport.objects.select_for_update()
        .select_related("organization")
        .get(pk=roster_import.pk)
    )
    organization = roster_import.organization
    _authorize(actor, organization)
    if roster_import.status == ImportStatus.APPLIED:
        raise ValidationError(_("This file has already been applied. Upload it again to re-run."))
    if roster_import.status == ImportStatus.FAILED:
        roster_import.error = ""
    today = organization.today()
    parsed = roster_csv.parse(roster_import.content, known_codes(organization), today)
    if parsed.errors:
        raise ValidationError(parsed.errors)
    add_standard_courses(actor, organization=organization, codes=list(parsed.course_codes))
    courses = {
        c.code: c
        for c in Course.objects.filter(organization=organization, code__in=parsed.course_codes)
    }
    plans = roster_csv.plan(organization.pk, parsed)
    counts = Counter(item.outcome for item in plans)
    completions = 0
    for first in range(0, len(plans), BATCH_ROWS):
        batch = plans[first : first + BATCH_ROWS]
        if any(item.outcome != roster_csv.UNCHANGED for item in batch):
            completions += _apply_batch(actor, roster_import, courses, batch)
    result = ImportResult(
        created=counts[roster_csv.NEW],
        changed=counts[roster_csv.CHANGED],
        unchanged=counts[roster_csv.UNCHANGED],
        rejected=len(parsed.rejections),
        completions=completions,
    )
    roster_import.status = ImportStatus.APPLIED
    roster_import.applied_at = timezone.now()
    roster_import.summary = {
        **result.__dict__,
        "rejections": [[r.line, r.badge_number, r.reason] for r in parsed.rejections],
    }
    roster_import.save(update_fields=["status", "applied_at", "summary", "error"])
    audit.record(
        TrainingAudit.ROSTER_IMPORTED,
        actor=actor,
        organization_id=organization.pk,
        obj=roster_import,
        purpose=ADMIN,
        after={
            "file_name": roster_import.file_name,
            "sha256": roster_import.sha256,
            **result.__dict__,
        },
    )
    return result


logger = logging.getLogger(__name__)


@transaction.atomic
def queue_roster_import(actor: Actor, *, roster_import: RosterImport) -> RosterImport:
    """Queue a previewed file to be applied by the worker. Asking again while it waits, runs
    or once it is applied changes nothing (a second click leads to the same status page);
    one that failed, or whose run died, is queued again."""
    from pmhc.training.tasks import apply_roster_import_task

    roster_import = (
        RosterImport.objects.select_for_update()
        .select_related("organization")
        .get(pk=roster_import.pk)
    )
    _authorize(actor, roster_import.organization)
    waiting = {ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.APPLIED}
    if roster_import.status in waiting and not is_stale_import(roster_import):
        return roster_import
    before = {"status": roster_import.status}
    roster_import.status = ImportStatus.QUEUED
    roster_import.queued_at = timezone.now()
    roster_import.started_at = None
    roster_import.error = ""
    roster_import.applied_by = (
        User.objects.filter(pk=actor.user_id).first() if actor.user_id else None
    )
    roster_import.save(update_fields=["status", "queued_at", "started_at", "error", "applied_by"])
    audit.record(
        AuditAction.RECORD_CHANGED,
        actor=actor,
        organization_id=roster_import.organization_id,
        obj=roster_import,
        purpose=ADMIN,
        before=before,
        after={"status": roster_import.status},
    )
    pk = roster_import.pk
    transaction.on_commit(lambda: apply_roster_import_task.enqueue(pk))
    return roster_import


@transaction.atomic
def _start(roster_import_id: int) -> RosterImport | None:
    found = (
        RosterImport.objects.select_for_update()
        .select_related("organization")
        .filter(pk=roster_import_id)
        .first()
    )
    if found is None or found.status != ImportStatus.QUEUED:
        return None
    found.status = ImportStatus.RUNNING
    found.started_at = timezone.now()
    found.save(update_fields=["status", "started_at"])
    return found


@transaction.atomic
def _fail(actor: Actor, roster_import: RosterImport, message: str) -> None:
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=ImportStatus.FAILED, error=message[:500]
    )
    audit.record(
        TrainingAudit.ROSTER_IMPORTED,
        actor=actor,
        organization_id=roster_import.organization_id,
        obj=roster_import,
        purpose=ADMIN,
        after={"file_name": roster_import.file_name, "sha256": roster_import.sha256},
        outcome=Outcome.FAILURE,
        detail=message[:500],
    )


def run_queued_roster_import(actor: Actor, *, roster_import_id: int) -> str:
    """Apply a queued file (the worker calls this) and say how it ended: ``applied``,
    ``failed``, or the status it already had when it was not waiting (running it twice is
    harmless). A failure keeps its reason in plain words for the status page; nothing of the
    file is written then."""
    found = _start(roster_import_id)
    if found is None:
        current = RosterImport.objects.filter(pk=roster_import_id).first()
        return current.status if current is not None else "missing"
    try:
        apply_roster_import(actor, roster_import=found)
    except ValidationError as exc:
        _fail(actor, found, " ".join(exc.messages))
        return ImportStatus.FAILED
    except PermissionDenied:
        _fail(actor, found, _("The person who applied the file may no longer change the roster."))
        return ImportStatus.FAILED
    except Exception:
        logger.exception("Roster import %s stopped on an error.", roster_import_id)
        _fail(
            actor,
            found,
            _("The import stopped on an unexpected error; nothing of it was saved. Try again."),
        )
        return ImportStatus.FAILED
    return ImportStatus.APPLIED
