"""The demo step of Measure: after every other app's step, the demo organizations' facts and
rollups are built from their calls, so the dashboard opens on a year of figures."""

from __future__ import annotations

from pmhc.demo.context import DemoContext
from pmhc.demo.registry import register_step
from pmhc.dispatch.models import Call
from pmhc.evaluation import rollup_services


def step_rollups(ctx: DemoContext) -> None:
    for organization in ctx.organizations.values():
        if not Call.objects.filter(organization=organization).exists():
            continue
        outcome = rollup_services.rebuild(ctx.actor, organization=organization)
        ctx.log(f"  Measure: {organization.name}: {outcome.summary}")


register_step(step_rollups)

# The program change the demo was generated with (its own module, registered on import).
from pmhc.evaluation import demo_changes  # noqa: E402, F401
