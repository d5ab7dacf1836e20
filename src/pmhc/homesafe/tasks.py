"""Background work of Home Safe. Tasks are thin: they call a service and nothing else."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from pmhc.homesafe import reconfirm

#: The re-confirmation e-mails go once a day, at this hour of the server's time zone (a time
#: families read their e-mail, not the night).
REMIND_AT = dt.time(9, 0)


def next_run_at(now: dt.datetime | None = None) -> dt.datetime:
    """The next REMIND_AT strictly after ``now``, in the server's time zone."""
    local = timezone.localtime(now or timezone.now())
    at = local.replace(hour=REMIND_AT.hour, minute=REMIND_AT.minute, second=0, microsecond=0)
    if at <= local:
        at = timezone.make_aware(
            dt.datetime.combine(local.date() + dt.timedelta(days=1), REMIND_AT), local.tzinfo
        )
    return at


@task()
def reconfirm_reminders_task() -> dict[str, list[str]]:
    """Send the re-confirmation e-mails that are due, hide what was not re-confirmed, then
    queue tomorrow's run (even after an error, or the reminders would stop for good)."""
    try:
        run = reconfirm.send_due_reminders()
    finally:
        schedule_reconfirm_reminders()
    return {"reminded": run.reminded, "hidden": run.hidden}


def schedule_reconfirm_reminders(*, now: dt.datetime | None = None) -> str:
    """Queue the next daily run, unless one is already waiting. Returns a line for the
    worker's log ("" when nothing was queued)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if isinstance(reconfirm_reminders_task.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            task_path=reconfirm_reminders_task.module_path, status=TaskResultStatus.READY
        )
        if waiting.exists():
            return ""
    at = next_run_at(now)
    reconfirm_reminders_task.using(run_after=at).enqueue()
    return f"Home Safe: the re-confirmation e-mails are queued for {at:%Y-%m-%d %H:%M %Z}."
