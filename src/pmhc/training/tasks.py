"""Background work of Train. Tasks are thin: they call a service and nothing else."""

from __future__ import annotations

from django_tasks import task

from pmhc.platform.access import actor_for_user, system_actor
from pmhc.training import import_services
from pmhc.training.models import RosterImport


@task()
def apply_roster_import_task(roster_import_id: int) -> str:
    """Apply a queued roster file as the person who asked for it (their access is checked
    again now). Running it twice is harmless: only a file still waiting is applied."""
    found = RosterImport.objects.select_related("applied_by").filter(pk=roster_import_id).first()
    if found is None:
        return "missing"
    actor = (
        actor_for_user(found.applied_by, organization_id=found.organization_id)
        if found.applied_by is not None
        else system_actor("Roster import")
    )
    return import_services.run_queued_roster_import(actor, roster_import_id=roster_import_id)
