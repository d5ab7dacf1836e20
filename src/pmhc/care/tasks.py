"""Background work of care. Tasks are thin: they call a service and nothing else."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from pmhc.care import referral_services

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
