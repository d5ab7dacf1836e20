"""Every write of technical assistance: public requests and the TTA staff's steps.

A request is saved first, then the requester is told (by e-mail, saved and sent by the worker)
and the deadline checks are put on the task queue for 24 and 36 hours later. Each staff step
checks the access policy, moves the request along one allowed transition, writes its audit
event in the same transaction and tells the requester.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit, context
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Membership, Purpose, Role, User
from pmhc.platform.services import queue_email
from pmhc.platform.timefmt import in_zone
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import (
    HelpKind,
    JurisdictionType,
    LearningSite,
    ProgramTypeCode,
    TANote,
    TARequest,
    TAStatus,
)
from pmhc.toolkit.references import new_token, next_reference
from pmhc.toolkit.selectors.assistance import (
    CONFIRM_WITHIN,
    OPEN_STATUSES,
    REMIND_AFTER,
    state_names,
)
from pmhc.toolkit.selectors.common import handling_organization

#: Requests accepted from one client address per hour (counted from the audit trail).
DEFAULT_LIMIT_PER_HOUR = 5
LIMIT_WINDOW = dt.timedelta(hours=1)

#: For each status, the statuses a request may come from. Matching again and scheduling again
#: change the site or the date without moving the request backwards.
ALLOWED_FROM: dict[str, frozenset[str]] = {
    TAStatus.CONFIRMED: frozenset({TAStatus.RECEIVED}),
    TAStatus.MATCHED: frozenset({TAStatus.CONFIRMED, TAStatus.MATCHED}),
    TAStatus.SCHEDULED: frozenset({TAStatus.MATCHED, TAStatus.SCHEDULED}),
    # Help by e-mail or a call needs no site and no date.
    TAStatus.COMPLETED: frozenset({TAStatus.CONFIRMED, TAStatus.MATCHED, TAStatus.SCHEDULED}),
    TAStatus.DECLINED: OPEN_STATUSES,
}
#: The fields whose before/after go into TA_CHANGED events (no contact details).
CHANGE_FIELDS = (
    "status",
    "assigned_to",
    "matched_site",
    "scheduled_for",
    "confirmed_at",
    "completed_at",
    "declined_reason",
    # A match to another site wipes the answer of the one before: the trail shows it.
    "site_accepted_at",
    "proposed_dates",
    "site_note",
)
ADMIN = Purpose.ADMINISTRATION


class RequestLimitReached(Exception):
    """Too many requests from one client address in the last hour."""

    def __init__(self, retry_after_minutes: int) -> None:
        super().__init__(f"request limit reached; retry after {retry_after_minutes} min")
        self.retry_after_minutes = retry_after_minutes


class RequestsUnavailable(Exception):
    """No organization is set up to handle requests."""


def _require(actor: Actor, ta_request: TARequest) -> None:
    decision = decide(actor, Action.CHANGE, ta_request, ADMIN)
    if not decision:
        raise PermissionDenied(decision.reason)


def _when(actor: Actor, at: dt.datetime | None) -> dt.datetime:
    """Now, or, for the demo loader only, the moment a step is said to have happened."""
    if at is None:
        return timezone.now()
    if not actor.is_system:
        raise PermissionDenied("Only the system may record a step at another time.")
    return at


def limit_per_hour() -> int:
    return int(getattr(settings, "TA_REQUEST_LIMIT_PER_HOUR", DEFAULT_LIMIT_PER_HOUR))


def _check_rate(client_ip: str | None) -> None:
    if not client_ip:
        return
    limit = limit_per_hour()
    times = audit.recent_times(
        ToolkitAudit.TA_RECEIVED,
        since=timezone.now() - LIMIT_WINDOW,
        client_ip=client_ip,
        limit=limit,
    )
    if len(times) >= limit:
        frees_at = times[-1] + LIMIT_WINDOW
        minutes = (frees_at - timezone.now()).total_seconds() / 60
        raise RequestLimitReached(max(1, round(minutes + 0.5)))


def status_path(token: str) -> str:
    return reverse("ta_status", kwargs={"token": token})


def absolute_link(base_url: str, path: str) -> str:
    base = base_url or str(getattr(settings, "PUBLIC_BASE_URL", ""))
    return base.rstrip("/") + path


def _clean_choices(values: Sequence[str], allowed: Sequence[str], field: str) -> list[str]:
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValidationError({field: _("Unknown choice: %(v)s.") % {"v": ", ".join(unknown)}})
    return [v for v in allowed if v in values]  # in the order of the choices, no repeats


# --- The public request ---------------------------------------------------------------------


@transaction.atomic
def submit_request(
    actor: Actor,
    *,
    jurisdiction_name: str,
    jurisdiction_type: str,
    state: str,
    contact_name: str,
    agency: str,
    email: str,
    description: str,
    consent_to_contact: bool,
    contact_title: str = "",
    address: str = "",
    phone: str = "",
    federal_grantee: bool = False,
    issues: str = "",
    steps_taken: str = "",
    program_types: Sequence[str] = (),
    preferred_help: Sequence[str] = (),
    preferred_site: LearningSite | None = None,
    base_url: str = "",
    received_at: dt.datetime | None = None,
) -> tuple[TARequest, str]:
    """Anyone may ask for assistance. Returns the saved request and its private status token
    (shown once; only its hash is kept)."""
    if not consent_to_contact:
        raise ValidationError(
            {"consent_to_contact": _("We can only answer a request we may contact you about.")}
        )
    organization = handling_organization()
    if organization is None:
        raise RequestsUnavailable()
    _check_rate(context.current().client_ip)
    received = _when(actor, received_at)
    if preferred_site is not None and not preferred_site.is_active:
        raise ValidationError({"preferred_site": _("That learning site is not taking visits.")})
    if jurisdiction_type not in JurisdictionType.values:
        raise ValidationError({"jurisdiction_type": _("Choose the type of jurisdiction.")})
    if state.strip().upper() not in state_names():
        raise ValidationError({"state": _("Choose the state your jurisdiction is in.")})
    token, token_digest = new_token()
    ta_request = TARequest(
        reference=next_reference("TA"),
        status_token_hash=token_digest,
        handled_by=organization,
        status=TAStatus.RECEIVED,
        jurisdiction_name=jurisdiction_name.strip(),
        jurisdiction_type=jurisdiction_type,
        state=state.strip().upper(),
        contact_name=contact_name.strip(),
        contact_title=contact_title.strip(),
        agency=agency.strip(),
        address=address.strip(),
        phone=phone.strip(),
        email=email.strip(),
        federal_grantee=federal_grantee,
        description=description.strip(),
        issues=issues.strip(),
        steps_taken=steps_taken.strip(),
        program_types=_clean_choices(program_types, ProgramTypeCode.values, "program_types"),
        preferred_help=_clean_choices(preferred_help, HelpKind.values, "preferred_help"),
        preferred_site=preferred_site,
        consent_to_contact=True,
        received_at=received,
    )
    ta_request.full_clean()
    ta_request.save()
    audit.record(
        ToolkitAudit.TA_RECEIVED,
        actor=actor,
        organization_id=organization.pk,
        obj=ta_request,
        # No personal data here: the trail outlives the request's contact details.
        after={
            "reference": ta_request.reference,
            "state": ta_request.state,
            "jurisdiction_type": ta_request.jurisdiction_type,
        },
    )
    link = absolute_link(base_url, status_path(token))
    queue_email(
        actor,
        organization=organization,
        to=[ta_request.email],
        subject=_("We received your request for technical assistance (%(ref)s)")
        % {"ref": ta_request.reference},
        body=_(
            "Hello %(name)s,\n\n"
            "Thank you for your request for technical assistance for %(jurisdiction)s.\n\n"
            "Your reference number is %(ref)s.\n\n"
            "We confirm every request within 36 hours. You can follow this one here; the "
            "link is private, so please do not share it:\n%(link)s\n\n"
            "%(org)s\n"
        )
        % {
            "name": ta_request.contact_name,
            "jurisdiction": ta_request.jurisdiction_name,
            "ref": ta_request.reference,
            "link": link,
            "org": organization.name,
        },
        purpose="ta_received",
    )
    _schedule_deadline_checks(ta_request.received_at)
    return ta_request, token


def _schedule_deadline_checks(received_at: dt.datetime) -> None:
    """The reminder and the escalation run in the worker when they fall due; no cron."""
    from pmhc.toolkit.tasks import send_due_reminders_task

    def enqueue(run_after: dt.datetime) -> None:
        send_due_reminders_task.using(run_after=run_after).enqueue()

    now = timezone.now()
    for delay in (REMIND_AFTER, CONFIRM_WITHIN):
        run_after = max(received_at + delay, now)
        transaction.on_commit(functools.partial(enqueue, run_after))


# --- The TTA staff's steps ------------------------------------------------------------------


def _locked(ta_request: TARequest) -> TARequest:
    return (
        TARequest.objects.select_for_update(of=("self",))
        .select_related("handled_by", "assigned_to", "matched_site")
        .get(pk=ta_request.pk)
    )


def _status_message(ta_request: TARequest) -> tuple[str, str]:
    ref = ta_request.reference
    status = ta_request.status
    if status == TAStatus.CONFIRMED:
        subject = _("Your request %(ref)s is confirmed") % {"ref": ref}
        news = _(
            "We have confirmed your request and are looking for the right help for "
            "%(jurisdiction)s."
        ) % {"jurisdiction": ta_request.jurisdiction_name}
    elif status == TAStatus.MATCHED:
        site = ta_request.matched_site
        subject = _("Your request %(ref)s is matched to a learning site") % {"ref": ref}
        place = ", ".join(p for p in (site.city, site.state) if p) if site else ""
        news = _("We have matched your request to a learning site: %(site)s.") % {
            "site": f"{site.agency} ({place})" if site and place else str(site or "—")
        }
    elif status == TAStatus.SCHEDULED:
        subject = _("Your request %(ref)s is scheduled") % {"ref": ref}
        news = _("The assistance is scheduled for %(date)s.") % {
            "date": ta_request.scheduled_for.isoformat() if ta_request.scheduled_for else "—"
        }
    elif status == TAStatus.COMPLETED:
        subject = _("Your request %(ref)s is completed") % {"ref": ref}
        news = _("We have recorded the assistance as completed. Thank you for working with us.")
    else:
        subject = _("Your request %(ref)s was declined") % {"ref": ref}
        news = _("We are unable to take up this request. The reason:\n%(reason)s") % {
            "reason": ta_request.declined_reason
        }
    body = _(
        "Hello %(name)s,\n\n%(news)s\n\n"
        "Your reference number is %(ref)s. The private link in our first message shows the "
        "request's status at any time.\n\n%(org)s\n"
    ) % {
        "name": ta_request.contact_name,
        "news": news,
        "ref": ref,
        "org": ta_request.handled_by.name,
    }
    return subject, body


def _move(
    actor: Actor,
    ta_request: TARequest,
    to: TAStatus,
    *,
    when: dt.datetime,
    **changes: object,
) -> TARequest:
    """One allowed transition: lock, check, change, audit, tell the requester."""
    _require(actor, ta_request)
    locked = _locked(ta_request)
    if locked.status not in ALLOWED_FROM[to]:
        raise ValidationError(
            _("A request that is “%(now)s” cannot become “%(to)s”.")
            % {"now": locked.get_status_display(), "to": to.label}
        )
    before = audit.snapshot(locked, CHANGE_FIELDS)
    locked.status = to
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    locked.save(update_fields=["status", *changes])
    _require(actor, locked)  # still within the actor's reach after the change
    audit.record(
        ToolkitAudit.TA_CHANGED,
        actor=actor,
        organization_id=locked.handled_by_id,
        obj=locked,
        purpose=ADMIN,
        before=before,
        after={**audit.snapshot(locked, CHANGE_FIELDS), "status_changed_at": when},
    )
    subject, body = _status_message(locked)
    queue_email(
        actor,
        organization=locked.handled_by,
        to=[locked.email],
        subject=subject,
        body=body,
        purpose=f"ta_{to}",
    )
    return locked


@transaction.atomic
def confirm_request(
    actor: Actor, *, ta_request: TARequest, at: dt.datetime | None = None
) -> TARequest:
    when = _when(actor, at)
    return _move(actor, ta_request, TAStatus.CONFIRMED, when=when, confirmed_at=when)


@transaction.atomic
def match_request(
    actor: Actor, *, ta_request: TARequest, site: LearningSite, at: dt.datetime | None = None
) -> TARequest:
    when = _when(actor, at)
    if not site.is_active or site.is_former:
        raise ValidationError({"site": _("Choose a learning site that is active.")})
    # Another site starts afresh: the answer and dates of the one before are not its own.
    # Which site that was is read from the locked row, not from the caller's copy.
    _require(actor, ta_request)
    previous = _locked(ta_request).matched_site_id
    fresh: dict[str, object] = (
        {"site_accepted_at": None, "proposed_dates": [], "site_note": ""}
        if previous not in (None, site.pk)
        else {}
    )
    return _move(actor, ta_request, TAStatus.MATCHED, when=when, matched_site=site, **fresh)


@transaction.atomic
def schedule_request(
    actor: Actor,
    *,
    ta_request: TARequest,
    scheduled_for: dt.date,
    at: dt.datetime | None = None,
) -> TARequest:
    when = _when(actor, at)
    if scheduled_for < timezone.localdate(when):
        raise ValidationError({"scheduled_for": _("Choose a date from today on.")})
    return _move(actor, ta_request, TAStatus.SCHEDULED, when=when, scheduled_for=scheduled_for)


@transaction.atomic
def complete_request(
    actor: Actor, *, ta_request: TARequest, at: dt.datetime | None = None
) -> TARequest:
    when = _when(actor, at)
    return _move(actor, ta_request, TAStatus.COMPLETED, when=when, completed_at=when)


@transaction.atomic
def decline_request(
    actor: Actor, *, ta_request: TARequest, reason: str, at: dt.datetime | None = None
) -> TARequest:
    when = _when(actor, at)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason; the requester will read it.")})
    return _move(actor, ta_request, TAStatus.DECLINED, when=when, declined_reason=reason)


def tta_staff(organization_id: int) -> list[User]:
    """The active TTA staff of an organization (who may be assigned, reminded, escalated to)."""
    return [
        m.user
        for m in Membership.objects.filter(
            organization_id=organization_id,
            role=Role.TTA_STAFF,
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    ]


@transaction.atomic
def assign_request(actor: Actor, *, ta_request: TARequest, assignee: User | None) -> TARequest:
    """Give the request to one of the organization's TTA staff (or to nobody)."""
    _require(actor, ta_request)
    locked = _locked(ta_request)
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(_("This request is closed; it cannot be assigned."))
    if assignee is not None and assignee.pk not in {u.pk for u in tta_staff(locked.handled_by_id)}:
        raise ValidationError(
            {
                "assignee": _("Choose a member of the TTA staff of %(org)s.")
                % {"org": locked.handled_by.name}
            }
        )
    before = audit.snapshot(locked, CHANGE_FIELDS)
    locked.assigned_to = assignee
    locked.save(update_fields=["assigned_to"])
    audit.record(
        ToolkitAudit.TA_CHANGED,
        actor=actor,
        organization_id=locked.handled_by_id,
        obj=locked,
        purpose=ADMIN,
        before=before,
        after=audit.snapshot(locked, CHANGE_FIELDS),
        detail="assigned" if assignee else "unassigned",
    )
    if assignee is not None and assignee.pk != actor.user_id and assignee.email:
        queue_email(
            actor,
            organization=locked.handled_by,
            to=[assignee.email],
            subject=_("Assistance request %(ref)s is yours") % {"ref": locked.reference},
            body=_(
                "Hello %(name)s,\n\n%(by)s asked you to handle the assistance request "
                "%(ref)s from %(jurisdiction)s (%(state)s), received %(received)s.\n\n%(link)s\n"
            )
            % {
                "name": assignee.display_name,
                "by": actor.name,
                "ref": locked.reference,
                "jurisdiction": locked.jurisdiction_name,
                "state": locked.state,
                "received": in_zone(locked.received_at, locked.handled_by.time_zone),
                "link": absolute_link(
                    "", reverse("ta_detail", kwargs={"reference": locked.reference})
                ),
            },
            purpose="ta_assigned",
        )
    return locked


@transaction.atomic
def add_note(
    actor: Actor,
    *,
    ta_request: TARequest,
    text: str,
    author: User | None = None,
    at: dt.datetime | None = None,
) -> TANote:
    """A note for the staff only; the requester never sees it. The author is the acting
    person (the demo loader, a system actor, names one)."""
    _require(actor, ta_request)
    when = _when(actor, at)
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the note before adding it.")})
    author_id = author.pk if actor.is_system and author is not None else actor.user_id
    if author_id is None:
        raise PermissionDenied("A note needs a person as its author.")
    note = TANote(request=ta_request, author_id=author_id, text=text, created_at=when)
    note.full_clean()
    note.save()
    audit.record(
        ToolkitAudit.TA_NOTE_ADDED,
        actor=actor,
        organization_id=ta_request.handled_by_id,
        obj=ta_request,
        purpose=ADMIN,
        after={"note": note.pk, "length": len(text)},
    )
    return note
