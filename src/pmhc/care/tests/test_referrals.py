"""Closed-loop referrals: sending (with consent across organizations), the transition table,
who moves what, what the receiving provider reads (never the encounter), the boundary of every
page, the stalled list and its reminder, and the query counts of the lists."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.care import referral_selectors, referral_services
from pmhc.care.audit_codes import CareAudit
from pmhc.care.models import Referral, ReferralEvent, ReferralStatus
from pmhc.care.tests.referral_helpers import NARRATIVE, REASON, Referrals, referral_world
from pmhc.platform import services as platform_services
from pmhc.platform.models import AuditEvent, OutboundEmail, User

S = ReferralStatus


@pytest.fixture
def w(db: None) -> Referrals:
    return referral_world()


def _client(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _move(
    w: Referrals, referral: Referral, status: str, *, user: User | None = None, **kw: Any
) -> Referral:
    return referral_services.move_referral(
        w.actor(user or w.intake), referral=referral, status=status, **kw
    )


# --- Sending --------------------------------------------------------------------------------


def test_a_referral_to_another_organization_needs_the_persons_consent(w: Referrals) -> None:
    with pytest.raises(referral_services.ConsentMissing):
        w.send(consent=False)
    assert not Referral.objects.exists()
    # A consent naming another recipient does not cover the hospital.
    w.consent(to=w.other)
    with pytest.raises(referral_services.ConsentMissing):
        w.send(consent=False)
    referral = w.send()
    assert referral.consent is not None
    assert (referral.organization_id, referral.provider_id) == (w.agency.pk, w.hospital.pk)
    assert referral.source == "encounter" and referral.encounter_id == w.encounter.pk
    assert list(referral.events.values_list("status", flat=True)) == [S.SENT]
    event = AuditEvent.objects.get(action=CareAudit.REFERRAL_SENT)
    assert REASON not in str(event.after)  # the reason is kept as a digest only


def test_the_consent_form_is_offered_when_consent_is_missing(w: Referrals) -> None:
    url = reverse("care_referral_new") + f"?encounter={w.encounter.pk}"
    response = _client(w.officer).post(
        url, {"person": w.person.pk, "service": w.service.pk, "reason": REASON}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "needs the person&#x27;s consent" in body
    assert reverse("people_consent_new", args=[w.person.pk]) in body
    w.consent()
    response = _client(w.officer).post(
        url, {"person": w.person.pk, "service": w.service.pk, "reason": REASON}
    )
    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("care_referral", args=[referral.pk])


def test_sending_states_and_enforces_its_limits(w: Referrals) -> None:
    w.consent()
    actor = w.actor(w.officer)
    with pytest.raises(ValidationError) as caught:
        referral_services.send_referral(
            actor, person=w.person, service=w.service, reason="x" * 2001, encounter=w.encounter
        )
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError):
        referral_services.send_referral(
            actor, person=w.person, service=w.service, reason=" ", encounter=w.encounter
        )
    # A service that does not take referrals through pmhc is refused.
    w.service.accepts_referrals = False
    w.service.save()
    with pytest.raises(ValidationError) as caught:
        referral_services.send_referral(
            actor, person=w.person, service=w.service, reason=REASON, encounter=w.encounter
        )
    assert "service" in caught.value.message_dict


def test_only_senders_of_the_encounters_organization_send(w: Referrals) -> None:
    w.consent()
    url = reverse("care_referral_new") + f"?encounter={w.encounter.pk}"
    assert _client(None).get(url).status_code == 302  # to sign-in
    assert _client(w.intake).get(url).status_code == 404  # another organization
    analyst = referral_world_member(w, "analyst")
    assert _client(analyst).get(url).status_code == 404  # wrong role
    assert _client(w.officer).get(url).status_code == 200
    with pytest.raises(PermissionDenied):
        referral_services.send_referral(
            w.actor(w.intake),
            person=w.person,
            service=w.service,
            reason=REASON,
            encounter=w.encounter,
        )


def referral_world_member(w: Referrals, role: str) -> User:
    from pmhc.platform.models import Role
    from pmhc.response.tests.factories import member

    return member(w.agency, Role(role))


# --- Transitions ----------------------------------------------------------------------------


def test_the_whole_loop_sets_each_states_time_once(w: Referrals) -> None:
    referral = w.send()
    at = timezone.now() + dt.timedelta(days=3)
    steps: list[tuple[str, dict[str, Any]]] = [
        (S.RECEIVED, {}),
        (S.ACCEPTED, {}),
        (S.SCHEDULED, {"appointment_at": at}),
        (S.ATTENDED, {}),
        (S.ENGAGED, {}),
    ]
    for status, extra in steps:
        if status == S.ENGAGED:  # 30 days after the first appointment attended
            Referral.objects.filter(pk=referral.pk).update(
                attended_at=timezone.now() - dt.timedelta(days=30)
            )
        referral = _move(w, referral, status, **extra)
    referral = _move(w, referral, S.CLOSED, user=w.officer, reason="Engaged in care")
    assert referral.status == S.CLOSED and referral.closed_reason == "Engaged in care"
    for stamp in ("received_at", "accepted_at", "scheduled_at", "attended_at", "engaged_at"):
        assert getattr(referral, stamp) is not None, stamp
    assert referral.appointment_at == at and referral.ended_at is not None
    events = ReferralEvent.objects.filter(referral=referral).values_list("status", flat=True)
    assert list(events) == [
        S.SENT, S.RECEIVED, S.ACCEPTED, S.SCHEDULED, S.ATTENDED, S.ENGAGED, S.CLOSED
    ]  # fmt: skip
    assert AuditEvent.objects.filter(action=CareAudit.REFERRAL_MOVED).count() == 6
    intervals = referral_selectors.intervals(referral, encounter_at=referral.sent_at)
    assert intervals.referral_to_first_appointment is not None
    assert intervals.referral_to_engagement is not None


def test_an_appointment_is_booked_after_the_referral_was_sent_and_within_a_year(
    w: Referrals,
) -> None:
    referral = _move(w, w.send(), S.ACCEPTED)
    for wrong in (
        dt.datetime(2001, 3, 1, 9, tzinfo=dt.UTC),
        referral.sent_at - dt.timedelta(minutes=1),
        timezone.now() + dt.timedelta(days=400),
    ):
        with pytest.raises(ValidationError) as caught:
            _move(w, referral, S.SCHEDULED, appointment_at=wrong)
        assert "appointment_at" in caught.value.message_dict, wrong
    assert Referral.objects.get().status == S.ACCEPTED
    # The form says so plainly.
    response = _client(w.intake).post(
        reverse("care_referral_move", args=[referral.pk]),
        {"status": S.SCHEDULED, "appointment_at": "2001-03-01T09:00"},
    )
    assert response.status_code == 400
    assert "The appointment cannot be before the referral was sent" in response.content.decode()
    referral = _move(w, referral, S.SCHEDULED, appointment_at=referral.sent_at)
    assert referral.status == S.SCHEDULED


def test_engaged_is_refused_until_30_days_after_the_first_appointment_attended(
    w: Referrals,
) -> None:
    referral = _move(w, w.send(), S.ACCEPTED)
    at = timezone.now() + dt.timedelta(hours=1)
    referral = _move(w, referral, S.SCHEDULED, appointment_at=at)
    referral = _move(w, referral, S.ATTENDED)
    with pytest.raises(ValidationError) as caught:
        _move(w, referral, S.ENGAGED)
    assert "status" in caught.value.message_dict
    Referral.objects.filter(pk=referral.pk).update(
        attended_at=timezone.now() - dt.timedelta(days=29, hours=23)
    )
    with pytest.raises(ValidationError):
        _move(w, referral, S.ENGAGED)
    assert Referral.objects.get().status == S.ATTENDED
    Referral.objects.filter(pk=referral.pk).update(
        attended_at=timezone.now() - dt.timedelta(days=30)
    )
    assert _move(w, referral, S.ENGAGED).status == S.ENGAGED


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], S.ATTENDED),
        ([], S.SCHEDULED),
        ([S.RECEIVED, S.ACCEPTED, S.SCHEDULED], S.ENGAGED),
        ([S.RECEIVED, S.ACCEPTED, S.SCHEDULED], S.DECLINED),
        ([S.DECLINED], S.ACCEPTED),
        ([S.CLOSED], S.CLOSED),
    ],
)
def test_a_state_not_in_the_table_is_refused(w: Referrals, path, refused) -> None:
    referral = w.send()
    for status in path:
        extra: dict[str, Any] = {"appointment_at": timezone.now() + dt.timedelta(days=1)}
        referral = _move(
            w,
            referral,
            status,
            reason="Full" if status in (S.DECLINED, S.CLOSED) else "",
            **(extra if status == S.SCHEDULED else {}),
        )
    before = referral.status
    with pytest.raises(ValidationError):
        _move(w, referral, refused, reason="why", appointment_at=timezone.now())
    referral.refresh_from_db()
    assert referral.status == before


def test_scheduling_needs_a_time_and_declining_a_reason(w: Referrals) -> None:
    referral = _move(w, w.send(), S.ACCEPTED)
    with pytest.raises(ValidationError) as caught:
        _move(w, referral, S.SCHEDULED)
    assert "appointment_at" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        _move(w, referral, S.DECLINED)
    assert "reason" in caught.value.message_dict
    referral = _move(w, referral, S.DECLINED, reason="No openings this month")
    assert referral.declined_reason == "No openings this month" and referral.ended_at


def test_the_sender_may_only_close_and_other_providers_nothing(w: Referrals) -> None:
    referral = w.send()
    with pytest.raises(PermissionDenied):
        _move(w, referral, S.RECEIVED, user=w.officer)
    with pytest.raises(PermissionDenied):
        _move(w, referral, S.RECEIVED, user=w.other_intake)
    with pytest.raises(PermissionDenied):
        _move(w, referral, S.RECEIVED, user=w.hospital_analyst)
    assert Referral.objects.get().status == S.SENT
    _move(w, referral, S.RECEIVED, user=w.hospital_coordinator)


# --- Pages ----------------------------------------------------------------------------------


def test_the_provider_reads_only_what_the_referral_grants(w: Referrals) -> None:
    referral = w.send()
    url = reverse("care_referral_received", args=[referral.pk])
    body = _client(w.intake).get(url).content.decode()
    assert "Vale, Robin" in body and "1980-05-17" in body and REASON in body
    assert NARRATIVE not in body and w.officer.email in body
    read = AuditEvent.objects.get(action=CareAudit.REFERRAL_PROVIDER_READ)
    assert "reason" in read.detail and "person.family_name" in read.detail
    # A coordinator of the provider works the referral but reads no clinical reason.
    body = _client(w.hospital_coordinator).get(url).content.decode()
    assert "Vale, Robin" in body and REASON not in body and 'data-restricted="reason"' in body
    # Once the consent is revoked, the person's details and the reason are no longer shown.
    consent = referral.consent
    assert consent is not None
    consent.revoked_at = timezone.now()
    consent.save()
    body = _client(w.intake).get(url).content.decode()
    assert "Vale" not in body and REASON not in body


NOTE = "Xqnote came with her sister, prefers mornings"


def test_a_steps_note_is_shown_to_clinical_readers_and_kept_as_a_digest(w: Referrals) -> None:
    referral = _move(w, w.send(), S.ACCEPTED, note=NOTE)
    moved = AuditEvent.objects.filter(action=CareAudit.REFERRAL_MOVED).latest("pk")
    assert moved.after is not None and str(moved.after["note"]).startswith("hmac-sha256:")
    assert NOTE not in str(moved.after) and NOTE not in moved.detail
    received = reverse("care_referral_received", args=[referral.pk])
    sent = reverse("care_referral", args=[referral.pk])
    assert NOTE in _client(w.intake).get(received).content.decode()
    read = AuditEvent.objects.filter(action=CareAudit.REFERRAL_PROVIDER_READ).latest("pk")
    assert "notes" in read.detail
    assert NOTE in _client(w.case_manager).get(sent).content.decode()
    read = AuditEvent.objects.filter(action=CareAudit.REFERRAL_READ).latest("pk")
    assert read.detail == "read: notes"
    # Readers with no clinical grant see that a note exists, not its words.
    for user, url in ((w.hospital_coordinator, received), (w.officer, sent)):
        body = _client(user).get(url).content.decode()
        assert NOTE not in body and 'data-restricted="note"' in body, user
    # Others find nothing, as for a missing referral.
    assert _client(w.other_intake).get(received).status_code == 404
    assert _client(w.intake).get(sent).status_code == 404


def test_the_timeline_shows_the_newest_events_in_time_order(w: Referrals) -> None:
    referral = w.send()
    sent = referral.sent_at
    ReferralEvent.objects.bulk_create(
        ReferralEvent(
            referral=referral,
            status=S.SCHEDULED,
            at=sent + dt.timedelta(minutes=i + 1),
            note=f"Xqstep{i:02d}",
        )
        for i in range(referral_selectors.TIMELINE_LIMIT + 5)
    )
    read = referral_selectors.sent_detail(w.actor(w.case_manager), referral.pk)
    assert len(read.events) == referral_selectors.TIMELINE_LIMIT and read.older_events
    assert read.events[-1].note == f"Xqstep{referral_selectors.TIMELINE_LIMIT + 4:02d}"
    assert [e.at for e in read.events] == sorted(e.at for e in read.events)
    body = _client(w.case_manager).get(reverse("care_referral", args=[referral.pk]))
    assert "older ones are not" in body.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "other_intake", "hospital_analyst", "officer"])
def test_the_received_pages_are_the_providers_alone(w: Referrals, who: str) -> None:
    referral = w.send()
    user = None if who == "anonymous" else getattr(w, who)
    client = _client(user)
    response = client.get(reverse("care_referral_received", args=[referral.pk]))
    assert response.status_code == (302 if user is None else 404)
    inbox = client.get(reverse("care_referral_inbox"))
    if who == "other_intake":  # their own inbox, without the hospital's referral
        assert inbox.status_code == 200
        assert reverse("care_referral_received", args=[referral.pk]) not in inbox.content.decode()
    else:
        assert inbox.status_code == (302 if user is None else 404)
    response = client.post(
        reverse("care_referral_move", args=[referral.pk]), {"status": S.RECEIVED}
    )
    assert response.status_code == (302 if user is None else 404)
    assert Referral.objects.get().status == S.SENT


@pytest.mark.parametrize("who", ["anonymous", "intake", "other_intake", "hospital_coordinator"])
def test_the_sent_pages_are_the_senders_alone(w: Referrals, who: str) -> None:
    referral = w.send()
    user = None if who == "anonymous" else getattr(w, who)
    client = _client(user)
    for url in (reverse("care_referral", args=[referral.pk]),):
        response = client.get(url)
        assert response.status_code == (302 if user is None else 404), (who, url)
    response = client.post(reverse("care_referral_close", args=[referral.pk]))
    assert response.status_code == (302 if user is None else 404)
    assert Referral.objects.get().status == S.SENT


def test_accept_and_schedule_from_the_providers_page_and_the_sender_sees_it(
    w: Referrals,
) -> None:
    referral = w.send()
    client = _client(w.intake)
    move = reverse("care_referral_move", args=[referral.pk])
    assert client.post(move, {"status": S.ACCEPTED}).status_code == 302
    response = client.post(move, {"status": S.SCHEDULED})
    assert response.status_code == 400
    assert "Give the date and time of the appointment." in response.content.decode()
    day = (timezone.localtime(timezone.now(), w.hospital.zone) + dt.timedelta(days=3)).date()
    response = client.post(move, {"status": S.SCHEDULED, "appointment_at": f"{day}T09:30"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == S.SCHEDULED
    local = timezone.localtime(referral.appointment_at, w.hospital.zone)
    assert (local.hour, local.minute) == (9, 30)
    body = _client(w.officer).get(reverse("care_referral", args=[referral.pk])).content.decode()
    assert "Scheduled" in body and "Accepted" in body and REASON not in body  # officer: no clinical
    page = _client(w.case_manager).get(reverse("care_referral", args=[referral.pk]))
    assert REASON in page.content.decode()


def test_the_lists_pin_their_queries(w: Referrals, django_assert_num_queries) -> None:
    for _ in range(3):
        w.send(consent=False) if Referral.objects.exists() else w.send()
    inbox = _client(w.intake)
    inbox.get(reverse("care_referral_inbox"))
    # Nine, and one for the parties of the actor's agreements in force (the world has some).
    with django_assert_num_queries(10):
        response = inbox.get(reverse("care_referral_inbox"))
    assert response.content.decode().count("Referral ") >= 3
    sent = _client(w.officer)
    sent.get(reverse("care_referrals"))
    with django_assert_num_queries(10):
        sent.get(reverse("care_referrals"))
    sent.get(reverse("care_referrals_stalled"))
    Referral.objects.update(sent_at=timezone.now() - dt.timedelta(days=8))
    with django_assert_num_queries(10):
        response = sent.get(reverse("care_referrals_stalled"))
    assert response.content.decode().count("Referral ") >= 3


# --- Stalled --------------------------------------------------------------------------------


def test_business_days_skip_the_weekend() -> None:
    monday = dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC)
    back = referral_selectors.business_days_back(monday, 1, "UTC")
    assert back.weekday() == 4 and back.hour == 10  # the Friday before


NEW_YORK = "America/New_York"


def _ny(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=zoneinfo.ZoneInfo(NEW_YORK))


def _stalled_at(sent: dt.datetime, now: dt.datetime, zone: str = NEW_YORK) -> bool:
    referral = Referral(status=S.SENT, sent_at=sent)
    return referral_selectors.is_stalled(referral, zone, now)


@pytest.mark.parametrize(
    ("now", "stalled"),
    [
        (_ny(2026, 11, 27, 17, 0), False),  # Friday evening
        (_ny(2026, 11, 28, 10, 0), False),  # Saturday, after 15 weekday hours
        (_ny(2026, 11, 29, 23, 0), False),  # Sunday night
        (_ny(2026, 11, 30, 8, 59), False),  # Monday, a minute early
        (_ny(2026, 11, 30, 9, 0), True),  # Monday 09:00: one business day
        (_ny(2026, 11, 30, 15, 0), True),
    ],
)
def test_a_referral_sent_friday_morning_stalls_on_monday_morning(
    now: dt.datetime, stalled: bool
) -> None:
    friday = _ny(2026, 11, 27, 9, 0)
    assert _stalled_at(friday, now) is stalled
    # The query used by the list and the reminders agrees.
    cutoff = referral_selectors.business_days_back(now, 1, NEW_YORK)
    assert (friday <= cutoff) is stalled


def test_a_referral_sent_at_the_weekend_stalls_on_tuesday_morning() -> None:
    saturday = _ny(2026, 11, 28, 11, 0)
    assert not _stalled_at(saturday, _ny(2026, 11, 30, 23, 59))
    assert _stalled_at(saturday, _ny(2026, 12, 1, 0, 0))
    thursday = _ny(2026, 11, 26, 16, 0)
    assert _stalled_at(thursday, _ny(2026, 11, 28, 9, 0))  # due Friday 16:00


def test_one_business_day_is_kept_by_the_clock_across_daylight_saving() -> None:
    # New York leaves daylight saving time on Sunday 1 November 2026.
    friday = _ny(2026, 10, 30, 9, 0)  # 13:00 UTC
    monday_0830 = dt.datetime(2026, 11, 2, 13, 30, tzinfo=dt.UTC)  # 08:30 EST
    monday_0900 = dt.datetime(2026, 11, 2, 14, 0, tzinfo=dt.UTC)  # 09:00 EST
    assert not _stalled_at(friday, monday_0830)
    assert _stalled_at(friday, monday_0900)


def test_a_stalled_referral_reminds_its_sender_once_and_is_listed(
    w: Referrals, django_capture_on_commit_callbacks
) -> None:
    fresh = w.send()
    stalled = w.send(consent=False)
    Referral.objects.filter(pk=stalled.pk).update(sent_at=timezone.now() - dt.timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        assert referral_services.remind_stalled() == 1
        assert referral_services.remind_stalled() == 0
    for queued in OutboundEmail.objects.all():
        platform_services.deliver_email(message_id=queued.pk)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [w.officer.email]
    assert str(stalled.pk) in message.subject and "Vale" not in message.body
    body = _client(w.coordinator).get(reverse("care_referrals_stalled")).content.decode()
    assert reverse("care_referral", args=[stalled.pk]) in body
    assert reverse("care_referral", args=[fresh.pk]) not in body
    # The hospital's staff see their own organization's list, without the agency's referral.
    other = _client(w.intake).get(reverse("care_referrals_stalled")).content.decode()
    assert reverse("care_referral", args=[stalled.pk]) not in other
    assert _client(w.hospital_analyst).get(reverse("care_referrals_stalled")).status_code == 404


def test_the_reminder_batch_holds_only_stalled_referrals(
    w: Referrals, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(referral_services, "REMIND_BATCH", 2)
    now = timezone.now()
    waiting = [w.send(consent=i == 0) for i in range(2)]  # received, within seven days
    for referral in waiting:
        _move(w, referral, S.RECEIVED)
    Referral.objects.filter(pk__in=[r.pk for r in waiting]).update(
        sent_at=now - dt.timedelta(days=6)
    )
    stalled = w.send(consent=False)  # five days unreceived: at least three business days
    Referral.objects.filter(pk=stalled.pk).update(sent_at=now - dt.timedelta(days=5))
    assert referral_services.remind_stalled(now=now) == 1
    assert list(Referral.objects.filter(reminded_at__isnull=False)) == [stalled]


def test_the_person_must_be_the_one_the_source_is_about(w: Referrals) -> None:
    from pmhc.people.models import Person

    w.consent()
    stranger = Person.objects.create(organization=w.agency, given_name="Kit", family_name="Lowe")
    with pytest.raises(PermissionDenied):
        referral_services.send_referral(
            w.actor(w.officer),
            person=stranger,
            service=w.service,
            reason=REASON,
            encounter=w.encounter,
        )
    assert not Referral.objects.exists()


def test_a_referral_is_refused_once_the_providers_agreement_has_ended(w: Referrals) -> None:
    from pmhc.platform.models import DataSharingAgreement

    ended = DataSharingAgreement.objects.filter(parties=w.hospital).filter(parties=w.agency)
    ended.update(ends_on=timezone.localdate() - dt.timedelta(days=2))
    with pytest.raises(ValidationError) as refused:
        w.send()
    assert "no longer run by a partner" in str(refused.value.message_dict["service"])
    assert not Referral.objects.exists()
    ended.update(ends_on=None)
    assert w.send().provider_id == w.hospital.pk
