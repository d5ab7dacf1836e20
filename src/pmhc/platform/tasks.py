"""Background work of the platform. Tasks are thin: they call a service and nothing else."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from pmhc.platform import retention_services, services
from pmhc.platform.access import system_actor
from pmhc.platform.models import EmailStatus


@task()
def send_email(message_id: int) -> str:
    """Send one saved message; on a transport error, try again later with a growing pause."""
    message = services.deliver_email(message_id=message_id)
    if message.status == EmailStatus.RETRYING:
        pause = dt.timedelta(minutes=2**message.attempts)
        send_email.using(run_after=timezone.now() + pause).enqueue(message_id)
    return message.status


#: The retention schedule is applied once a day at this hour (the server's time zone), when
#: no one is at work: never when a worker starts, so starting the product (or the demo) keeps
#: its records until the night.
PURGE_AT = dt.time(3, 0)
PURGE_ACTOR = "retention schedule"


def next_purge_at(now: dt.datetime | None = None) -> dt.datetime:
    """The next PURGE_AT strictly after ``now``, in the server's time zone."""
    local = timezone.localtime(now or timezone.now())
    at = local.replace(hour=PURGE_AT.hour, minute=PURGE_AT.minute, second=0, microsecond=0)
    if at <= local:
        at = timezone.make_aware(
            dt.datetime.combine(local.date() + dt.timedelta(days=1), PURGE_AT), local.tzinfo
        )
    return at


@task()
def daily_purge_task() -> str:
    """Apply every organization's retention schedule, then queue tomorrow's run (even after
    an error, or the purge would stop for good)."""
    try:
        removed = retention_services.purge_all(system_actor(PURGE_ACTOR))
    finally:
        schedule_daily_purge()
    return f"{removed} records purged"


def schedule_daily_purge(*, now: dt.datetime | None = None) -> str:
    """Queue the daily purge for the next PURGE_AT, unless a run is already waiting. Returns
    a line for the worker's log ("" when nothing was queued)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if isinstance(daily_purge_task.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            task_path=daily_purge_task.module_path, status=TaskResultStatus.READY
        )
        if waiting.exists():
            return ""
    at = next_purge_at(now)
    daily_purge_task.using(run_after=at).enqueue()
    return f"Retention schedule: the daily purge is queued for {at:%Y-%m-%d %H:%M %Z}."
