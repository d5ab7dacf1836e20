"""The demo's plan for Example County PD: a community profile sized from the training roster
(the Train step runs first), a One Mind pledge taken some 20 months ago and a model policy
adopted under it, so the tracker shows a realistic partial status: the partnership (the
agreement with the behavioral health center in force) and the policy met, CIT and Mental
Health First Aid training in progress. Every figure is synthetic."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.files.uploadedfile import SimpleUploadedFile

from pmhc.demo.registry import register_step
from pmhc.planning import services
from pmhc.platform.dates import add_months

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

#: Mental health calls by hour of day (00:00 first): fewest before dawn, most in the late
#: afternoon and evening; a shape, not a measurement.
HOURLY = (
    3, 2, 2, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 7, 7, 8, 8, 8, 7, 7, 6, 5, 4, 3,
)  # fmt: skip
#: Monday first.
WEEKDAY = (14, 14, 14, 14, 15, 15, 14)

POLICY_TEXT = """Example County Police Department (synthetic demo document)

Response to people in a mental health crisis: model policy, as adopted.

1. Purpose. Officers respond to people in crisis safely and with respect, and connect them to
   care in place of jail where the law allows.
2. Dispatch. Call-takers ask about the behavior seen, danger to self or others, access to
   weapons and treatment history, and send a CIT-certified officer when one is on duty.
3. On scene. Officers de-escalate, take time where it is safe, and consider the least
   restrictive disposition.
4. Transfer. Officers hand people over at the receiving facility and record the time and
   method of the transfer.
5. Training. Every sworn officer completes crisis training; volunteers complete the 40-hour
   CIT course.

This text is synthetic and was written for the demo; it is not any agency's policy.
"""


def step(ctx: DemoContext) -> None:
    from pmhc.training.selectors import coverage_for_organization

    pd = ctx.organizations["pd"]
    roster = coverage_for_organization(pd, ctx.today)
    shifts = ("Day", "Evening", "Night")
    # Sized from the roster so Plan and Train tell the same story.
    sworn = roster.sworn or 36 * ctx.scale
    patrol_per_shift = max(1, round((roster.patrol or 30 * ctx.scale) / len(shifts)))
    calls = 100_000 * ctx.scale + ctx.rng.randint(0, 8_000)
    services.save_profile(
        ctx.actor,
        organization=pd,
        population=210_000 * ctx.scale,
        area_square_miles=Decimal("640.0"),
        setting="suburban",
        sworn_officers=sworn,
        patrol_per_shift=patrol_per_shift,
        shifts=list(shifts),
        first_shift_starts=7,
        districts=["North", "Central", "South", "East", "West"],
        calls_per_year=calls,
        mh_calls_per_year=round(calls * 0.06),
        mh_call_percent=None,
        hourly_pattern=list(HOURLY),
        weekday_pattern=list(WEEKDAY),
        on_scene_minutes=Decimal("48.0"),
        travel_minutes=Decimal("14.0"),
        has_crisis_line=True,
        has_mobile_crisis=True,
        has_receiving_center=False,
        has_co_responders=True,
        case_management_capacity=40,
        has_psychiatric_emergency=True,
        service_target_percent=80,
        answer_within_minutes=10,
        overflow_bound_percent=10,
        cit_available_percent=90,
    )
    pledged_on = add_months(ctx.today, -20)
    services.save_pledge(ctx.actor, organization=pd, pledged_on=pledged_on)
    services.record_policy(
        ctx.actor,
        organization=pd,
        title="Response to people in a mental health crisis (synthetic)",
        adopted_on=pledged_on + dt.timedelta(days=190),
        file=SimpleUploadedFile(
            "crisis-response-policy.txt", POLICY_TEXT.encode(), content_type="text/plain"
        ),
    )
    ctx.log(
        f"  community profile ({sworn} sworn, {patrol_per_shift} patrol per shift), "
        "One Mind pledge and model policy"
    )


# After training (the order of apps): the plan's profile is sized from the roster it builds.
register_step(step, random="planning")
