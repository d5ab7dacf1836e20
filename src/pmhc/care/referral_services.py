"""Every write of referrals: send one, move it through its states, remind the sender of one
that has not moved. Each is checked against the policy and audited in the same transaction;
the trail keeps the reason as a digest (it is clinical), never its words.

Each state sets its own time (``received_at`` … ``ended_at``) once, when first reached: what
Measure counts (time to referral, to first appointment, to engagement).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.care import referral_selectors as sel
from pmhc.care.audit_codes import CareAudit
from pmhc.care.directory_selectors import provider_ids
from pmhc.care.models import (
    Case,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralStatus,
    Service,
)
from pmhc.people.models import Person
from pmhc.platform import audit, dates
from pmhc.platform import services as platform_services
from pmhc.platform.access import Actor, system_actor
from pmhc.response.models import ContactNote, Encounter, EncounterPerson

S = ReferralStatus
PURPOSE = sel.PURPOSE
#: Text limits, stated beside each field and enforced here.
REASON_LIMIT = 2000
DECLINED_LIMIT = 300
CLOSED_LIMIT = 300
NOTE_LIMIT = 500
#: The farthest ahead an appointment may be booked.
APPOINTMENT_HORIZON = dt.timedelta(days=366)
#: A person counts as engaged in care this long after their first appointment attended.
ENGAGED_AFTER = dt.timedelta(days=30)
SENT_FIELDS = ("service", "provider", "person", "source", "encounter", "contact_note", "case")
STATE_FIELDS = (
    "status",
    "appointment_at",
    "declined_reason",
    "closed_reason",
    "received_at",
    "accepted_at",
    "scheduled_at",
    "attended_at",
    "engaged_at",
    "ended_at",
)
#: The time each state sets when first reached.
STAMPS = {
    S.RECEIVED: "received_at",
    S.ACCEPTED: "accepted_at",
    S.SCHEDULED: "scheduled_at",
    S.ATTENDED: "attended_at",
    S.ENGAGED: "engaged_at",
    S.DECLINED: "ended_at",
    S.CLOSED: "ended_at",
}
#: How many stalled referrals one reminder run handles at most; the next run takes the rest.
REMIND_BATCH = 500
REMINDER_ACTOR = "referral reminders"


class ConsentMissing(ValidationError):
    """The referral crosses to another organization and the person has no consent in force
    that covers it."""


def _named_in(source: Encounter | ContactNote | Case, person: Person) -> bool:
    """Whether the person is the one the source is about (one of those in an encounter)."""
    if isinstance(source, Encounter):
        return EncounterPerson.objects.filter(encounter=source, person=person).exists()
    return source.person_id == person.pk


@transaction.atomic
def send_referral(
    actor: Actor,
    *,
    person: Person,
    service: Service,
    reason: str,
    encounter: Encounter | None = None,
    contact_note: ContactNote | None = None,
    case: Case | None = None,
) -> Referral:
    """Send the person to a service of the directory, from an encounter, a contact note or a
    case of the actor's organization. To another organization, only with the person's consent
    in force covering it."""
    org = actor.organization_id
    if org is None or not sel.sends_referrals(actor):
        raise PermissionDenied("only a member who sends referrals may send one")
    sources = [s for s in (encounter, contact_note, case) if s is not None]
    if len(sources) != 1:
        raise ValidationError(_("A referral comes from one encounter, contact note or case."))
    source = sources[0]
    if source.organization_id != org:
        raise PermissionDenied("the source is not of the acting organization")
    if not _named_in(source, person):
        raise PermissionDenied("the person is not recorded in the source")
    errors: dict[str, str] = {}
    reason = reason.strip()
    if not reason:
        errors["reason"] = _("Give the reason for the referral.")
    elif len(reason) > REASON_LIMIT:
        errors["reason"] = _("Keep the reason under %(n)s characters.") % {"n": f"{REASON_LIMIT:,}"}
    if not sel.referable_services(actor).filter(pk=service.pk).exists():
        errors["service"] = _("Choose a service that takes referrals through pmhc.")
    elif service.provider_id not in provider_ids(service.organization_id):
        # The agreement between the directory's keeper and the provider has ended.
        errors["service"] = _(
            "This service is no longer run by a partner of the directory that lists it: "
            "choose another."
        )
    if errors:
        raise ValidationError(errors)
    provider_id = service.provider_id
    assert provider_id is not None
    consent: Any = None
    if sel.needs_consent(org, provider_id):
        consent = sel.consent_for(
            person,
            provider_id,
            today=dates.today_in(actor.time_zone),
            service_kind=service.kind,
        )
        if consent is None and service.kind in sel.SUBSTANCE_USE_KINDS:
            raise ConsentMissing(
                _(
                    "This referral goes to a substance use service of another organization: it "
                    "needs the person's consent to share substance use disorder records (42 CFR "
                    "Part 2) with that organization, and none is in force."
                ),
                code="consent",
            )
        if consent is None:
            raise ConsentMissing(
                _(
                    "This referral goes to another organization: it needs the person's consent "
                    "to share their clinical details with it, and none is in force."
                ),
                code="consent",
            )
    now = timezone.now()
    referral = Referral.objects.create(
        organization_id=org,
        provider_id=provider_id,
        service=service,
        person=person,
        source=(
            ReferralSource.ENCOUNTER
            if encounter is not None
            else ReferralSource.CONTACT_NOTE
            if contact_note is not None
            else ReferralSource.CASE
        ),
        encounter=encounter,
        contact_note=contact_note,
        case=case,
        consent=consent,
        reason=reason,
        sent_by_id=actor.user_id,
        sent_at=now,
        updated_at=now,
    )
    ReferralEvent.objects.create(referral=referral, status=S.SENT, at=now, by_id=actor.user_id)
    audit.record(
        CareAudit.REFERRAL_SENT,
        actor=actor,
        organization_id=org,
        obj=referral,
        purpose=PURPOSE,
        before=None,
        after=audit.snapshot(referral, (*SENT_FIELDS, "reason", "status")),
        detail=f"shared under consent {consent.pk}" if consent is not None else "",
    )
    return referral


def _local(moment: dt.datetime, referral: Referral) -> str:
    """A moment by the clock of the referral's provider (its sender when it has none)."""
    org = referral.provider or referral.organization
    return timezone.localtime(moment, org.zone).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def move_referral(
    actor: Actor,
    *,
    referral: Referral,
    status: str,
    appointment_at: dt.datetime | None = None,
    reason: str = "",
    note: str = "",
) -> Referral:
    """Move the referral to ``status`` by the transition table: the provider (its staff or its
    API key) moves it through its states, the sender may close it. ``appointment_at`` is
    needed to schedule; ``reason`` to decline (and optional to close)."""
    locked = Referral.objects.select_for_update().get(pk=referral.pk)
    if status not in S.values:
        raise ValidationError({"status": _("Unknown state.")})
    if status not in sel.TRANSITIONS[locked.status]:
        raise ValidationError(
            {
                "status": _("A referral that is %(now)s cannot be marked %(then)s.")
                % {"now": S(locked.status).label.lower(), "then": S(status).label.lower()}
            }
        )
    if not sel.may_move(actor, locked, status):
        raise PermissionDenied("this actor may not move this referral to this state")
    errors: dict[str, str] = {}
    reason, note = reason.strip(), note.strip()
    now = timezone.now()
    if status == S.SCHEDULED:
        if appointment_at is None:
            errors["appointment_at"] = _("Give the date and time of the appointment.")
        elif appointment_at < locked.sent_at:
            errors["appointment_at"] = _(
                "The appointment cannot be before the referral was sent (%(sent)s)."
            ) % {"sent": _local(locked.sent_at, locked)}
        elif appointment_at > now + APPOINTMENT_HORIZON:
            errors["appointment_at"] = _("The appointment must be within a year.")
    if status == S.ENGAGED:
        attended = locked.attended_at
        if attended is None:
            errors["status"] = _("A person is engaged only after attending a first appointment.")
        elif now < attended + ENGAGED_AFTER:
            errors["status"] = _(
                "A person counts as engaged 30 days after their first appointment attended: "
                "from %(day)s."
            ) % {"day": _local(attended + ENGAGED_AFTER, locked)}
    if status == S.DECLINED and not reason:
        errors["reason"] = _("Say why the referral is declined.")
    limit = DECLINED_LIMIT if status == S.DECLINED else CLOSED_LIMIT
    if len(reason) > limit:
        errors["reason"] = _("Keep this under %(n)s characters.") % {"n": limit}
    if len(note) > NOTE_LIMIT:
        errors["note"] = _("Keep the note under %(n)s characters.") % {"n": NOTE_LIMIT}
    if errors:
        raise ValidationError(errors)
    before = audit.snapshot(locked, STATE_FIELDS)
    locked.status = status
    if status == S.SCHEDULED:
        locked.appointment_at = appointment_at
    if status == S.ACCEPTED and locked.received_at is None:
        # Accepting a referral is receiving it too.
        locked.received_at = now
    stamp = STAMPS.get(S(status))
    if stamp is not None and (getattr(locked, stamp) is None or status == S.SCHEDULED):
        setattr(locked, stamp, now)
    if status == S.DECLINED:
        locked.declined_reason = reason
    if status == S.CLOSED:
        locked.closed_reason = reason
    locked.updated_at = now
    locked.save()
    ReferralEvent.objects.create(
        referral=locked,
        status=status,
        at=now,
        by_id=actor.user_id,
        by_key_id=actor.api_key_id,
        note=note,
    )
    audit.record(
        CareAudit.REFERRAL_MOVED,
        actor=actor,
        organization_id=locked.organization_id,
        obj=locked,
        purpose=PURPOSE,
        before=before,
        # The note is clinical: the trail keeps its digest (Referral.audit_classifications).
        after={**audit.snapshot(locked, STATE_FIELDS), **({"note": note} if note else {})},
        detail=f"{before['status']} → {status}",
    )
    return locked


