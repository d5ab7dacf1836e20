"""Background work of dispatch. Tasks are thin: they call a service and nothing else.

The import watch (``import_recovery_services``) runs when a worker starts and then every few
minutes for as long as imports are queued or running: each run queues the next one. Queueing
is skipped when a run is already waiting, so workers starting and imports starting, which all
ask for it, keep one chain between them.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

from pmhc.dispatch import import_recovery_services, import_selectors, import_upload_services
from pmhc.dispatch.models import CallImport
from pmhc.platform.access import actor_for_user, system_actor

WATCH_ACTOR = "CAD import watch"


@task()
def run_import_task(batch_id: int) -> str:
    """Run an uploaded file's import as the person who uploaded it (their access is checked
    again now), or go on with one the watch queued again. Running it twice is harmless: an
    import that has started is left alone."""
    batch = CallImport.objects.select_related("created_by").filter(pk=batch_id).first()
    if batch is None:
        return "missing"
    actor = (
        actor_for_user(batch.created_by, organization_id=batch.organization_id)
        if batch.created_by is not None
        else system_actor("CAD import")
    )
    result = import_upload_services.run_queued_import(actor, batch_id=batch_id)
    return result.status if result is not None else "missing"


def watch_interval() -> dt.timedelta:
    """How often the watch looks: twice per stale period, so a dead import is taken over
    between one and one and a half periods after its last batch."""
    return import_selectors.stale_after() / 2


@task()
def watch_imports_task() -> str:
    """Take over imports whose process died, queue again uploads no task carries, delete
    the files of imports that have ended; look again later while imports are under way."""
    try:
        done = import_recovery_services.recover_stalled_imports(system_actor(WATCH_ACTOR))
    finally:
        # Even after an error (SQLite busy with a long all-or-nothing move, say), or the
        # watch would stop for good.
        if import_recovery_services.imports_under_way():
            schedule_import_watch(delay=watch_interval())
    return done.summary()


def schedule_import_watch(*, delay: dt.timedelta | None = None) -> bool:
    """Queue the watch to run after ``delay`` (by default ``watch_interval()``) unless a run
    is already waiting. True when it was queued."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if isinstance(watch_imports_task.get_backend(), DatabaseBackend):
        waiting = DBTaskResult.objects.filter(
            task_path=watch_imports_task.module_path, status=TaskResultStatus.READY
        )
        if waiting.exists():
            return False
    later = timezone.now() + (delay if delay is not None else watch_interval())
    watch_imports_task.using(run_after=later).enqueue()
    return True


def start_import_watch() -> str:
    """When a worker starts: take over at once what died while no worker ran, then keep
    watching. Returns a line for the worker's log ("" when there was nothing to do)."""
    done = import_recovery_services.recover_stalled_imports(system_actor(WATCH_ACTOR))
    if import_recovery_services.imports_under_way():
        schedule_import_watch()
    if done.resumed or done.failed or done.requeued or done.files_deleted:
        return f"CAD import watch: {done.summary()}."
    return ""
