"""Demo step for Measure: the program change the demo was generated with. The co-responder
team started on the demo's program start (see ``dispatch/demo.py``), so the before-and-after
analysis on this change has a true jump to find: ``dispatch.demo.CO_RESPONDER_LEVEL_CHANGE``
percentage points in the share of mental health calls answered by a clinician."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pmhc.demo.registry import register_step

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

NAME = "Co-responder team started"


def step_program_change(ctx: DemoContext) -> None:
    from pmhc.evaluation import change_services
    from pmhc.evaluation.models import ProgramChangeKind

    pd = ctx.organizations["pd"]
    change_services.save_change(
        ctx.actor,
        organization=pd,
        kind=ProgramChangeKind.CO_RESPONDER,
        name=NAME,
        started_on=ctx.program_start,
        note="The co-responder unit began answering mental health calls with the police.",
        today=ctx.today,
    )
    ctx.log(f"  the program change: {NAME} on {ctx.program_start.isoformat()}")


register_step(step_program_change)
