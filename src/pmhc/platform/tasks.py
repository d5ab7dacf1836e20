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


#: How often the retention schedule is applied.
PURGE_EVERY = dt.timedelta(days=1)
PURGE_ACTOR = "retention schedule"


@task()
def daily_purge_task() -> str:
    """Apply every organization's retention schedule, then queue tomorrow's run (even after
    an error, or the purge would stop for good)."""
    try:
        removed = retention_services.purge_all(system_actor(PURGE_ACTOR))
    finally:
        schedule_daily_purge(delay=PURGE_EVERY)
    return f"{removed} records purged"


def schedule_daily_purge(*, delay: dt.timedelta | None = None) -> str:
    """Queue the daily purge (at once when a worker starts, unless a run is already waiting).
    Returns a line for the worker's log ("" when nothing was queued)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if isinstance(daily_purge_task.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            task_path=daily_purge_task.module_path, status=TaskResultStatus.READY
        )
        if waiting.exists():
            return ""
    later = timezone.now() + (delay or dt.timedelta(0))
    daily_purge_task.using(run_after=later).enqueue()
    return "" if delay else "Retention schedule: the daily purge is queued."
