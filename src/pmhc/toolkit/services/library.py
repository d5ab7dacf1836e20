"""Every write of the resource library: public submissions, resubmissions after a request for
changes, and the TTA staff's review (publish, ask for changes, reject).

Submitting is open to anyone; reviewing needs the access policy's leave to change the item for
administration, which only TTA staff of the organization that handles the library hold. Each
function saves first, appends its audit event in the same transaction and queues the e-mail to
the submitter, which the background worker sends once the transaction commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit, uploads
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.context import current as current_request
from pmhc.platform.models import Organization, Purpose
from pmhc.platform.services import queue_email
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import LibraryItem, ProgramTypeCode, ResourceKind, ReviewStatus
from pmhc.toolkit.references import new_token, next_reference
from pmhc.toolkit.selectors.common import handling_organization

#: How many submissions one address may send in ``SUBMISSION_WINDOW`` (settings may change it).
SUBMISSIONS_PER_WINDOW = 5
SUBMISSION_WINDOW = dt.timedelta(hours=1)
ELEMENT_NUMBERS = tuple(range(1, 11))

#: The only files the library takes; ``platform.uploads`` checks that a file really is one.
FILE_KINDS = (
    uploads.PDF,
    uploads.DOCX,
    uploads.XLSX,
    uploads.PPTX,
    uploads.TEXT,
    uploads.CSV,
)

REVIEW_FIELDS = ("status", "kind", "elements", "program_types")
#: Which decisions an item in each status may still receive.
OPEN = frozenset({ReviewStatus.SUBMITTED, ReviewStatus.CHANGES_REQUESTED})
PUBLISHABLE = OPEN | {ReviewStatus.PUBLISHED}


def _require(decision: Any) -> None:
    if not decision:
        raise PermissionDenied(decision.reason)


# --- Files ----------------------------------------------------------------------------------


def check_file(upload: UploadedFile) -> uploads.CheckedUpload:
    """Check an upload against the library's kinds (see ``platform.uploads.check_upload``).
    Raises ``ValidationError`` keyed ``file`` with a message that says what to do."""
    return uploads.check_upload(
        upload,
        FILE_KINDS,
        allowed_message=_(
            "Attach a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), plain text (.txt) "
            "or CSV file."
        ),
    )


def _store_file(item: LibraryItem, upload: UploadedFile, checked: uploads.CheckedUpload) -> None:
    # The stored name is random and says nothing; the original name is kept for the download.
    item.file.save(f"{secrets.token_hex(16)}.bin", upload, save=False)
    item.file_name = checked.name
    item.file_content_type = checked.content_type
    item.file_size = checked.size


def _delete_file_on_commit(name: str) -> None:
    if not name:
        return
    from django.core.files.storage import default_storage

    transaction.on_commit(lambda: default_storage.delete(name))


# --- Submission -----------------------------------------------------------------------------


def _check_content(kind: str, body: str, has_file: bool) -> None:
    if kind not in ResourceKind.values:
        raise ValidationError({"kind": _("Choose what you are sending.")})
    if kind == ResourceKind.QUESTION and not body.strip():
        raise ValidationError({"body": _("Write your question.")})
    if not body.strip() and not has_file:
        raise ValidationError({"body": _("Paste the text or attach a file (or both).")})


def _check_rate(limit: int | None = None) -> None:
    """Refuse a submission when this address already sent the most allowed recently. Counted
    from the audit trail, so no other store is needed; without a known address (commands, the
    demo) there is nothing to count."""
    ip = current_request().client_ip
    if not ip:
        return
    limit = limit or int(getattr(settings, "LIBRARY_SUBMISSIONS_PER_HOUR", SUBMISSIONS_PER_WINDOW))
    recent = len(
        audit.recent_times(
            ToolkitAudit.LIBRARY_SUBMITTED, since=timezone.now() - SUBMISSION_WINDOW, client_ip=ip
        )
    )
    if recent >= limit:
        raise ValidationError(
            _(
                "We have received %(count)d submissions from your network in the last hour, the "
                "most we take. Please try again in an hour, or e-mail the technical assistance "
                "team."
            )
            % {"count": recent}
        )


def _link(base_url: str, name: str, *args: Any) -> str:
    return base_url.rstrip("/") + reverse(name, args=args)


def _public_snapshot(item: LibraryItem) -> dict[str, Any]:
    """What the audit trail keeps of a submission. The title is kept only as a digest (see
    ``LibraryItem.audit_classifications``): nothing about the person who sent it, or whom a
    question names, is readable in the trail."""
    return audit.to_json(
        {
            "reference": item.reference,
            "kind": item.kind,
            "title": item.title,
            "status": item.status,
            "file_content_type": item.file_content_type,
            "file_size": item.file_size,
        }
    )


@transaction.atomic
def submit_item(
    actor: Actor,
    *,
    kind: str,
    title: str,
    summary: str,
    body: str = "",
    file: UploadedFile | None = None,
    submitter_name: str,
    submitter_email: str,
    submitter_agency: str = "",
    base_url: str = "",
) -> tuple[LibraryItem, str]:
    """Anyone may send an item for review. Returns the item and its private status token
    (only its hash is stored: the token is shown once and e-mailed to the submitter)."""
    organization = handling_organization()
    if organization is None:
        raise ValidationError(
            _("The library cannot take submissions yet: no technical assistance team is set up.")
        )
    _check_rate()
    _check_content(kind, body, file is not None)
    checked = check_file(file) if file is not None else None
    token, token_hash = new_token()
    item = LibraryItem(
        reference="pending",
        status_token_hash=token_hash,
        reviewed_by_org=organization,
        kind=kind,
        title=title.strip(),
        summary=summary.strip(),
        body=body.strip(),
        submitter_name=submitter_name.strip(),
        submitter_email=submitter_email.strip(),
        submitter_agency=submitter_agency.strip(),
        status=ReviewStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    item.full_clean(exclude=["reference", "file"])
    item.reference = next_reference("LIB")
    if file is not None and checked is not None:
        _store_file(item, file, checked)
    item.save()
    audit.record(
        ToolkitAudit.LIBRARY_SUBMITTED,
        actor=actor,
        organization_id=organization.pk,
        obj=item,
        after=_public_snapshot(item),
    )
    status_link = _link(base_url, "library_status", token)
    queue_email(
        actor,
        organization=organization,
        to=[item.submitter_email],
        subject=_("We received your library submission %(ref)s") % {"ref": item.reference},
        body=_(
            "Hello %(name)s,\n\n"
            "Thank you for sending “%(title)s” to the police–mental health collaboration "
            "library. Your reference is %(ref)s.\n\n"
            "The technical assistance team reviews every submission before it is published. "
            "Follow its review, and make changes if we ask for any, at your private link:\n"
            "%(link)s\n\n"
            "Keep this link to yourself: anyone who has it can see and change your "
            "submission.\n"
        )
        % {
            "name": item.submitter_name,
            "title": item.title,
            "ref": item.reference,
            "link": status_link,
        },
        purpose="library_submitted",
    )
    return item, token


@transaction.atomic
def resubmit_item(
    actor: Actor,
    *,
    item: LibraryItem,
    kind: str,
    title: str,
    summary: str,
    body: str = "",
    file: UploadedFile | None = None,
    base_url: str = "",
) -> LibraryItem:
    """The submitter, holding the private link, sends a changed item back for review. Only
    possible while the reviewers are asking for changes."""
    item = LibraryItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ReviewStatus.CHANGES_REQUESTED:
        raise ValidationError(_("This submission is not waiting for changes from you."))
    _check_rate()
    _check_content(kind, body, file is not None or bool(item.file))
    checked = check_file(file) if file is not None else None
    before = _public_snapshot(item)
    item.kind = kind
    item.title = title.strip()
    item.summary = summary.strip()
    item.body = body.strip()
    item.status = ReviewStatus.SUBMITTED
    item.submitted_at = timezone.now()
    item.full_clean(exclude=["file"])
    if file is not None and checked is not None:
        _delete_file_on_commit(item.file.name)
        _store_file(item, file, checked)
    item.save()
    audit.record(
        ToolkitAudit.LIBRARY_SUBMITTED,
        actor=actor,
        organization_id=item.reviewed_by_org_id,
        obj=item,
        before=before,
        after=_public_snapshot(item),
        detail="resubmitted after changes were requested",
    )
    queue_email(
        actor,
        organization=item.reviewed_by_org,
        to=[item.submitter_email],
        subject=_("We received your changes to %(ref)s") % {"ref": item.reference},
        body=_(
            "Hello %(name)s,\n\n"
            "Thank you: your changed submission “%(title)s” (%(ref)s) is back with the "
            "technical assistance team for review. You can follow it at the private link from "
            "our first message.\n"
        )
        % {"name": item.submitter_name, "title": item.title, "ref": item.reference},
        purpose="library_resubmitted",
    )
    return item


# --- Review ---------------------------------------------------------------------------------


def _locked_for_review(actor: Actor, item: LibraryItem) -> LibraryItem:
    # Read again under a lock inside the transaction: two reviewers never decide at once, and
    # the check is made on the item as it is now.
    locked = (
        LibraryItem.objects.select_for_update()
        .select_related("reviewed_by_org")
        .filter(pk=item.pk)
        .first()
    )
    _require(decide(actor, Action.CHANGE, locked, Purpose.ADMINISTRATION))
    assert locked is not None
    return locked


def _record_review(actor: Actor, item: LibraryItem, before: dict[str, Any], decision: str) -> None:
    audit.record(
        ToolkitAudit.LIBRARY_REVIEWED,
        actor=actor,
        organization_id=item.reviewed_by_org_id,
        obj=item,
        purpose=Purpose.ADMINISTRATION,
        before=before,
        after=audit.snapshot(item, REVIEW_FIELDS),
        detail=decision,
    )


def _tell_submitter(
    actor: Actor,
    item: LibraryItem,
    organization: Organization,
    subject: str,
    body: str,
    purpose: str,
) -> None:
    queue_email(
        actor,
        organization=organization,
        to=[item.submitter_email],
        subject=subject,
        body=body,
        purpose=purpose,
    )


def clean_tags(
    *, kind: str, elements: Sequence[int | str], program_types: Sequence[str]
) -> tuple[str, list[int], list[str]]:
    errors: dict[str, str] = {}
    if kind not in ResourceKind.values:
        errors["kind"] = _("Choose the kind of resource.")
    try:
        numbers = sorted({int(e) for e in elements})
    except (TypeError, ValueError):
        numbers = [0]
    if not set(numbers) <= set(ELEMENT_NUMBERS):
        errors["elements"] = _("Essential elements are numbered 1 to 10.")
    types = sorted(set(program_types))
    if not set(types) <= set(ProgramTypeCode.values):
        errors["program_types"] = _("Choose program types from the list.")
    if not errors and not numbers and not types:
        errors["elements"] = _(
            "Tag at least one essential element or program type, so that the item appears on "
            "those pages."
        )
    if errors:
        raise ValidationError(errors)
    return kind, numbers, types


@transaction.atomic
def publish_item(
    actor: Actor,
    *,
    item: LibraryItem,
    kind: str,
    elements: Sequence[int | str],
    program_types: Sequence[str],
    note: str = "",
    base_url: str = "",
) -> LibraryItem:
    """Publish an item with its tags (or change the tags of a published one)."""
    item = _locked_for_review(actor, item)
    if item.status not in PUBLISHABLE:
        raise ValidationError(_("A submission that was not accepted cannot be published."))
    kind, numbers, types = clean_tags(kind=kind, elements=elements, program_types=program_types)
    before = audit.snapshot(item, REVIEW_FIELDS)
    first_time = item.status != ReviewStatus.PUBLISHED
    item.kind, item.elements, item.program_types = kind, numbers, types
    item.status = ReviewStatus.PUBLISHED
    item.review_note = note.strip()
    item.reviewed_by_id = actor.user_id
    if first_time:
        item.published_at = timezone.now()
    item.save()
    _record_review(actor, item, before, "published" if first_time else "tags changed")
    if first_time:
        note_text = (
            _("A note from the reviewer:\n%(note)s\n\n") % {"note": item.review_note}
            if item.review_note
            else ""
        )
        _tell_submitter(
            actor,
            item,
            item.reviewed_by_org,
            _("Your submission %(ref)s is published") % {"ref": item.reference},
            _(
                "Hello %(name)s,\n\n"
                "Your submission “%(title)s” (%(ref)s) has been reviewed and is now published "
                "in the police–mental health collaboration library:\n%(link)s\n\n"
                "%(note)sThank you for sharing it with the field.\n"
            )
            % {
                "name": item.submitter_name,
                "title": item.title,
                "ref": item.reference,
                "link": _link(base_url, "library_item", item.pk),
                "note": note_text,
            },
            "library_published",
        )
    return item


@transaction.atomic
def request_changes(
    actor: Actor, *, item: LibraryItem, note: str, base_url: str = ""
) -> LibraryItem:
    """Send an item back to its submitter with what to change."""
    item = _locked_for_review(actor, item)
    if item.status not in OPEN:
        raise ValidationError(_("Only a submission waiting for review can be sent back."))
    if not note.strip():
        raise ValidationError({"note": _("Say what the submitter should change.")})
    before = audit.snapshot(item, REVIEW_FIELDS)
    item.status = ReviewStatus.CHANGES_REQUESTED
    item.review_note = note.strip()
    item.reviewed_by_id = actor.user_id
    item.save()
    _record_review(actor, item, before, "changes requested")
    _tell_submitter(
        actor,
        item,
        item.reviewed_by_org,
        _("Changes requested for your submission %(ref)s") % {"ref": item.reference},
        _(
            "Hello %(name)s,\n\n"
            "Thank you for “%(title)s” (%(ref)s). Before we can publish it, the reviewer asks "
            "for these changes:\n\n%(note)s\n\n"
            "Open the private link from our first message about %(ref)s to change your "
            "submission and send it back for review.\n"
        )
        % {
            "name": item.submitter_name,
            "title": item.title,
            "ref": item.reference,
            "note": item.review_note,
        },
        "library_changes_requested",
    )
    return item


@transaction.atomic
def reject_item(actor: Actor, *, item: LibraryItem, reason: str, base_url: str = "") -> LibraryItem:
    """Decline an item, with the reason the submitter will read."""
    item = _locked_for_review(actor, item)
    if item.status not in OPEN:
        raise ValidationError(_("Only a submission waiting for review can be declined."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason the submitter will read.")})
    before = audit.snapshot(item, REVIEW_FIELDS)
    item.status = ReviewStatus.REJECTED
    item.review_note = reason.strip()
    item.reviewed_by_id = actor.user_id
    item.save()
    _record_review(actor, item, before, "rejected")
    _tell_submitter(
        actor,
        item,
        item.reviewed_by_org,
        _("Your submission %(ref)s was not accepted") % {"ref": item.reference},
        _(
            "Hello %(name)s,\n\n"
            "Thank you for sending “%(title)s” (%(ref)s). After review, the technical "
            "assistance team will not publish it in the library, for this reason:\n\n"
            "%(reason)s\n\n"
            "You are welcome to send other material at any time.\n"
        )
        % {
            "name": item.submitter_name,
            "title": item.title,
            "ref": item.reference,
            "reason": item.review_note,
        },
        "library_rejected",
    )
    return item
