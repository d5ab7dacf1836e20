"""The issue's done-when: after the demo is built (its calls, reports and facts), the
before-and-after analysis on the demo's program change finds the level change the demo was
generated with inside its interval, and the CIT comparison finds CIT officers arresting less."""

from __future__ import annotations

import datetime as dt

from pmhc.demo import generator
from pmhc.dispatch.demo import CO_RESPONDER_LEVEL_CHANGE
from pmhc.evaluation import analysis_selectors
from pmhc.evaluation.demo_changes import NAME
from pmhc.evaluation.metrics import BY_KEY
from pmhc.evaluation.models import ProgramChange
from pmhc.platform.access import actor_for_user


def test_the_demo_program_change_shows_the_generated_jump(db) -> None:
    # The demo is built on today (its follow-ups fall due today), so its draw moves with the
    # calendar; a 95% interval misses the truth on about one draw in twenty
    # (``test_demo_change`` checks a fixed draw, ``test_analysis_statistics`` the coverage).
    ctx = generator.build(password="demo-password-for-tests", log=lambda _: None)
    pd = ctx.organizations["pd"]
    change = ProgramChange.objects.get(organization=pd)
    assert (change.name, change.started_on) == (NAME, ctx.program_start)
    coordinator = actor_for_user(ctx.users["coordinator"])
    analysis = analysis_selectors.before_after(
        coordinator, pd.pk, change=change, metric=BY_KEY["clinician"]
    )
    result = analysis.result
    assert result.level_change is not None, result.reason
    assert result.level_change.contains(CO_RESPONDER_LEVEL_CHANGE), (
        result.level_change,
        CO_RESPONDER_LEVEL_CHANGE,
    )
    assert result.level_change.low > 0
    assert result.periods_before >= 25 and result.periods_after >= 25
    comparison = analysis_selectors.cit_comparison(
        coordinator, pd.pk, since=ctx.today - dt.timedelta(days=366), until=ctx.today
    )
    arrested = next(o for o in comparison.outcomes if o.key == "arrested").result
    assert arrested.odds_ratio is not None, arrested.reason
    assert arrested.odds_ratio.high < 1
