"""The demo step of Measure: after every other app's step, the demo organizations' facts and
rollups are built from their calls, so the dashboard opens on a year of figures."""

from __future__ import annotations

from pmhc.demo.context import DemoContext

# The program change the demo was generated with: its own module, which registers its step when
# imported, so first here too, whichever module is imported first.
from pmhc.evaluation import demo_changes  # noqa: F401  # isort: skip
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
