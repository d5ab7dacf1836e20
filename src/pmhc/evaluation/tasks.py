"""Background work of Measure. Tasks are thin: they call a service and nothing else.

Whenever a call, an encounter report or a referral is saved, or a CAD import finishes, the
organization's rollups are refreshed by ``refresh_rollups_task`` once the transaction commits:
queued at most once per transaction and organization, and not at all while a refresh of the
organization is already waiting. When a worker starts, every organization with calls written
since its last refresh is refreshed.
"""

from __future__ import annotations

import functools

from django.db import transaction
from django_tasks import task
from django_tasks.base import TaskResultStatus

from pmhc.evaluation import rollup_services
from pmhc.platform.access import system_actor
from pmhc.platform.models import Organization

REFRESH_ACTOR = "rollup refresh"


@task()
def refresh_rollups_task(organization_id: int) -> str:
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is None:
        return "missing"
    return rollup_services.refresh(system_actor(REFRESH_ACTOR), organization=organization).summary


def _waiting(organization_id: int) -> bool:
    """Whether a refresh of the organization is already queued and not started."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(refresh_rollups_task.get_backend(), DatabaseBackend):
        return False
    return DBTaskResult.objects.filter(
        task_path=refresh_rollups_task.module_path,
        status=TaskResultStatus.READY,
        args_kwargs__args=[organization_id],
    ).exists()


def enqueue_refresh(organization_id: int) -> None:
    if not _waiting(organization_id):
        refresh_rollups_task.enqueue(organization_id)


def refresh_on_commit(organization_id: int | None) -> None:
    """Queue a refresh of the organization's rollups when the current transaction commits,
    unless this transaction already asked for one."""
    if organization_id is None:
        return
    connection = transaction.get_connection()
    for _, callback, _ in connection.run_on_commit:
        if (
            isinstance(callback, functools.partial)
            and callback.func is enqueue_refresh
            and callback.args == (organization_id,)
        ):
            return
    transaction.on_commit(functools.partial(enqueue_refresh, organization_id))


def refresh_stale() -> str:
    """When a worker starts: refresh every organization written to since its last refresh.
    Returns a line for the worker's log ("" when there was nothing to do)."""
    actor = system_actor(REFRESH_ACTOR)
    done = [
        rollup_services.refresh(actor, organization=organization)
        for organization in rollup_services.stale_organizations()
    ]
    if not done:
        return ""
    return f"Measure: rollups of {len(done)} organizations brought up to date."
