"""Background work of the self-assessment. Tasks are thin: they call a service and nothing
else."""

from __future__ import annotations

from django_tasks import task

from pmhc.assessment import plan_services


@task()
def flag_overdue_actions_task() -> dict[str, list[int]]:
    """Flag open actions past their due date to their program's coordinators. Queued for the
    morning after each due date; running early, late or twice is harmless."""
    return plan_services.flag_overdue_actions().flagged
