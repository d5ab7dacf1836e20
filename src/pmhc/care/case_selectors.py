"""Every read of case management, narrowed to what the actor may see for case management.

A case is agency data of the organization that holds it, read by its case managers,
coordinators and clinicians (``Case.access_read_roles``); its goals and closing note, and the
notes of its contacts, are clinical and read through ``platform.restricted`` (an audited read
naming the fields shown). The person is read through ``people.selectors`` (audited there), and
the person's calls and encounters come from the contacts registry (``people.contacts``), which
gives only the contacts the case's organization holds: a kind, a time and a link whose page
checks on its own who may open it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.care.audit_codes import CareAudit
from pmhc.care.models import CASE_MANAGERS, Case, CaseContact, CaseStatus, CaseTransfer, Referral
from pmhc.care.referral_selectors import sent_visible
from pmhc.dispatch.models import Call
from pmhc.people import contacts
from pmhc.people.models import Person
from pmhc.people.selectors import person_detail, read_people
from pmhc.platform import audit, dates, keyset, restricted
from pmhc.platform.access import Action, Actor, Target, decide, get_or_404, restrict
from pmhc.platform.models import Classification, Membership, Purpose, Role, User
from pmhc.response.models import ContactNote

CASE_MANAGEMENT = Purpose.CASE_MANAGEMENT
#: A case with no contact in this many days is called out on the caseload.
QUIET_DAYS = 30
#: How many cases a caseload shows at most (each person named is an audited read).
CASELOAD_SHOWN = 100
#: How many contacts a case's page shows at a time, newest first.
CONTACTS_PAGE = 20
#: How many transfers and referrals a case's page lists, newest first.
TRANSFERS_SHOWN = 20
REFERRALS_SHOWN = 20
#: The person's calls and encounters on the case's page: the newest this many, this far back.
TIMELINE_SHOWN = 20
TIMELINE_DAYS = 730
#: How many case managers a filter or a transfer lists at most.
MANAGERS_SHOWN = 200
#: Whose caseload is their own: the rest (coordinators) see every case manager's load.
OWN_LOAD_ROLES = frozenset({Role.CASE_MANAGER, Role.CLINICIAN})


def case_target(organization_id: int) -> Target:
    """An organization's cases as the policy sees them, before one exists."""
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.AGENCY,
        access_read_roles=CASE_MANAGERS,
        access_write_roles=CASE_MANAGERS,
    )


def manages_cases(actor: Actor) -> bool:
    """Whether the actor works cases in the organization they act for."""
    organization_id = actor.organization_id
    return organization_id is not None and bool(
        decide(actor, Action.CREATE, case_target(organization_id), CASE_MANAGEMENT)
    )


def today_for(actor: Actor) -> dt.date:
    return dates.today_in(actor.time_zone or "UTC")


def is_case_manager_of(user_id: int, organization_id: int) -> bool:
    """Whether the user is an active member of the organization in a role that manages cases."""
    return Membership.objects.filter(
        user_id=user_id,
        user__is_active=True,
        organization_id=organization_id,
        is_active=True,
        role__in=CASE_MANAGERS,
    ).exists()


