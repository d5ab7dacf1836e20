"""The demo's program change: the co-responder team starts on the demo's program start, and
the before-and-after analysis finds the jump the generator made, inside its interval."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from pmhc.demo.context import PROGRAM_START_DAYS_AGO, DemoContext
from pmhc.dispatch.demo import (
    CO_RESPONDER_LEVEL_CHANGE,
    DISTRICTS,
    HOURLY,
    ROUTES,
    year_of_calls,
)
from pmhc.dispatch.models import Routing
from pmhc.evaluation import analysis_selectors
from pmhc.evaluation.demo_changes import NAME, step_program_change
from pmhc.evaluation.metrics import BY_KEY
from pmhc.evaluation.models import CallFact, ProgramChange
from pmhc.platform.access import actor_for_user, system_actor
from pmhc.platform.models import Role
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

#: The demo's own seed (``generator.build``) on a fixed day: the draw is then fixed too. A 95%
#: interval misses the truth on about one draw in twenty, so the test does not move with the
#: calendar; ``test_analysis_statistics`` checks how often the intervals cover over many draws.
SEED = 2026
TODAY = dt.date(2026, 11, 20)


def test_the_level_change_is_the_generators_own_figure() -> None:
    night = (HOURLY[23] + sum(HOURLY[:7])) / sum(HOURLY)
    share = dict(ROUTES)[Routing.CO_RESPONDER] / sum(w for _, w in ROUTES)
    expected = 100 * share * (1 - night / len(DISTRICTS))
    assert expected == pytest.approx(CO_RESPONDER_LEVEL_CHANGE)


def test_the_generated_calls_jump_at_the_program_start_and_the_analysis_finds_it(db) -> None:
    pd = OrganizationFactory.create(slug="example-pd", name="Example County PD")
    analyst = UserFactory.create(username="analyst")
    MembershipFactory.create(user=analyst, organization=pd, role=Role.ANALYST)
    ctx = DemoContext(
        seed=SEED,
        scale=1,
        password="unused",
        # The random source the demo's calls are drawn from (``DemoContext.shared_random``).
        rng=random.Random(f"{SEED}:operate"),
        actor=system_actor("demo"),
        today=TODAY,
        organizations={"pd": pd},
        log=lambda _: None,
    )
    assert ctx.program_start == TODAY - dt.timedelta(days=PROGRAM_START_DAYS_AGO)
    calls = [call for call, _row in year_of_calls(ctx, pd.zone)]
    days = [call.received_at.astimezone(pd.zone).date() for call in calls]
    before = [c for c, d in zip(calls, days, strict=True) if d < ctx.program_start]
    assert before and all(c.route != Routing.CO_RESPONDER for c in before)
    # A co-responder goes only to calls with a clinician on them: those the team answered.
    CallFact.objects.bulk_create(
        CallFact(
            organization=pd,
            call_id=number,
            month=day.replace(day=1),
            day=day,
            weekday=day.weekday(),
            mental_health=True,
            clinician=call.route == Routing.CO_RESPONDER,
        )
        for number, (call, day) in enumerate(zip(calls, days, strict=True), start=1)
    )
    step_program_change(ctx)
    change = ProgramChange.objects.get(organization=pd)
    assert (change.name, change.started_on) == (NAME, ctx.program_start)
    analysis = analysis_selectors.before_after(
        actor_for_user(analyst), pd.pk, change=change, metric=BY_KEY["clinician"]
    )
    level = analysis.result.level_change
    assert level is not None, analysis.result.reason
    assert level.contains(CO_RESPONDER_LEVEL_CHANGE), (level, CO_RESPONDER_LEVEL_CHANGE)
    assert level.low > 0
    assert analysis.result.periods_before >= 25 and analysis.result.periods_after >= 25
