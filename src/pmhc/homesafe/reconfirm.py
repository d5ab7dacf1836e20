"""Keeping the registry current: the re-confirmation e-mails and the hiding of enrolments
not re-confirmed, run by the worker once a day (``tasks.py``) or by hand
(``pmhc homesafe_reminders``).

An enrolment in the registry is due for re-confirmation on ``confirm_by``. The first e-mail
goes ``REMINDER_INTERVAL_DAYS`` before that day, then one every ``REMINDER_INTERVAL_DAYS``
until ``REMINDERS`` have gone. An enrolment still not re-confirmed when the last reminder is
``REMINDER_INTERVAL_DAYS`` old, and past its day, is hidden from searches (the family is told,
and can re-confirm to bring it back at once), and goes on the retention schedule.

The family's private link is stored only as a hash, so each e-mail carries a new link and
the one before stops working: the newest e-mail always opens the enrolment. Each step is
its own transaction, so a run that stops half-way keeps what it did; running twice in a day
sends nothing twice (each step looks at ``last_reminder_at``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.homesafe import enrol_services
from pmhc.homesafe import registry_common as common
from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import (
    REMINDER_INTERVAL_DAYS,
    REMINDERS,
    Enrolment,
    EnrolmentStatus,
)
from pmhc.platform.access import Actor, system_actor
from pmhc.platform.services import queue_email

INTERVAL = dt.timedelta(days=REMINDER_INTERVAL_DAYS)
ACTOR = "Home Safe re-confirmation"
#: At most this many enrolments are looked at per run; the next day's run takes the rest.
BATCH = 2000


@dataclass
class Run:
    reminded: list[str] = field(default_factory=list)
    hidden: list[str] = field(default_factory=list)


def _candidates(now: dt.datetime) -> list[int]:
    # Due within the interval in any time zone (a day's margin); each is checked again
    # against its own organization's today below.
    horizon = (now + INTERVAL + dt.timedelta(days=1)).date()
    waited = Q(last_reminder_at__isnull=True) | Q(last_reminder_at__lte=now - INTERVAL)
    return list(
        Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE, confirm_by__lte=horizon)
        .filter(waited)
        .order_by("confirm_by", "pk")
        .values_list("pk", flat=True)[:BATCH]
    )


def send_due_reminders(
    actor: Actor | None = None, *, now: dt.datetime | None = None, base_url: str = ""
) -> Run:
    """Send the re-confirmation e-mails that are due and hide what was not re-confirmed."""
    actor = actor or system_actor(ACTOR)
    now = now or timezone.now()
    run = Run()
    for pk in _candidates(now):
        with transaction.atomic():
            enrolment = (
                Enrolment.objects.select_related("organization")
                .select_for_update()
                .filter(pk=pk, status=EnrolmentStatus.ACTIVE)
                .first()
            )
            if enrolment is None or enrolment.confirm_by is None:
                continue
            if enrolment.last_reminder_at and enrolment.last_reminder_at > now - INTERVAL:
                continue
            today = timezone.localtime(now, enrolment.organization.zone).date()
            if enrolment.reminders_sent >= REMINDERS:
                if today > enrolment.confirm_by:
                    _hide(actor, enrolment, now, today, base_url)
                    run.hidden.append(enrolment.reference)
            elif today >= enrolment.confirm_by - INTERVAL:
                _remind(actor, enrolment, now, base_url)
                run.reminded.append(enrolment.reference)
    return run


def _new_link(enrolment: Enrolment, base_url: str) -> str:
    token, digest = common.new_token()
    enrolment.token_hash = digest
    return common.absolute_link(base_url, enrol_services.private_path(token))


def _remind(actor: Actor, enrolment: Enrolment, now: dt.datetime, base_url: str) -> None:
    before = common.snapshot(enrolment)
    link = _new_link(enrolment, base_url)
    enrolment.reminders_sent += 1
    enrolment.last_reminder_at = now
    enrolment.save(update_fields=["token_hash", "reminders_sent", "last_reminder_at"])
    common.record(
        HomeSafeAudit.REMINDER_SENT,
        actor,
        enrolment,
        before=before,
        detail=f"enrolment {enrolment.reference}: reminder {enrolment.reminders_sent}",
    )
    queue_email(
        actor,
        organization=enrolment.organization,
        to=[enrolment.submitter_email],
        # Subjects name no one: administrators see them in the organization's e-mail list.
        subject=_("Home Safe: please re-confirm your enrolment (%(ref)s)")
        % {"ref": enrolment.reference},
        body=_(
            "Hello %(name)s,\n\n"
            "%(agency)s asks you to re-confirm the Home Safe enrolment of %(person)s by "
            "%(due)s, so that its officers find what is true today. Open this private link, "
            'check what it says, change what is out of date, and press "Re-confirm":\n'
            "%(link)s\n\n"
            "This link replaces the one in earlier e-mails. If the enrolment is not "
            "re-confirmed, it is hidden from searches after the last reminder. You can also "
            "withdraw it there.\n\n%(agency)s\n"
        )
        % {
            "name": enrolment.submitter_name,
            "agency": enrolment.organization.name,
            "person": enrolment.full_name,
            "due": enrolment.confirm_by,
            "link": link,
        },
        purpose="homesafe_reminder",
    )


def _hide(
    actor: Actor, enrolment: Enrolment, now: dt.datetime, today: dt.date, base_url: str
) -> None:
    before = common.snapshot(enrolment)
    link = _new_link(enrolment, base_url)
    enrolment.status = EnrolmentStatus.HIDDEN
    enrolment.hidden_at = now
    enrolment.purge_after = today
    enrolment.last_reminder_at = now
    enrolment.save(
        update_fields=["token_hash", "status", "hidden_at", "purge_after", "last_reminder_at"]
    )
    common.record(HomeSafeAudit.ENROLMENT_HIDDEN, actor, enrolment, before=before)
    queue_email(
        actor,
        organization=enrolment.organization,
        to=[enrolment.submitter_email],
        subject=_("Home Safe: your enrolment is hidden from searches (%(ref)s)")
        % {"ref": enrolment.reference},
        body=_(
            "Hello %(name)s,\n\n"
            "The Home Safe enrolment of %(person)s was not re-confirmed, so %(agency)s has "
            "hidden it from searches. To bring it back at once, open this private link and "
            'press "Re-confirm":\n%(link)s\n\n'
            "If nobody re-confirms it, it is deleted on the agency's retention schedule.\n\n"
            "%(agency)s\n"
        )
        % {
            "name": enrolment.submitter_name,
            "agency": enrolment.organization.name,
            "person": enrolment.full_name,
            "link": link,
        },
        purpose="homesafe_reminder",
    )
