"""The roster import's writes: keep an uploaded file for its preview, then apply it.

Applying is one transaction: every accepted row or none. It is idempotent: a roster entry is
found by organization and badge number, a completion by trainee, course and date, so applying
the same file again finds nothing to change (only the import's own row and audit event are
written, as a record that it was tried)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import AuditAction, Organization, Purpose, User
from pmhc.training import roster_csv
from pmhc.training.audit_codes import TrainingAudit
from pmhc.training.models import CompletionSource, Course, ImportStatus, RosterImport, Trainee
from pmhc.training.selectors import known_codes, training_target
from pmhc.training.services import (
    _record_completion,
    add_standard_courses,
    create_trainee,
    update_trainee,
)

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


def _apply_row(actor: Actor, organization: Organization, item: roster_csv.RowPlan) -> Trainee:
    """Create or update the roster entry of one accepted row."""
    row = item.row
    if item.trainee is None:
        return create_trainee(
            actor,
            organization=organization,
            badge_number=row.badge_number,
            last_name=row.last_name,
            first_name=row.first_name,
            role=row.role,
            shift=row.shift,
            district=row.district,
            cit_selection=row.cit_selection,
        )
    return update_trainee(
        actor,
        trainee=item.trainee,
        badge_number=row.badge_number,
        last_name=row.last_name,
        first_name=row.first_name,
        role=row.role,
        shift=row.shift,
        district=row.district,
        cit_selection=row.cit_selection,
        is_active=True,
        user=item.trainee.user,
    )


@dataclass(frozen=True)
class ImportResult:
    created: int
    changed: int
    unchanged: int
    rejected: int
    completions: int


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
    today = organization.today()
    parsed = roster_csv.parse(roster_import.content, known_codes(organization), today)
    if parsed.errors:
        raise ValidationError(parsed.errors)
    add_standard_courses(actor, organization=organization, codes=list(parsed.course_codes))
    courses = {
        c.code: c
        for c in Course.objects.filter(organization=organization, code__in=parsed.course_codes)
    }
    counts = {roster_csv.NEW: 0, roster_csv.CHANGED: 0, roster_csv.UNCHANGED: 0}
    completions = 0
    for item in roster_csv.plan(organization.pk, parsed):
        counts[item.outcome] += 1
        if item.outcome == roster_csv.UNCHANGED:
            continue
        row = item.row
        try:
            trainee = _apply_row(actor, organization, item)
        except ValidationError as exc:
            # Whatever a service still refuses, say which line of the file it came from.
            raise ValidationError(
                _("Line %(line)d (badge number %(badge)s): %(errors)s")
                % {"line": row.line, "badge": row.badge_number, "errors": " ".join(exc.messages)}
            ) from exc
        for code, day in item.new_completions:
            _completion, new = _record_completion(
                actor,
                trainee=trainee,
                course=courses[code],
                completed_on=day,
                hours=None,
                source=CompletionSource.IMPORT,
            )
            completions += new
    result = ImportResult(
        created=counts[roster_csv.NEW],
        changed=counts[roster_csv.CHANGED],
        unchanged=counts[roster_csv.UNCHANGED],
        rejected=len(parsed.rejections),
        completions=completions,
    )
    roster_import.status = ImportStatus.APPLIED
    roster_import.applied_at = timezone.now()
    roster_import.summary = result.__dict__
    roster_import.save(update_fields=["status", "applied_at", "summary"])
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
