"""Background work of dispatch. Tasks are thin: they call a service and nothing else."""

from __future__ import annotations

from django_tasks import task

from pmhc.dispatch import import_services
from pmhc.dispatch.models import CallImport
from pmhc.platform.access import actor_for_user, system_actor


@task()
def run_import_task(batch_id: int) -> str:
    """Run an uploaded file's import as the person who uploaded it (their access is checked
    again now). Running it twice is harmless: an import that has started is left alone."""
    batch = CallImport.objects.select_related("created_by").filter(pk=batch_id).first()
    if batch is None:
        return "missing"
    actor = (
        actor_for_user(batch.created_by)
        if batch.created_by is not None
        else system_actor("CAD import")
    )
    result = import_services.run_queued_import(actor, batch_id=batch_id)
    return result.status if result is not None else "missing"
