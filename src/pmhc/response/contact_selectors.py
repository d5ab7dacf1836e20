"""Every read of clinical contact notes and their follow-ups, narrowed to what the actor may
see.

A note is clinical data of the clinician's organization (``ContactNote``): read whole for case
management by its clinicians and case managers, and by others only where the policy grants
clinical data. Each showing of its fields is an audited read (``platform.restricted``), and
the person it names is read through ``people.selectors``, which audits them too. The agency
whose call it was sees only that a note exists and the date of its follow-up, read as agency
data of the note's holder (``call_summary``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404

from pmhc.dispatch.models import AssignmentStatus, CallAssignment
from pmhc.dispatch.unit_selectors import is_member
from pmhc.people.consent_selectors import BasisShown, basis_shown
from pmhc.people.models import Person
from pmhc.people.selectors import read_people
from pmhc.platform import dates, restricted
from pmhc.platform.access import Action, Actor, Target, decide, get_or_404, restrict
from pmhc.platform.models import Classification, Purpose, Role
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.models import ContactNote

ACTIVE_CALL = Purpose.ACTIVE_CALL
CASE_MANAGEMENT = Purpose.CASE_MANAGEMENT
#: How many follow-ups the case manager's list shows at most, the oldest due first.
FOLLOW_UPS_LIMIT = 50
#: A team's progress from which its clinician has met the person and may file a note.
FILED_AFTER = frozenset(
    {
        AssignmentStatus.ACCEPTED,
        AssignmentStatus.EN_ROUTE,
        AssignmentStatus.ON_SCENE,
        AssignmentStatus.CLEAR,
    }
)
#: What the follow-up list shows of each note.
FOLLOW_UP_SHOWN = ("follow_up_with", "risk_level")


def notes_target(organization_id: int) -> Target:
    """An organization's contact notes as the policy sees them, before one exists."""
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.CLINICAL,
        access_write_roles=frozenset({Role.CLINICIAN}),
    )


def can_file(actor: Actor, assignment: CallAssignment) -> bool:
    """Whether the actor may file a note for this assignment: a clinician on the team sent,
    once the team has accepted the call, for their own organization."""
    team = assignment.team
    if team is None or actor.organization_id is None:
        return False
    if assignment.status not in FILED_AFTER or not is_member(actor, team):
        return False
    return bool(decide(actor, Action.CREATE, notes_target(actor.organization_id), ACTIVE_CALL))


def today_for(actor: Actor) -> dt.date:
    return dates.today_in(actor.time_zone or "UTC")


@dataclass(frozen=True)
class NoteRead:
    note: ContactNote
    fields: restricted.FieldsRead
    person: Person | None
    #: Read from another organization: the consent or emergency that let it cross.
    basis: BasisShown | None = None


def note_detail(actor: Actor, pk: int) -> NoteRead:
    """One note, whole, for those the policy lets read it for case management; its fields
    and its person are audited reads. 404 otherwise."""
    note = get_or_404(
        actor,
        ContactNote.objects.select_related("call", "person", "assignment__team", "organization"),
        Action.VIEW,
        CASE_MANAGEMENT,
        pk=pk,
    )
    fields = restricted.read(
        actor, note, CASE_MANAGEMENT, audit_action=ResponseAudit.CONTACT_NOTE_READ
    )
    people = read_people(actor, [note.person], purpose=CASE_MANAGEMENT) if note.person else []
    return NoteRead(note, fields, people[0] if people else None, basis_shown(fields.basis))


def note_for_change(actor: Actor, pk: int) -> ContactNote:
    return get_or_404(
        actor,
        ContactNote.objects.select_related("organization"),
        Action.CHANGE,
        CASE_MANAGEMENT,
        pk=pk,
    )


@dataclass(frozen=True)
class FollowUp:
    note: ContactNote
    fields: restricted.FieldsRead
    #: The person, when the actor may read them; otherwise the call stands in for them.
    person: Person | None
    overdue: bool


def follow_ups_due(actor: Actor, limit: int = FOLLOW_UPS_LIMIT) -> list[FollowUp]:
    """The follow-ups due today or overdue and not yet done, oldest first, among the notes
    the actor may read for case management. Each note's follow-up and risk level shown, and
    each person named, is an audited read."""
    today = today_for(actor)
    notes = list(
        restrict(actor, ContactNote.objects.all(), Action.VIEW, CASE_MANAGEMENT)
        .filter(follow_up_on__lte=today, follow_up_done_at__isnull=True)
        .select_related("call", "person")
        .order_by("follow_up_on", "pk")[:limit]
    )
    shown = {
        person.pk: person
        for person in read_people(
            actor, [n.person for n in notes if n.person is not None], purpose=CASE_MANAGEMENT
        )
    }
    return [
        FollowUp(
            note,
            restricted.read(
                actor,
                note,
                CASE_MANAGEMENT,
                audit_action=ResponseAudit.CONTACT_NOTE_READ,
                shown=FOLLOW_UP_SHOWN,
            ),
            shown.get(note.person_id) if note.person_id else None,
            note.follow_up_on is not None and note.follow_up_on < today,
        )
        for note in notes
    ]


#: Who works the follow-ups: case managers, and the clinicians who arranged them.
CASE_MANAGERS = frozenset({Role.CASE_MANAGER})
FOLLOW_UP_READERS = frozenset({Role.CASE_MANAGER, Role.CLINICIAN})


def reads_follow_ups(actor: Actor) -> bool:
    """Whether the actor works follow-ups: a case manager or clinician of an organization."""
    return actor.has_role(*FOLLOW_UP_READERS)


@dataclass(frozen=True)
class NoteSummary:
    """What the agency whose call it was sees of a note: that it exists, and the dates."""

    pk: int
    filed_on: dt.datetime
    follow_up_on: dt.date | None
    follow_up_done: bool
    #: Whether the actor may open the whole note.
    readable: bool


SUMMARY_FIELDS = (
    "pk",
    "organization_id",
    "person_id",
    "created_at",
    "follow_up_on",
    "follow_up_done_at",
)


def call_summary(actor: Actor, call_id: int, limit: int = 20) -> list[NoteSummary]:
    """The notes filed on a call, as agency data of their holders: only their existence and
    dates, for whoever the policy lets read the holder's agency data for an active call."""
    notes = list(
        ContactNote.objects.filter(call_id=call_id)
        .only(*SUMMARY_FIELDS)
        .order_by("created_at", "pk")[:limit]
    )
    return [
        NoteSummary(
            note.pk,
            note.created_at,
            note.follow_up_on,
            note.follow_up_done_at is not None,
            bool(decide(actor, Action.VIEW, note, CASE_MANAGEMENT)),
        )
        for note in notes
        if decide(actor, Action.VIEW, note, ACTIVE_CALL, classification=Classification.AGENCY)
    ]


def assignment_notes(actor: Actor, assignment: CallAssignment) -> list[ContactNote]:
    """The notes filed for this assignment that the actor may open (no field is shown)."""
    return list(
        restrict(
            actor, ContactNote.objects.filter(assignment=assignment), Action.VIEW, CASE_MANAGEMENT
        ).order_by("created_at", "pk")[:20]
    )


def assignment_for_note(actor: Actor, pk: int) -> CallAssignment:
    """The team assignment a clinician files a note for; 404 unless they may."""
    found = (
        CallAssignment.objects.select_related(
            "call", "call__organization", "team", "team__organization"
        )
        .filter(pk=pk, team__isnull=False)
        .first()
    )
    if found is None or not can_file(actor, found):
        raise Http404("Not found")
    return found
