"""Every write of case management: open a case for a person after a crisis, set its goals and
schedule, log its contacts (calls, visits, outreach attempts, co-responder follow-up visits),
pass it to another case manager, close it with a reason and reopen it.

Each is checked against the access policy for case management and audited in the same
transaction; goals, closing notes and contact notes are clinical, so the trail keeps them as
digests. A case's schedule follows its contacts: logging one sets when the person was last
reached for and when the next contact is due (the contact's date plus the case's interval, in
the organization's own calendar).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmhc.care.audit_codes import CareAudit
from pmhc.care.case_selectors import (
    CASE_MANAGEMENT,
    case_target,
    is_case_manager_of,
    note_is_about,
    writes_clinical,
)
from pmhc.care.models import (
    Case,
    CaseClosure,
    CaseContact,
    CaseOrigin,
    CaseStatus,
    CaseTransfer,
    ContactKind,
    ContactOutcome,
)
from pmhc.dispatch.models import Call
from pmhc.people.models import Person
from pmhc.platform import audit, dates
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Classification, Organization, User
from pmhc.response.models import ContactNote

#: Limits, stated beside each field and enforced here.
GOALS_LIMIT = 4000
NOTE_LIMIT = 4000
REASON_LIMIT = 300
EVERY_DAYS_MIN = 1
EVERY_DAYS_MAX = 90
#: How far back a contact may be logged, and how far ahead (a clock a few minutes fast).
LOG_BACK_DAYS = 60
LOG_AHEAD = dt.timedelta(minutes=10)

CASE_FIELDS = (
    "person",
    "case_manager",
    "status",
    "origin",
    "contact_note",
    "goals",
    "contact_every_days",
    "next_contact_on",
    "last_contact_at",
    "closed_at",
    "closed_reason",
    "closed_note",
)
PLAN_FIELDS = ("goals", "contact_every_days", "next_contact_on")
SCHEDULE_FIELDS = ("last_contact_at", "next_contact_on", "updated_at")
CONTACT_FIELDS = ("case", "kind", "outcome", "at", "by", "note", "call")
CLOSE_FIELDS = ("status", "closed_at", "closed_reason", "closed_note")


def _require(actor: Actor, action: Action, obj: Any) -> None:
    # A case is its holding organization's own: no partner changes it under an agreement.
    if isinstance(obj, Case) and obj.organization_id != actor.organization_id:
        raise PermissionDenied("a case is changed only by the organization that holds it")
    decision = decide(actor, action, obj, CASE_MANAGEMENT)
    if not decision:
        raise PermissionDenied(decision.reason)


def _organization_today(organization: Organization) -> dt.date:
    return dates.today_in(organization.time_zone)


def _check_every(errors: dict[str, str], every: int) -> None:
    if not EVERY_DAYS_MIN <= every <= EVERY_DAYS_MAX:
        errors["contact_every_days"] = _("Choose between %(low)s and %(high)s days.") % {
            "low": EVERY_DAYS_MIN,
            "high": EVERY_DAYS_MAX,
        }


def _check_text(errors: dict[str, str], name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors[name] = _("Keep this under %(n)s characters.") % {"n": f"{limit:,}"}


@transaction.atomic
def open_case(
    actor: Actor,
    *,
    person: Person,
    origin: str,
    goals: str = "",
    contact_every_days: int = 7,
    contact_note: ContactNote | None = None,
    case_manager: User | None = None,
) -> tuple[Case, bool]:
    """Open a case for ``person`` in the organization that holds the record, managed by
    ``case_manager`` (the actor by default). A person has one open case in an organization:
    when one is open already, it is returned unchanged, with ``False``."""
    organization = person.organization
    _require(actor, Action.CREATE, case_target(organization.pk))
    if actor.organization_id != organization.pk:
        raise PermissionDenied("cases are opened for records of the acting organization")
    if not decide(actor, Action.VIEW, person, CASE_MANAGEMENT):
        raise PermissionDenied("the person cannot be read for case management")
    existing = Case.objects.filter(
        organization=organization, person=person, status=CaseStatus.OPEN
    ).first()
    if existing is not None:
        return existing, False
    assert actor.user_id is not None
    manager_id = case_manager.pk if case_manager is not None else actor.user_id
    errors: dict[str, str] = {}
    if origin not in CaseOrigin.values:
        errors["origin"] = _("Choose where the case comes from.")
    if not is_case_manager_of(manager_id, organization.pk):
        errors["case_manager"] = _("Choose a case manager of your organization.")
    goals = goals.strip()
    if goals and not writes_clinical(actor, case_target(organization.pk)):
        raise PermissionDenied("the goals are clinical")
    _check_text(errors, "goals", goals, GOALS_LIMIT)
    _check_every(errors, contact_every_days)
    if contact_note is not None and (
        contact_note.organization_id != organization.pk
        or not decide(actor, Action.VIEW, contact_note, CASE_MANAGEMENT)
    ):
        errors["contact_note"] = _("That contact note is not one of your organization's.")
    elif contact_note is not None and not note_is_about(contact_note, person):
        errors["contact_note"] = _("That contact note is about someone else.")
    if errors:
        raise ValidationError(errors)
    today = _organization_today(organization)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                organization=organization,
                person=person,
                case_manager_id=manager_id,
                origin=origin,
                contact_note=contact_note,
                goals=goals,
                contact_every_days=contact_every_days,
                # The first contact is due at once: the person has just been in crisis.
                next_contact_on=today,
                opened_by_id=actor.user_id,
            )
    except IntegrityError:
        # Opened at the same moment by someone else: theirs is the one open case.
        return Case.objects.get(
            organization=organization, person=person, status=CaseStatus.OPEN
        ), False
    audit.record(
        CareAudit.CASE_OPENED,
        actor=actor,
        organization_id=organization.pk,
        obj=case,
        purpose=CASE_MANAGEMENT,
        before=None,
        after=audit.snapshot(case, CASE_FIELDS),
    )
    return case, True


def _locked(case: Case) -> Case:
    return Case.objects.select_for_update().select_related("organization").get(pk=case.pk)


def _require_open(case: Case) -> None:
    if case.status != CaseStatus.OPEN:
        raise ValidationError(_("This case is closed."))


@transaction.atomic
def update_plan(
    actor: Actor,
    *,
    case: Case,
    goals: str | None,
    contact_every_days: int,
    next_contact_on: dt.date | None,
) -> Case:
    """Set a case's goals, how often the case manager means to be in touch, and the date of
    the next contact. Goals are clinical: ``None`` keeps them, and only those who may read
    clinical data change them."""
    _require(actor, Action.CHANGE, case)
    if goals is not None and not decide(
        actor, Action.CHANGE, case, CASE_MANAGEMENT, classification=Classification.CLINICAL
    ):
        raise PermissionDenied("the goals are clinical")
    locked = _locked(case)
    _require_open(locked)
    goals = locked.goals if goals is None else goals.strip()
    errors: dict[str, str] = {}
    _check_text(errors, "goals", goals, GOALS_LIMIT)
    _check_every(errors, contact_every_days)
    if next_contact_on is not None and next_contact_on < _organization_today(locked.organization):
        errors["next_contact_on"] = _("The next contact cannot be in the past.")
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(locked, PLAN_FIELDS)
    locked.goals = goals
    locked.contact_every_days = contact_every_days
    locked.next_contact_on = next_contact_on
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*PLAN_FIELDS, "updated_at"])
    audit.record(
        CareAudit.CASE_PLAN_CHANGED,
        actor=actor,
        organization_id=locked.organization_id,
        obj=locked,
        purpose=CASE_MANAGEMENT,
        before=before,
        after=audit.snapshot(locked, PLAN_FIELDS),
    )
    return locked


@transaction.atomic
def log_contact(
    actor: Actor,
    *,
    case: Case,
    kind: str,
    outcome: str,
    at: dt.datetime | None = None,
    note: str = "",
    call: Call | None = None,
) -> CaseContact:
    """Log one contact of an open case. The case's last contact becomes the newest logged,
    and its next contact falls due ``contact_every_days`` after it. The note is clinical:
    only those who may write clinical data write one."""
    _require(actor, Action.CHANGE, case)
    note = note.strip()
    if note and not writes_clinical(actor, case):
        raise PermissionDenied("the note of a contact is clinical")
    locked = _locked(case)
    _require_open(locked)
    now = timezone.now()
    at = at or now
    errors: dict[str, str] = {}
    if kind not in ContactKind.values:
        errors["kind"] = _("Choose the kind of contact.")
    if outcome not in ContactOutcome.values:
        errors["outcome"] = _("Choose the outcome.")
    if at > now + LOG_AHEAD:
        errors["at"] = _("The contact cannot be in the future.")
    elif at < now - dt.timedelta(days=LOG_BACK_DAYS):
        errors["at"] = _("Log contacts of the last %(n)s days.") % {"n": LOG_BACK_DAYS}
    _check_text(errors, "note", note, NOTE_LIMIT)
    if kind == ContactKind.CO_RESPONDER and call is None:
        errors["call"] = _("Choose the call the visit followed.")
    if call is not None and kind != ContactKind.CO_RESPONDER:
        errors["call"] = _("Only a co-responder follow-up visit names a call.")
    if errors:
        raise ValidationError(errors)
    contact = CaseContact.objects.create(
        case=locked, kind=kind, outcome=outcome, at=at, by_id=actor.user_id, note=note, call=call
    )
    if locked.last_contact_at is None or at >= locked.last_contact_at:
        locked.last_contact_at = at
        local_day = timezone.localtime(at, locked.organization.zone).date()
        locked.next_contact_on = local_day + dt.timedelta(days=locked.contact_every_days)
        locked.reminded_on = None
    locked.updated_at = now
    locked.save(update_fields=[*SCHEDULE_FIELDS, "reminded_on"])
    audit.record(
        CareAudit.CASE_CONTACT_LOGGED,
        actor=actor,
        organization_id=locked.organization_id,
        obj=contact,
        purpose=CASE_MANAGEMENT,
        before=None,
        after=audit.snapshot(contact, CONTACT_FIELDS),
        detail=f"case {locked.pk}",
    )
    case.last_contact_at, case.next_contact_on = locked.last_contact_at, locked.next_contact_on
    return contact


@transaction.atomic
def transfer_case(actor: Actor, *, case: Case, to_manager: User, reason: str) -> CaseTransfer:
    """Pass an open case to another case manager of the same organization, saying why."""
    _require(actor, Action.CHANGE, case)
    locked = _locked(case)
    _require_open(locked)
    reason = reason.strip()
    errors: dict[str, str] = {}
    if to_manager.pk == locked.case_manager_id:
        errors["to_manager"] = _("The case is already theirs.")
    elif not is_case_manager_of(to_manager.pk, locked.organization_id):
        errors["to_manager"] = _("Choose a case manager of your organization.")
    if not reason:
        errors["reason"] = _("Say why the case passes to them.")
    _check_text(errors, "reason", reason, REASON_LIMIT)
    if errors:
        raise ValidationError(errors)
    transfer = CaseTransfer.objects.create(
        case=locked,
        from_manager_id=locked.case_manager_id,
        to_manager=to_manager,
        reason=reason,
        by_id=actor.user_id,
    )
    before = {"case_manager": locked.case_manager_id}
    locked.case_manager = to_manager
    locked.reminded_on = None
    locked.updated_at = timezone.now()
    locked.save(update_fields=["case_manager", "reminded_on", "updated_at"])
    audit.record(
        CareAudit.CASE_TRANSFERRED,
        actor=actor,
        organization_id=locked.organization_id,
        obj=locked,
        purpose=CASE_MANAGEMENT,
        before=before,
        after={"case_manager": to_manager.pk, "reason": reason, "transfer": transfer.pk},
    )
    return transfer


@transaction.atomic
def close_case(actor: Actor, *, case: Case, reason: str, note: str = "") -> Case:
    """Close an open case with the reason (and, if need be, a note). The note is clinical:
    only those who may write clinical data write one."""
    _require(actor, Action.CHANGE, case)
    note = note.strip()
    if note and not writes_clinical(actor, case):
        raise PermissionDenied("the closing note is clinical")
    locked = _locked(case)
    _require_open(locked)
    errors: dict[str, str] = {}
    if reason not in CaseClosure.values:
        errors["reason"] = _("Choose why the case closes.")
    if reason == CaseClosure.OTHER and not note:
        errors["note"] = _("Say why the case closes.")
    _check_text(errors, "note", note, NOTE_LIMIT)
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(locked, CLOSE_FIELDS)
    now = timezone.now()
    locked.status = CaseStatus.CLOSED
    locked.closed_at = now
    locked.closed_reason = reason
    locked.closed_note = note
    locked.updated_at = now
    locked.save(update_fields=[*CLOSE_FIELDS, "updated_at"])
    audit.record(
        CareAudit.CASE_CLOSED,
        actor=actor,
        organization_id=locked.organization_id,
        obj=locked,
        purpose=CASE_MANAGEMENT,
        before=before,
        after=audit.snapshot(locked, CLOSE_FIELDS),
    )
    return locked


@transaction.atomic
def reopen_case(actor: Actor, *, case: Case) -> Case:
    """Reopen a closed case, unless the person has another case open."""
    _require(actor, Action.CHANGE, case)
    locked = _locked(case)
    if locked.status != CaseStatus.CLOSED:
        raise ValidationError(_("This case is open."))
    if Case.objects.filter(
        organization_id=locked.organization_id, person_id=locked.person_id, status="open"
    ).exists():
        raise ValidationError(_("This person has another case open."))
    before = audit.snapshot(locked, CLOSE_FIELDS)
    locked.status = CaseStatus.OPEN
    locked.closed_at = None
    locked.closed_reason = ""
    locked.closed_note = ""
    locked.next_contact_on = _organization_today(locked.organization)
    locked.updated_at = timezone.now()
    locked.save(update_fields=[*CLOSE_FIELDS, "next_contact_on", "updated_at"])
    audit.record(
        CareAudit.CASE_REOPENED,
        actor=actor,
        organization_id=locked.organization_id,
        obj=locked,
        purpose=CASE_MANAGEMENT,
        before=before,
        after=audit.snapshot(locked, CLOSE_FIELDS),
    )
    return locked


def log_follow_up_done(actor: Actor, note: ContactNote) -> CaseContact | None:
    """A clinician's follow-up marked done is a co-responder follow-up visit of the person's
    open case in the note's organization, when there is one and the actor may change it
    (``response.follow_up_hooks``). Nothing happens otherwise."""
    if (
        note.person_id is None
        or note.follow_up_done_at is None
        or note.organization_id != actor.organization_id
    ):
        return None
    case = Case.objects.filter(
        organization_id=note.organization_id, person_id=note.person_id, status=CaseStatus.OPEN
    ).first()
    if case is None or not decide(actor, Action.CHANGE, case, CASE_MANAGEMENT):
        return None
    return log_contact(
        actor,
        case=case,
        kind=ContactKind.CO_RESPONDER,
        outcome=ContactOutcome.REACHED,
        at=note.follow_up_done_at,
        call=note.call,
    )


# --- Reminders ----------------------------------------------------------------------------------

#: Case managers are reminded of the contacts due once a day, once this hour has passed in
#: their organization's time zone: before the working day.
REMIND_AT = dt.time(6, 30)
#: The reminder's subject, in the language active when it is sent.
REMINDER_SUBJECT = gettext_lazy("Contacts due on your caseload")


def _reminder_body(due_today: int, overdue: int) -> str:
    from django.conf import settings
    from django.urls import reverse

    base = str(getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/")
    lines = [
        _("Hello,"),
        "",
        _("On your caseload, %(due)s contact(s) are due today and %(overdue)s are overdue.")
        % {"due": due_today, "overdue": overdue},
        _("Your caseload in pmhc: %(url)s") % {"url": f"{base}{reverse('care_caseload')}"},
        "",
        _("This message names no one; the caseload shows who is due."),
    ]
    return "\n".join(lines)


@transaction.atomic
def send_reminders(
    actor: Actor, *, organization: Organization, today: dt.date | None = None
) -> int:
    """E-mail each case manager of the organization once a day how many of their open cases
    are due today or overdue (no names: the caseload shows them), and note the day on each
    case so that it is not reminded twice. Returns how many messages were queued. The system
    runs it (``care/tasks.py``)."""
    from pmhc.care.case_selectors import cases_to_remind
    from pmhc.platform import services as platform_services

    if not actor.is_system:
        raise PermissionDenied("reminders are sent by the system")
    today = today or _organization_today(organization)
    by_manager: dict[int, list[Case]] = {}
    for case in cases_to_remind(organization.pk, today).select_for_update(of=("self",)):
        by_manager.setdefault(case.case_manager_id, []).append(case)
    sent = 0
    for cases in by_manager.values():
        manager = cases[0].case_manager
        overdue = sum(1 for case in cases if case.next_contact_on and case.next_contact_on < today)
        if manager.email and manager.is_active:
            platform_services.queue_email(
                actor,
                to=[manager.email],
                subject=str(REMINDER_SUBJECT),
                body=_reminder_body(len(cases) - overdue, overdue),
                purpose="care.case_reminder",
                organization=organization,
            )
            sent += 1
        pks = [case.pk for case in cases]
        Case.objects.filter(pk__in=pks).update(reminded_on=today)
        audit.record(
            CareAudit.CASE_REMINDED,
            actor=actor,
            organization_id=organization.pk,
            object_type="platform.user",
            object_id=manager.pk,
            purpose=CASE_MANAGEMENT,
            before=None,
            after={"reminded_on": today.isoformat(), "cases": pks},
            detail="e-mailed" if manager.email and manager.is_active else "no address",
        )
    return sent


def send_all_reminders(actor: Actor, *, now: dt.datetime | None = None) -> int:
    """``send_reminders`` for every organization with an open case due whose own clock has
    passed REMIND_AT today (the system runs it every hour; each organization's case managers
    are reminded once on each of its days, before its working day)."""
    now = now or timezone.now()
    organization_ids = (
        Case.objects.filter(status=CaseStatus.OPEN, next_contact_on__isnull=False)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    sent = 0
    for organization in Organization.objects.filter(pk__in=list(organization_ids)):
        local = timezone.localtime(now, organization.zone)
        if local.time() >= REMIND_AT:
            sent += send_reminders(actor, organization=organization, today=local.date())
    return sent
