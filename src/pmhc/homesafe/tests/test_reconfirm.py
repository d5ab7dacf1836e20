"""Keeping the registry current (the worker's re-confirmation e-mails and hiding) and the
retention schedule."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from pmhc.homesafe import enrol_services, reconfirm, registry_services
from pmhc.homesafe.models import REMINDER_INTERVAL_DAYS, REMINDERS, Enrolment, EnrolmentStatus
from pmhc.homesafe.retention import ENROLMENTS
from pmhc.homesafe.tests.support import link_in, open_registry, png, submit
from pmhc.platform import retention_services
from pmhc.platform.access import actor_for_user, system_actor
from pmhc.platform.models import OutboundEmail

pytestmark = pytest.mark.django_db


def _active(cast, registry, **changes):
    enrolment, token = submit(registry.program, **changes)
    enrol_services.confirm_email(token=token)
    registry_services.approve(actor_for_user(cast.member), enrolment=enrolment)
    enrolment.refresh_from_db()
    return enrolment, token


def test_reminders_then_hiding_then_reconfirming_brings_it_back(cast):
    registry = open_registry(cast)
    enrolment, _token = _active(cast, registry)
    due = enrolment.confirm_by
    assert due is not None
    start = timezone.now()
    assert reconfirm.send_due_reminders(now=start) == reconfirm.Run()
    day = dt.timedelta(days=1)
    # The first reminder goes an interval before the day, then one an interval apart.
    at = start + (due - start.date()) - dt.timedelta(days=REMINDER_INTERVAL_DAYS) + day / 2
    for number in range(1, REMINDERS + 1):
        run = reconfirm.send_due_reminders(now=at)
        assert run.reminded == [enrolment.reference], number
        assert reconfirm.send_due_reminders(now=at + day).reminded == []  # not twice
        at += dt.timedelta(days=REMINDER_INTERVAL_DAYS)
    mails = OutboundEmail.objects.filter(purpose="homesafe_reminder")
    assert mails.count() == REMINDERS
    run = reconfirm.send_due_reminders(now=at)
    assert run.hidden == [enrolment.reference]
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.HIDDEN and enrolment.hidden_at
    assert enrolment.purge_after
    # The newest link works (each e-mail replaces the link before) and brings it back.
    link = link_in("homesafe_reminder")
    client = Client()
    assert client.get(link).status_code == 200
    client.post(link + "reconfirm/")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE and enrolment.reminders_sent == 0
    assert enrolment.purge_after is None


def test_the_command_runs_it_by_hand(cast, capsys):
    open_registry(cast)
    call_command("homesafe_reminders")
    assert "0 reminded, 0 hidden." in capsys.readouterr().out


def test_retention_deletes_what_left_the_registry_with_its_photo(
    cast, django_capture_on_commit_callbacks
):
    registry = open_registry(cast)
    kept, _ = _active(cast, registry)
    gone, _ = _active(cast, registry, photo=enrol_services.check_photo(png()))
    photo = gone.photo.name
    assert default_storage.exists(photo)
    Enrolment.objects.filter(pk=gone.pk).update(
        status=EnrolmentStatus.HIDDEN, purge_after=timezone.localdate() - dt.timedelta(days=100)
    )
    with django_capture_on_commit_callbacks(execute=True):
        results = retention_services.purge(system_actor("test"), organization=cast.agency)
    removed = {result.kind.key: result.removed for result in results}
    assert removed[ENROLMENTS] == 1
    assert list(Enrolment.objects.all()) == [kept]
    assert not default_storage.exists(photo)


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_reminder_and_hides(cast, monkeypatch):
    from django.core import mail

    from pmhc.homesafe.tasks import reconfirm_reminders_task

    registry = open_registry(cast)
    enrolment, _token = _active(cast, registry)
    real_now = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: real_now + dt.timedelta(days=RECONFIRM_DAYS - 10))
    reconfirm_reminders_task.enqueue()
    call_command("worker", "--batch")
    assert any("please re-confirm" in m.subject for m in mail.outbox)
    Enrolment.objects.filter(pk=enrolment.pk).update(reminders_sent=REMINDERS)
    monkeypatch.setattr(timezone, "now", lambda: real_now + dt.timedelta(days=RECONFIRM_DAYS + 20))
    reconfirm_reminders_task.enqueue()
    call_command("worker", "--batch")
    assert Enrolment.objects.get().status == EnrolmentStatus.HIDDEN
    assert any("is hidden" in m.subject for m in mail.outbox)


RECONFIRM_DAYS = 183


def test_an_enrolment_never_confirmed_is_deleted_on_the_schedule(cast):
    registry = open_registry(cast)
    sent, _token = submit(registry.program)
    confirmed, token = submit(registry.program, email="other@family.example.org")
    assert sent.purge_after == cast.agency.today()
    enrol_services.confirm_email(token=token)
    confirmed.refresh_from_db()
    assert confirmed.status == EnrolmentStatus.IN_REVIEW and confirmed.purge_after is None
    Enrolment.objects.filter(pk=sent.pk).update(
        purge_after=timezone.localdate() - dt.timedelta(days=100)
    )
    results = retention_services.purge(system_actor("test"), organization=cast.agency)
    assert {result.kind.key: result.removed for result in results}[ENROLMENTS] == 1
    assert list(Enrolment.objects.all()) == [confirmed]
