"""The daily reminder: each case manager is e-mailed once a day how many of their cases are
due or overdue, naming no one."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils.functional import Promise

from pmhc.care import case_services, tasks
from pmhc.care.audit_codes import CareAudit
from pmhc.care.models import Case
from pmhc.care.tests.case_world import build, open_for, person_with_calls
from pmhc.conftest import Cast
from pmhc.platform import services as platform_services
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditEvent, OutboundEmail

pytestmark = pytest.mark.django_db


def test_each_case_manager_is_reminded_once_a_day(cast: Cast) -> None:
    world = build(cast)
    today = cast.agency.today()
    open_for(cast, world.manager, world.person)  # due today
    late_person, _calls = person_with_calls(cast, "Vale", "Robin", calls=0)
    late = open_for(cast, world.manager, late_person)
    Case.objects.filter(pk=late.pk).update(next_contact_on=today - dt.timedelta(days=2))
    later_person, _calls = person_with_calls(cast, "Moss", "Ari", calls=0)
    later = open_for(cast, world.other_manager, later_person)
    Case.objects.filter(pk=later.pk).update(next_contact_on=today + dt.timedelta(days=3))
    system = system_actor(tasks.REMIND_ACTOR)
    noon = dt.datetime.combine(today, dt.time(12), tzinfo=cast.agency.zone)

    assert case_services.send_all_reminders(system, now=noon) == 1
    message = OutboundEmail.objects.get()
    assert message.to == [world.manager.email]
    assert "1 contact(s) are due today and 1 are overdue" in message.body
    # It names no one.
    assert "Okafor" not in message.body and "Vale" not in message.body
    platform_services.deliver_email(message_id=message.pk)
    assert len(mail.outbox) == 1
    # Once a day: the second run finds nothing to send.
    assert case_services.send_all_reminders(system, now=noon) == 0
    assert OutboundEmail.objects.count() == 1
    assert set(Case.objects.filter(reminded_on=today).values_list("pk", flat=True)) == {
        late.pk,
        Case.objects.get(person=world.person).pk,
    }
    assert AuditEvent.objects.filter(action=CareAudit.CASE_REMINDED).count() == 1
    # Only the system sends them.
    with pytest.raises(PermissionDenied):
        case_services.send_reminders(cast.actor(world.manager), organization=cast.agency)


def test_the_reminders_run_every_hour_at_half_past() -> None:
    now = dt.datetime(2026, 12, 3, 14, 31, tzinfo=dt.UTC)
    assert tasks.next_reminder_at(now) == dt.datetime(2026, 12, 3, 15, 30, tzinfo=dt.UTC)
    now = dt.datetime(2026, 12, 3, 14, 29, tzinfo=dt.UTC)
    assert tasks.next_reminder_at(now) == dt.datetime(2026, 12, 3, 14, 30, tzinfo=dt.UTC)


def test_an_organization_is_reminded_after_half_past_six_of_its_own_morning(cast: Cast) -> None:
    new_york = zoneinfo.ZoneInfo("America/New_York")
    cast.agency.time_zone = "America/New_York"
    cast.agency.save()
    world = build(cast)
    open_for(cast, world.manager, world.person)  # due today, New York's today
    today = cast.agency.today()
    system = system_actor(tasks.REMIND_ACTOR)

    def at(day: dt.date, hour: int, minute: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=new_york)

    # 06:30 UTC is the evening before in New York: nothing yet.
    evening = at(today - dt.timedelta(days=1), 22, 0)
    assert case_services.send_all_reminders(system, now=evening) == 0
    assert case_services.send_all_reminders(system, now=at(today, 6, 29)) == 0
    assert not OutboundEmail.objects.exists()
    assert case_services.send_all_reminders(system, now=at(today, 6, 30)) == 1
    case = Case.objects.get(person=world.person)
    assert case.reminded_on == today
    # Once on each of its days.
    assert case_services.send_all_reminders(system, now=at(today, 9, 0)) == 0
    assert case_services.send_all_reminders(system, now=at(today, 23, 59)) == 0
    assert OutboundEmail.objects.count() == 1


def test_the_reminder_is_written_in_the_language_of_the_product(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = build(cast)
    open_for(cast, world.manager, world.person)
    marked: list[str] = []

    def translate(text: str) -> str:
        marked.append(text)
        return text

    monkeypatch.setattr(case_services, "_", translate)
    system = system_actor(tasks.REMIND_ACTOR)
    noon = dt.datetime.combine(cast.agency.today(), dt.time(12), tzinfo=cast.agency.zone)
    assert case_services.send_all_reminders(system, now=noon) == 1
    message = OutboundEmail.objects.get()
    assert isinstance(case_services.REMINDER_SUBJECT, Promise)  # translated when sent
    assert message.subject == "Contacts due on your caseload"
    assert any("are due today" in text for text in marked)
    assert any("names no one" in text for text in marked)
