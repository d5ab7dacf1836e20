"""Background work of people. Tasks are thin: they call a service and nothing else."""

from __future__ import annotations

from django_tasks import task

from pmhc.people import linkage_services


@task()
def run_linkage_task(run_id: int) -> str:
    """Carry out a queued linkage run. Running it twice is harmless: a run that has started
    is left alone."""
    run = linkage_services.run_linkage(run_id)
    return run.status if run is not None else "missing"