def managers_of(actor: Actor, organization_id: int) -> list[User]:
    """The organization's people who manage cases, by name (the organization's own directory)."""
    if actor.organization_id != organization_id or not manages_cases(actor):
        return []
    return list(
        User.objects.filter(
            is_active=True,
            memberships__organization_id=organization_id,
            memberships__is_active=True,
            memberships__role__in=CASE_MANAGERS,
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")[:MANAGERS_SHOWN]
    )


# --- Opening ------------------------------------------------------------------------------------


def person_for_case(actor: Actor, pk: int) -> Person:
    """The person a case is opened for: a record of the acting organization the actor may read
    for case management (an audited read); 404 otherwise."""
    if not manages_cases(actor):
        raise Http404("Not found")
    person = person_detail(actor, pk, purpose=CASE_MANAGEMENT)
    if person.organization_id != actor.organization_id:
        raise Http404("Not found")
    return person


def own_cases(actor: Actor) -> QuerySet[Case]:
    """The cases the acting organization holds. A case is its holder's own: a partner under a
    data-sharing agreement reads none of them, whatever the policy lets it read otherwise."""
    if actor.organization_id is None:
        return Case.objects.none()
    return Case.objects.filter(organization_id=actor.organization_id)


def note_is_about(note: ContactNote, person: Person) -> bool:
    """Whether a contact note is about the person: their record, or another record of the
    same identity."""
    if note.person_id is None:
        return False
    if note.person_id == person.pk:
        return True
    return (
        person.identity_id is not None
        and Person.objects.filter(pk=note.person_id, identity_id=person.identity_id).exists()
    )


def open_case_of(actor: Actor, person: Person) -> Case | None:
    """The person's open case in the acting organization, if the actor may see it."""
    return (
        restrict(actor, own_cases(actor), Action.VIEW, CASE_MANAGEMENT)
        .filter(person=person, status=CaseStatus.OPEN)
        .first()
    )


# --- One case -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    kind: str
    url: str


@dataclass(frozen=True)
class CaseRead:
    case: Case
    fields: restricted.FieldsRead
    #: The person, when the actor may read them.
    person: Person | None
    contacts: keyset.KeysetPage[CaseContact]
    #: Whether the contacts' notes may be read (clinical): one decision for them all.
    notes_readable: bool
    transfers: list[CaseTransfer]
    referrals: list[Referral]
    timeline: list[TimelineItem]
    timeline_since: dt.datetime
    today: dt.date
    may_change: bool
    overdue: bool = field(default=False)


def case_for_change(actor: Actor, pk: int) -> Case:
    return get_or_404(
        actor,
        own_cases(actor).select_related("organization", "person", "case_manager"),
        Action.CHANGE,
        CASE_MANAGEMENT,
        pk=pk,
    )


def writes_clinical(actor: Actor, case: Case | Target) -> bool:
    """Whether the actor may write the case's clinical fields (goals, contact notes, the
    closing note): those who may not read clinical data may not write it either. Before a
    case exists, ask with ``case_target``."""
    action = Action.CREATE if isinstance(case, Target) else Action.CHANGE
    return bool(
        decide(actor, action, case, CASE_MANAGEMENT, classification=Classification.CLINICAL)
    )


def goals_for_change(actor: Actor, case: Case) -> str | None:
    """The case's goals to edit (an audited read), or None when the actor may not read them
    (clinical): then they may not change them either."""
    fields = restricted.read(
        actor, case, CASE_MANAGEMENT, audit_action=CareAudit.CASE_READ, shown=["goals"]
    )
    return case.goals if fields.may_read("goals") else None


def timeline_of(
    case: Case, now: dt.datetime | None = None
) -> tuple[list[TimelineItem], dt.datetime]:
    """The person's calls, encounters and contact notes that the case's organization holds,
    under any of their records there, newest first (at most ``TIMELINE_SHOWN``)."""
    since = (now or timezone.now()) - dt.timedelta(days=TIMELINE_DAYS)
    person = case.person
    if person.identity_id is not None:
        records = list(
            Person.objects.filter(
                organization_id=case.organization_id, identity_id=person.identity_id
            ).values_list("pk", flat=True)[:50]
        )
    else:
        records = [person.pk]
    items: list[TimelineItem] = []
    seen: set[str] = set()
    for contact in contacts.contacts_of(case.organization_id, records, since, TIMELINE_SHOWN):
        # A call with two records of one person is one contact.
        if contact.url in seen:
            continue
        seen.add(contact.url)
        items.append(TimelineItem(contact.at, contact.kind, contact.url))
        if len(items) >= TIMELINE_SHOWN:
            break
    return items, since


def case_detail(actor: Actor, pk: int, params: QueryDict | None = None) -> CaseRead:
    """One case as its page shows it; 404 when missing or not allowed. The goals, the notes of
    the contacts shown and the person are audited reads."""
    case = get_or_404(
        actor,
        own_cases(actor).select_related("organization", "person", "case_manager", "opened_by"),
        Action.VIEW,
        CASE_MANAGEMENT,
        pk=pk,
    )
    fields = restricted.read(actor, case, CASE_MANAGEMENT, audit_action=CareAudit.CASE_READ)
    people = read_people(actor, [case.person], purpose=CASE_MANAGEMENT)
    page = keyset.paginate(
        CaseContact.objects.filter(case=case).select_related("by", "call"),
        params or QueryDict(),
        order=("-at", "-pk"),
        kinds=(dt.datetime, int),
        size=CONTACTS_PAGE,
    )
    # Every contact of a case is held by the case's organization: one decision covers them.
    notes_readable = bool(
        decide(actor, Action.VIEW, case, CASE_MANAGEMENT, classification=Classification.CLINICAL)
    )
    with_notes = [contact for contact in page.rows if contact.note]
    if notes_readable and with_notes:
        audit.record_read(
            CareAudit.CASE_CONTACT_READ,
            actor=actor,
            organization_id=case.organization_id,
            obj=case,
            purpose=CASE_MANAGEMENT,
            detail="read: note of contacts " + ", ".join(str(c.pk) for c in with_notes),
        )
    transfers = list(
        CaseTransfer.objects.filter(case=case)
        .select_related("from_manager", "to_manager")
        .order_by("-at", "-pk")[:TRANSFERS_SHOWN]
    )
    referrals = list(
        sent_visible(
            actor,
            restrict(actor, Referral.objects.filter(case=case), Action.VIEW, CASE_MANAGEMENT),
        )
        .select_related("service")
        .order_by("-sent_at", "-pk")[:REFERRALS_SHOWN]
    )
    timeline, since = timeline_of(case)
    today = today_for(actor)
    return CaseRead(
        case=case,
        fields=fields,
        person=people[0] if people else None,
        contacts=page,
        notes_readable=notes_readable,
        transfers=transfers,
        referrals=referrals,
        timeline=timeline,
        timeline_since=since,
        today=today,
        may_change=bool(decide(actor, Action.CHANGE, case, CASE_MANAGEMENT)),
        overdue=case.next_contact_on is not None and case.next_contact_on < today,
    )


def recent_calls(actor: Actor, case: Case, limit: int = 10) -> list[tuple[int, str]]:
    """The person's recent calls the case's organization holds, to name the call a
    co-responder follow-up visit followed: ``(call pk, label)``, newest first."""
    if not decide(actor, Action.CHANGE, case, CASE_MANAGEMENT):
        return []
    person = case.person
    records = (
        Person.objects.filter(organization_id=case.organization_id, identity_id=person.identity_id)
        if person.identity_id is not None
        else Person.objects.filter(pk=person.pk)
    )
    calls = (
        Call.objects.filter(
            organization_id=case.organization_id, people__person__in=records.values("pk")
        )
        .distinct()
        .order_by("-received_at", "-pk")
        .values_list("pk", "cad_event_id", "received_at")[:limit]
    )
    return [
        (pk, f"{cad or pk} · {timezone.localtime(at, case.organization.zone):%Y-%m-%d %H:%M}")
        for pk, cad, at in calls
    ]


def recent_call(actor: Actor, case: Case, pk: int | None) -> Call | None:
    """One of the person's recent calls (``recent_calls``), or None for none; a call not
    among them is refused."""
    if pk is None:
        return None
    if pk not in dict(recent_calls(actor, case)):
        raise ValidationError({"call": _("Choose one of the person's recent calls.")})
    return Call.objects.get(pk=pk)


# --- Caseload -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    case: Case
    person: Person | None


@dataclass(frozen=True)
class Caseload:
    today: dt.date
    due_today: list[CaseRow]
    overdue: list[CaseRow]
    quiet: list[CaseRow]
    others: list[CaseRow]
    more: bool
    #: Whose load is shown: a case manager's id, or None for the whole organization's.
    manager_id: int | None
    #: The coordinator's filter: the organization's case managers.
    managers: list[User]

    @property
    def count(self) -> int:
        return len(self.due_today) + len(self.overdue) + len(self.quiet) + len(self.others)


def sees_every_load(actor: Actor) -> bool:
    return actor.role is not None and actor.role not in OWN_LOAD_ROLES


def caseload(actor: Actor, manager_id: int | None = None) -> Caseload:
    """The open cases of the actor (a case manager), or for a coordinator of the organization's
    case managers (one of them with ``manager_id``), grouped: overdue, due today, no contact in
    ``QUIET_DAYS`` days, the others. At most ``CASELOAD_SHOWN``, the soonest due first."""
    if not manages_cases(actor):
        raise Http404("Not found")
    organization_id = actor.organization_id
    assert actor.user_id is not None and organization_id is not None
    managers: list[User] = []
    if sees_every_load(actor):
        managers = managers_of(actor, organization_id)
        if manager_id is not None and manager_id not in {user.pk for user in managers}:
            manager_id = None
    else:
        manager_id = actor.user_id
    cases: QuerySet[Case] = restrict(
        actor, own_cases(actor).filter(status=CaseStatus.OPEN), Action.VIEW, CASE_MANAGEMENT
    )
    if manager_id is not None:
        cases = cases.filter(case_manager_id=manager_id)
    found = list(
        cases.select_related("person", "case_manager").order_by(
            F("next_contact_on").asc(nulls_last=True), "pk"
        )[: CASELOAD_SHOWN + 1]
    )
    more = len(found) > CASELOAD_SHOWN
    found = found[:CASELOAD_SHOWN]
    shown = {
        person.pk: person
        for person in read_people(actor, [c.person for c in found], purpose=CASE_MANAGEMENT)
    }
    today = today_for(actor)
    quiet_since = timezone.now() - dt.timedelta(days=QUIET_DAYS)
    groups: dict[str, list[CaseRow]] = {"overdue": [], "today": [], "quiet": [], "others": []}
    for case in found:
        row = CaseRow(case, shown.get(case.person_id))
        due = case.next_contact_on
        if due is not None and due < today:
            groups["overdue"].append(row)
        elif due == today:
            groups["today"].append(row)
        elif (case.last_contact_at or case.opened_at) < quiet_since:
            groups["quiet"].append(row)
        else:
            groups["others"].append(row)
    return Caseload(
        today=today,
        due_today=groups["today"],
        overdue=groups["overdue"],
        quiet=groups["quiet"],
        others=groups["others"],
        more=more,
        manager_id=manager_id,
        managers=managers,
    )


# --- Reminders ----------------------------------------------------------------------------------


def cases_to_remind(organization_id: int, today: dt.date) -> QuerySet[Case]:
    """Open cases of an organization due today or overdue whose case manager was not yet
    reminded today (for the daily reminder; the system reads them)."""
    return (
        Case.objects.filter(
            organization_id=organization_id, status=CaseStatus.OPEN, next_contact_on__lte=today
        )
        .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
        .select_related("case_manager")
        .order_by("case_manager_id", "next_contact_on", "pk")
    )