# --- Reminders ------------------------------------------------------------------------------


def _reminder_body(referral: Referral) -> str:
    waiting = (
        _("has not been received") if referral.status == S.SENT else _("has not been scheduled")
    )
    sent = timezone.localtime(referral.sent_at, referral.organization.zone).strftime(
        "%Y-%m-%d %H:%M"
    )
    return _(
        "Your referral %(id)s to %(service)s, sent %(sent)s, %(waiting)s yet.\n\n"
        "You may call the service (%(phone)s) or see the referral in pmhc: "
        "Operate > Referrals > %(id)s.\n"
    ) % {
        "id": referral.pk,
        "service": referral.service.name,
        "sent": sent,
        "waiting": waiting,
        "phone": referral.service.phone or _("no phone listed"),
    }


def remind_stalled(*, now: dt.datetime | None = None) -> int:
    """E-mail the sender of each referral that has not moved (not received within one
    business day in the sender's time zone, or not scheduled within seven days), once per
    referral. Returns how many were reminded. The message names the service and the
    referral's number, never the person."""
    now = now or timezone.now()
    actor = system_actor(REMINDER_ACTOR)
    waiting = Referral.objects.filter(reminded_at__isnull=True, status__in=sorted(sel.WAITING))
    # Stalled is counted in each sender's time zone: one condition per zone in use.
    zones = sorted(set(waiting.values_list("organization__time_zone", flat=True).distinct()))
    if not zones:
        return 0
    stalled = Q()
    for zone in zones:
        stalled |= Q(organization__time_zone=zone) & sel.stalled_condition(now, zone)
    candidates = list(
        waiting.filter(stalled)
        .select_related("organization", "service", "sent_by")
        .order_by("sent_at", "pk")[:REMIND_BATCH]
    )
    reminded = 0
    for referral in candidates:
        if not sel.is_stalled(referral, referral.organization.time_zone, now):
            continue
        with transaction.atomic():
            updated = Referral.objects.filter(pk=referral.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if not updated:
                continue
            sender = referral.sent_by
            if sender is not None and sender.email:
                platform_services.queue_email(
                    actor,
                    to=[sender.email],
                    subject=_("Referral %(id)s has not moved") % {"id": referral.pk},
                    body=_reminder_body(referral),
                    purpose=PURPOSE,
                    organization=referral.organization,
                )
            audit.record(
                CareAudit.REFERRAL_REMINDED,
                actor=actor,
                organization_id=referral.organization_id,
                obj=referral,
                purpose=PURPOSE,
                before={"reminded_at": None},
                after={"reminded_at": now},
                detail=f"status {referral.status}",
            )
            reminded += 1
    return reminded
