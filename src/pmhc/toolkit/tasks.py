"""Background work of the toolkit. Tasks are thin: they call a service and nothing else."""

from __future__ import annotations

from django_tasks import task

from pmhc.toolkit.services import deadlines


@task()
def send_due_reminders_task() -> dict[str, list[str]]:
    """Remind and escalate unconfirmed assistance requests. Each request is put on the queue
    for 24 and 36 hours after it arrives; running early, late or twice is harmless."""
    run = deadlines.send_due_reminders()
    return {"reminded": run.reminded, "escalated": run.escalated}
