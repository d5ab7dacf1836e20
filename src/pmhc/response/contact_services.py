"""Every write of clinical contact notes: a clinician files one for a call their team was sent
to, and a case manager (or the clinician) marks its follow-up done. Each is checked against the
policy and audited in the same transaction; the trail keeps the note's values as digests
(``ContactNote`` is clinical data), so it does not become a second copy of the note.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.dispatch.models import CallAssignment, CallPerson
from pmhc.people.models import Person
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Purpose, User
from pmhc.response import follow_up_hooks
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.contact_selectors import can_file, today_for
from pmhc.response.models import ContactNote, RiskLevel

ACTIVE_CALL = Purpose.ACTIVE_CALL
CASE_MANAGEMENT = Purpose.CASE_MANAGEMENT
#: Text limits, stated beside each field and enforced here.
NOTE_LIMIT = 4000
FOLLOW_UP_WITH_LIMIT = 200
NOTE_FIELDS = (
    "call",
    "assignment",
    "person",
    "assessment_done",
    "risk_level",
    "safety_plan",
    "follow_up_with",
    "follow_up_on",
    "note",
)
DONE_FIELDS = ("follow_up_done_at", "follow_up_done_by")


@transaction.atomic
def file_contact_note(
    actor: Actor,
    *,
    assignment: CallAssignment,
    risk_level: str,
    assessment_done: bool = False,
    safety_plan: bool = False,
    follow_up_with: str = "",
    follow_up_on: dt.date | None = None,
    note: str = "",
    person: Person | None = None,
) -> ContactNote:
    """File a clinician's note of a contact on a call their team was sent to. The note is
    held by the clinician's organization."""
    if not can_file(actor, assignment) or actor.organization_id is None:
        raise PermissionDenied("only a clinician on the team sent to this call files its note")
    assert actor.user_id is not None
    errors: dict[str, str] = {}
    if risk_level not in RiskLevel.values:
        errors["risk_level"] = _("Choose the risk level.")
    follow_up_with = follow_up_with.strip()
    note = note.strip()
    if len(follow_up_with) > FOLLOW_UP_WITH_LIMIT:
        errors["follow_up_with"] = _("Keep this under %(n)s characters.") % {
            "n": FOLLOW_UP_WITH_LIMIT
        }
    if len(note) > NOTE_LIMIT:
        errors["note"] = _("Keep the note under %(n)s characters.") % {"n": f"{NOTE_LIMIT:,}"}
    if follow_up_on is not None and not follow_up_with:
        errors["follow_up_with"] = _("Say who the follow-up is with.")
    if follow_up_with and follow_up_on is None:
        errors["follow_up_on"] = _("Give the date of the follow-up.")
    if follow_up_on is not None and follow_up_on < today_for(actor):
        errors["follow_up_on"] = _("The follow-up date cannot be in the past.")
    if (
        person is not None
        and not CallPerson.objects.filter(call_id=assignment.call_id, person=person).exists()
    ):
        errors["person"] = _("Choose a person recorded on this call.")
    if errors:
        raise ValidationError(errors)
    user = User.objects.get(pk=actor.user_id)
    created = ContactNote.objects.create(
        organization_id=actor.organization_id,
        call_id=assignment.call_id,
        assignment=assignment,
        person=person,
        filed_by=user,
        filed_by_name=user.display_name,
        assessment_done=bool(assessment_done),
        risk_level=risk_level,
        safety_plan=bool(safety_plan),
        follow_up_with=follow_up_with,
        follow_up_on=follow_up_on,
        note=note,
    )
    audit.record(
        ResponseAudit.CONTACT_NOTE_FILED,
        actor=actor,
        organization_id=actor.organization_id,
        obj=created,
        purpose=ACTIVE_CALL,
        before=None,
        after=audit.snapshot(created, NOTE_FIELDS),
    )
    return created


@transaction.atomic
def complete_follow_up(actor: Actor, *, note: ContactNote) -> ContactNote:
    """Mark a note's follow-up done (a case manager or clinician of the note's holder)."""
    decision = decide(actor, Action.CHANGE, note, CASE_MANAGEMENT)
    if not decision:
        raise PermissionDenied(decision.reason)
    locked = ContactNote.objects.select_for_update().get(pk=note.pk)
    if locked.follow_up_on is None:
        raise ValidationError(_("This note arranged no follow-up."))
    if locked.follow_up_done_at is not None:
        raise ValidationError(_("This follow-up is already marked done."))
    before: dict[str, Any] = audit.snapshot(locked, DONE_FIELDS)
    locked.follow_up_done_at = timezone.now()
    locked.follow_up_done_by_id = actor.user_id
    locked.save(update_fields=list(DONE_FIELDS))
    audit.record(
        ResponseAudit.FOLLOW_UP_DONE,
        actor=actor,
        organization_id=locked.organization_id,
        obj=locked,
        purpose=CASE_MANAGEMENT,
        before=before,
        after=audit.snapshot(locked, DONE_FIELDS),
    )
    note.follow_up_done_at = locked.follow_up_done_at
    note.follow_up_done_by_id = locked.follow_up_done_by_id
    # Higher apps' part (care logs the visit on the person's open case).
    follow_up_hooks.run(actor, locked)
    return locked
