"""Background work of care. Tasks are thin: they call a service and nothing else."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from pmhc.care import case_services, referral_services
from pmhc.platform.access import system_actor

#: How often the senders of referrals that have not moved are reminded: every hour, so that
#: "one business day" is kept to the hour in every organization's time zone.
REMIND_EVERY = dt.timedelta(hours=1)


@task()
def remind_stalled_referrals_task() -> str:
    """Remind the senders of referrals that have not moved, then queue the next run (even
    after an error, or the reminders would stop for good)."""
    try:
        reminded = referral_services.remind_stalled()
    finally:
        schedule_referral_reminders()
    return f"{reminded} senders reminded"


def schedule_referral_reminders(*, now: dt.datetime | None = None) -> str:
    """Queue the next reminder run, unless one is already waiting. Returns a line for the
    worker's log ("" when nothing was queued)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if isinstance(remind_stalled_referrals_task.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            task_path=remind_stalled_referrals_task.module_path, status=TaskResultStatus.READY
        )
        if waiting.exists():
            return ""
    at = (now or timezone.now()) + REMIND_EVERY
    remind_stalled_referrals_task.using(run_after=at).enqueue()
    return f"Referrals: reminders of referrals that have not moved are queued for {at:%H:%M %Z}."


# --- Cases ---------------------------------------------------------------------------------------

#: Case managers are reminded of the contacts due once a day, when their organization's own
#: clock has passed REMIND_AT: the reminders run every hour, at half past, so that each
#: organization's morning is kept in its own time zone.
REMIND_AT = case_services.REMIND_AT
REMIND_ACTOR = "case reminders"
CASE_REMIND_EVERY = dt.timedelta(hours=1)


def next_reminder_at(now: dt.datetime | None = None) -> dt.datetime:
    """The next half past the hour (UTC) strictly after ``now``."""
    now = (now or timezone.now()).astimezone(dt.UTC)
    at = now.replace(minute=REMIND_AT.minute, second=0, microsecond=0)
    while at <= now:
        at += CASE_REMIND_EVERY
    return at


@task()
def daily_reminders_task() -> str:
    """Remind the case managers of each organization whose morning has come of their contacts
    due, then queue the next hour's run (even after an error, or the reminders would stop for
    good)."""
    try:
        sent = case_services.send_all_reminders(system_actor(REMIND_ACTOR))
    finally:
        schedule_daily_reminders()
    return f"{sent} reminders queued"


def schedule_daily_reminders(*, now: dt.datetime | None = None) -> str:
    """Queue the next hourly reminder run, unless one is already waiting. Returns a
    line for the worker's log ("" when nothing was queued)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if isinstance(daily_reminders_task.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            task_path=daily_reminders_task.module_path, status=TaskResultStatus.READY
        )
        if waiting.exists():
            return ""
    at = next_reminder_at(now)
    daily_reminders_task.using(run_after=at).enqueue()
    return f"Case reminders: the next hourly run is queued for {at:%Y-%m-%d %H:%M %Z}."
