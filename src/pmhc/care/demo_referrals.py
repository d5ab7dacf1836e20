"""Demo step: referrals in every state, and one that has not moved.

The police department's demo ``officer`` refers people from accepted encounter reports to the
hospital, with each person's consent to share with the hospital (recorded by the department's
coordinator). The hospital's intake clinician (a demo account of its own,
``hospital_intake``) receives them and moves one to each state: received, accepted, scheduled,
first appointment attended, engaged at 30 days, declined, did not attend; the officer closes
one. Each referral's times are those of a clinic at work: sent days ago, received hours
later, the first appointment days after, engaged 30 days or more after it (so Measure's
intervals are real ones). The demo ``clinician`` of the behavioral health center refers the
person of their first contact note to the hospital too; that referral was sent nine days ago
and has not moved, so it
is on the center's list of stalled referrals. The referrals go to the hospital's service
that each directory lists (its psychiatric emergency service in the police department's), which
now takes referrals through pmhc; a directory that lists none gets the hospital's outpatient
clinic. Draws from a random source of its own (the intake clinician's name, the appointments'
hours) only.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from pmhc.demo.context import HOSPITAL_INTAKE

if TYPE_CHECKING:
    from pmhc.care.models import Service
    from pmhc.demo.context import DemoContext
    from pmhc.platform.models import Organization

#: The states the hospital's intake moves a referral through, one referral each.
PATHS: tuple[tuple[str, ...], ...] = (
    (),
    ("received",),
    ("accepted",),
    ("accepted", "scheduled"),
    ("accepted", "scheduled", "attended"),
    ("accepted", "scheduled", "attended", "engaged"),
    ("received", "declined"),
    ("accepted", "scheduled", "no_show"),
    ("accepted", "scheduled", "attended", "engaged", "closed"),
)


#: The kinds of the hospital's services a referral goes to first, when the directory lists them.
PREFERRED_KINDS = ("outpatient", "community_mental_health", "psych_emergency")


def _clinic(directory: Organization, hospital: Organization) -> Service:
    """The hospital's service in the directory that takes the demo's referrals: one the
    directory already lists (an outpatient clinic first), now taking referrals through pmhc,
    or, when it lists none, an outpatient clinic added to it."""
    from pmhc.care.models import Service, ServiceKind

    listed = {
        service.kind: service
        for service in Service.objects.filter(
            organization=directory, provider=hospital, active=True
        ).order_by("-pk")
    }
    found = next((listed[kind] for kind in PREFERRED_KINDS if kind in listed), None)
    if found is not None:
        if not found.accepts_referrals:
            Service.objects.filter(pk=found.pk).update(accepts_referrals=True)
            found.accepts_referrals = True
        return found
    return Service.objects.create(
        organization=directory,
        provider=hospital,
        external_id="hospital-outpatient",
        name=f"{hospital.name} outpatient behavioral health clinic",
        kind=ServiceKind.OUTPATIENT,
        phone="555-0142",
        hours="Mon-Fri 8:00-17:00",
        accepts_referrals=True,
    )


def _timeline(
    path: tuple[str, ...], now: dt.datetime, today: dt.date, hospital: Organization, rng: Any
) -> dict[str, dt.datetime]:
    """When a referral along ``path`` was sent and reached each state, as a clinic works: sent
    days ago (hours ago when it has not moved yet), received hours later, the appointment days
    after, engaged 30 days or more after the first appointment attended. An appointment not
    yet attended is in the coming days."""
    from django.utils import timezone

    hour = dt.timedelta(hours=1)
    if "engaged" in path:
        sent = now - dt.timedelta(days=rng.randint(50, 60))
    elif "attended" in path or "no_show" in path:
        sent = now - dt.timedelta(days=rng.randint(10, 20))
    elif path:
        sent = now - dt.timedelta(days=rng.randint(1, 3))
    else:
        sent = now - rng.randint(2, 5) * hour
    times = {"sent": sent, "received": sent + rng.randint(2, 6) * hour}
    times["accepted"] = times["received"] + rng.randint(1, 3) * hour
    times["declined"] = times["received"] + rng.randint(1, 4) * hour
    times["scheduled"] = times["accepted"] + hour / 2
    if "attended" in path or "no_show" in path:
        day = timezone.localtime(sent, hospital.zone).date() + dt.timedelta(days=rng.randint(3, 7))
    else:
        day = today + dt.timedelta(days=rng.randint(2, 10))
    local = dt.datetime.combine(day, dt.time(rng.choice((9, 10, 13, 14))))
    times["appointment"] = timezone.make_aware(local, hospital.zone)
    times["attended"] = times["no_show"] = times["appointment"] + hour
    times["engaged"] = times["attended"] + dt.timedelta(days=rng.randint(30, 35))
    times["closed"] = times["engaged"] + dt.timedelta(days=1)
    return times


def _backdate(pk: int, status: str, at: dt.datetime, *, received_too: bool = False) -> None:
    """Set the time the referral reached ``status`` (its stamp and its event) to ``at``."""
    from pmhc.care.models import Referral, ReferralEvent
    from pmhc.care.referral_services import STAMPS

    fields: dict[str, dt.datetime] = {"updated_at": at}
    if status == "sent":
        fields["sent_at"] = at
    stamp = STAMPS.get(status)  # type: ignore[call-overload]
    if stamp is not None:
        fields[stamp] = at
    if status == "accepted" and received_too:
        fields["received_at"] = at
    Referral.objects.filter(pk=pk).update(**fields)
    event = ReferralEvent.objects.filter(referral_id=pk, status=status).order_by("-pk").first()
    if event is not None:
        ReferralEvent.objects.filter(pk=event.pk).update(at=at)


def step_referrals(ctx: DemoContext) -> None:
    from django.utils import timezone

    from pmhc.care import referral_services
    from pmhc.care.models import Referral
    from pmhc.demo.context import FAMILY, GIVEN
    from pmhc.people import consent_services
    from pmhc.people.models import Person
    from pmhc.platform import account_services
    from pmhc.platform import services as platform_services
    from pmhc.platform.access import actor_for_user
    from pmhc.platform.models import Classification, Purpose, Role
    from pmhc.response.models import ContactNote, Encounter, EncounterStatus

    pd, bhc, hospital = (ctx.organizations[k] for k in ("pd", "bhc", "hospital"))
    rng = ctx.random_for("referrals")
    given, family = rng.choice(GIVEN), rng.choice(FAMILY)
    membership = platform_services.add_member(
        ctx.actor,
        organization=hospital,
        email=f"{HOSPITAL_INTAKE}@demo.pmhc.invalid",
        username=HOSPITAL_INTAKE,
        first_name=given,
        last_name=family,
        role=Role.CLINICIAN,
    )
    account_services.change_password(
        actor=ctx.actor, user=membership.user, new_password=ctx.password, via_reset=False
    )
    ctx.users[HOSPITAL_INTAKE] = membership.user
    intake = actor_for_user(membership.user)
    officer = actor_for_user(ctx.users["officer"])
    coordinator = actor_for_user(ctx.users["coordinator"])
    clinic = _clinic(pd, hospital)

    def consent_for(person: Person) -> None:
        consent_services.give_consent(
            coordinator,
            person=person,
            purpose=Purpose.CASE_MANAGEMENT,
            recipients=[hospital],
            purposes=[Purpose.CASE_MANAGEMENT],
            data_classes=[Classification.CLINICAL],
            valid_from=ctx.today,
            valid_until=ctx.today + dt.timedelta(days=365),
        )

    encounters = list(
        Encounter.objects.filter(
            organization=pd, status=EncounterStatus.ACCEPTED, people__isnull=False
        )
        .order_by("-pk")
        .distinct()[: len(PATHS)]
    )
    now = timezone.now()
    made = 0
    for encounter, path in zip(encounters, PATHS, strict=False):
        person = Person.objects.filter(encounters__encounter=encounter).order_by("pk").first()
        if person is None:
            continue
        consent_for(person)
        referral = referral_services.send_referral(
            officer,
            person=person,
            service=clinic,
            reason="Low mood and poor sleep since losing work; agrees to see a counselor.",
            encounter=encounter,
        )
        times = _timeline(path, now, ctx.today, hospital, rng)
        _backdate(referral.pk, "sent", times["sent"])
        for status in path:
            appointment_at = times["appointment"] if status == "scheduled" else None
            reason = ""
            if status == "declined":
                reason = "The clinic does not take the person's insurance."
            if status == "closed":
                referral = referral_services.move_referral(
                    officer, referral=referral, status=status, reason="Engaged in care"
                )
            else:
                referral = referral_services.move_referral(
                    intake,
                    referral=referral,
                    status=status,
                    appointment_at=appointment_at,
                    reason=reason,
                )
            _backdate(referral.pk, status, times[status], received_too="received" not in path)
        made += 1

    # The demo clinician's referral that has not moved.
    note = (
        ContactNote.objects.filter(organization=bhc, person__isnull=False)
        .select_related("person")
        .order_by("pk")
        .first()
    )
    stalled = ""
    if note is not None and note.person is not None:
        consent_for(note.person)
        sent = referral_services.send_referral(
            actor_for_user(ctx.users["clinician"]),
            person=note.person,
            service=_clinic(bhc, hospital),
            reason="Needs ongoing counselling after the crisis visit.",
            contact_note=note,
        )
        nine_days_ago = timezone.now() - dt.timedelta(days=9)
        Referral.objects.filter(pk=sent.pk).update(sent_at=nine_days_ago)
        sent.events.update(at=nine_days_ago)
        stalled = f"; referral {sent.pk} of the clinician has not moved for nine days"
    ctx.log(f"  {made} referrals to the hospital's clinic, one in each state{stalled}")
