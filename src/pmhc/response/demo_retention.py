"""Demo step: the demo police department keeps calls and encounter reports for 300 days, the
product's own choice for the demo within the bounds (180 days to ten years), so that the oldest
two months or so of its year of history are past the schedule and ``pmhc purge --dry-run``
has something to list. Nothing is purged here: the demo keeps its whole year until someone
runs the purge (or a worker runs it, daily)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pmhc.dispatch.retention import CALLS
from pmhc.platform import retention_selectors, retention_services
from pmhc.response.retention import ENCOUNTERS

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

DEMO_DAYS = 300


def step(ctx: DemoContext) -> None:
    pd = ctx.organizations["pd"]
    retention_services.set_schedules(
        ctx.actor, organization=pd, days={CALLS: DEMO_DAYS, ENCOUNTERS: DEMO_DAYS}
    )
    due = {
        line.kind.key: line.count
        for line in retention_selectors.due_lines(ctx.actor, [pd], sample=0)
    }
    ctx.log(
        f"  calls and reports kept {DEMO_DAYS} days: {due[CALLS]} calls and "
        f"{due[ENCOUNTERS]} reports past it, listed by pmhc purge --dry-run"
    )
