"""Demo: Example County PD's committee self-assessment, with history.

A baseline about fourteen months ago (four respondents from the police department and the
behavioral health center, plus a family member invited without an account who never answered),
an action plan made from its gaps, and a follow-up about two months ago with the same committee
invited again. Law enforcement respondents rate a few items higher than their mental health
partners do, as committees often find; the follow-up is better where the plan's actions were
done, and a few items slipped. Every answer, rating and action is synthetic, drawn with the
demo's random source, and written through the services.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from pmhc.assessment import plan_services, services
from pmhc.assessment.instrument import Edition, Item
from pmhc.assessment.models import (
    ActionStatus,
    AgreedRating,
    Answer,
    Assessment,
    Perspective,
    PlanAction,
    Respondent,
)
from pmhc.assessment.selectors import edition_of
from pmhc.assessment.services import AnswerInput
from pmhc.demo.registry import register_reference_data, register_step
from pmhc.platform.access import actor_for_user
from pmhc.platform.dates import zone

if TYPE_CHECKING:
    from pmhc.demo.context import DemoContext

#: Demo users who answer; each answers from their organization's side.
RESPONDENTS = ("supervisor", "officer", "clinician", "case_manager")
PROFILE = {
    "jurisdiction_type": "county",
    "program_type": "cit",
}
OWNERS = (
    "CIT coordinator",
    "Patrol lieutenant",
    "Clinical director, behavioral health center",
    "Communications supervisor",
    "Training sergeant",
)
#: Statuses of the plan's actions, in order of the gaps they come from; the last open one is
#: past its due date.
PLAN = (
    ActionStatus.DONE,
    ActionStatus.DONE,
    ActionStatus.DONE,
    ActionStatus.IN_PROGRESS,
    ActionStatus.DONE,
    ActionStatus.IN_PROGRESS,
    ActionStatus.DROPPED,
    ActionStatus.PLANNED,
)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    from pmhc.demo.context import TIME_ZONE

    return dt.datetime.combine(day, dt.time(hour), tzinfo=zone(TIME_ZONE))


def _clamp(value: int) -> int:
    return max(0, min(3, value))


def _answers(
    ctx: DemoContext, edition: Edition, truth: dict[str, int], lean: dict[str, int]
) -> dict[str, AnswerInput]:
    """One respondent's view: the committee's eventual rating, give or take a step, shifted by
    ``lean`` on the items their side sees differently; now and then "don't know"."""
    answers = {}
    for item in edition.items:
        if ctx.rng.random() < 0.06:
            answers[item.key] = AnswerInput(dont_know=True)
            continue
        noise = ctx.rng.choice((-1, 0, 0, 0, 0, 1))
        answers[item.key] = AnswerInput(rating=_clamp(truth[item.key] + noise + lean[item.key]))
    return answers


def _sitting(
    ctx: DemoContext,
    assessment: Assessment,
    edition: Edition,
    truth: dict[str, int],
    divided: list[Item],
) -> None:
    """Each respondent with an account answers and sends; the coordinator agrees ``truth``."""
    for respondent in assessment.respondents.select_related("user").order_by("pk"):
        if respondent.user is None:
            continue  # invited by private link; has not answered
        police = respondent.perspective == Perspective.LAW_ENFORCEMENT
        lean = {item.key: 0 for item in edition.items}
        for item in divided:
            lean[item.key] = 1 if police else -1
        actor = actor_for_user(respondent.user)
        services.save_answers(
            actor, respondent=respondent, answers=_answers(ctx, edition, truth, lean)
        )
        services.submit_answers(actor, respondent=respondent)
    coordinator = actor_for_user(ctx.users["coordinator"])
    services.agree_ratings(
        coordinator,
        assessment=assessment,
        ratings={key: AnswerInput(rating=value) for key, value in truth.items()},
    )
    services.close_assessment(coordinator, assessment=assessment)


def _backdate(assessment: Assessment, opened: dt.datetime, closed: dt.datetime) -> None:
    """The services stamp everything "now"; the demo's history needs it in the past. Synthetic
    demo rows only: the audit trail keeps the real times it was written."""
    Assessment.objects.filter(pk=assessment.pk).update(opened_at=opened, closed_at=closed)
    Respondent.objects.filter(assessment=assessment).update(invited_at=opened)
    Respondent.objects.filter(assessment=assessment, submitted_at__isnull=False).update(
        submitted_at=opened + dt.timedelta(days=12)
    )
    Answer.objects.filter(respondent__assessment=assessment).update(
        updated_at=opened + dt.timedelta(days=10)
    )
    AgreedRating.objects.filter(assessment=assessment).update(agreed_at=closed)


def step(ctx: DemoContext) -> None:
    pd = ctx.organizations["pd"]
    coordinator = actor_for_user(ctx.users["coordinator"])
    baseline_day = ctx.today - dt.timedelta(days=425)
    follow_up_day = ctx.today - dt.timedelta(days=60)

    # The baseline.
    baseline = services.open_assessment(
        coordinator, organization=pd, title="Baseline assessment (synthetic)"
    )
    services.save_committee_profile(coordinator, assessment=baseline, answers=PROFILE)
    for username in RESPONDENTS:
        user = ctx.users[username]
        services.invite(coordinator, assessment=baseline, name=user.display_name, email=user.email)
    given, family = ctx.person_name()
    services.invite(
        coordinator,
        assessment=baseline,
        name=f"{given} {family}",
        email=f"{given}.{family}@demo.pmhc.invalid".lower(),
        organization_name=ctx.organizations["alliance"].name,
        perspective="lived_experience",
    )
    edition = edition_of(baseline)
    items = list(edition.items)
    truth = {item.key: ctx.rng.choice((0, 1, 1, 1, 2, 2, 2, 3)) for item in items}
    divided = ctx.rng.sample(items, 5)
    _sitting(ctx, baseline, edition, truth, divided)
    _backdate(baseline, _at(baseline_day), _at(baseline_day + dt.timedelta(days=30), 16))

    # The action plan, from the baseline's gaps.
    gaps = [item for item in items if truth[item.key] <= 1]
    chosen = sorted(ctx.rng.sample(gaps, len(PLAN)), key=lambda item: (item.element, item.code))
    done: list[Item] = []
    for number, (item, status) in enumerate(zip(chosen, PLAN, strict=True)):
        due = baseline_day + dt.timedelta(days=90 + 45 * number)
        if status in {ActionStatus.PLANNED, ActionStatus.IN_PROGRESS}:
            # Open actions: one already past its date, the others still ahead.
            due = ctx.today + dt.timedelta(days=-21 if status == ActionStatus.PLANNED else 60)
        action = plan_services.create_action(
            coordinator,
            organization=pd,
            assessment=baseline,
            element=item.element,
            item_key=item.key,
            title=item.next_step[:250],
            owner=ctx.rng.choice(OWNERS),
            due_on=due,
        )
        if status != ActionStatus.PLANNED:
            plan_services.update_action(
                coordinator,
                action=action,
                title=action.title,
                owner=action.owner,
                due_on=action.due_on,
                status=status,
            )
        if status == ActionStatus.DONE:
            done.append(item)
            # Done before its due date, in the demo's past (see ``_backdate``).
            PlanAction.objects.filter(pk=action.pk).update(
                completed_on=min(due, follow_up_day) - dt.timedelta(days=ctx.rng.randint(3, 20))
            )
        PlanAction.objects.filter(pk=action.pk).update(
            created_at=_at(baseline_day + dt.timedelta(days=35))
        )

    # The follow-up: better where the work was done, a few items slipped.
    follow_up = services.open_assessment(
        coordinator,
        organization=pd,
        title="Follow-up assessment (synthetic)",
        invite_again_from=baseline,
    )
    later = dict(truth)
    for item in done:
        later[item.key] = _clamp(truth[item.key] + ctx.rng.choice((1, 2)))
    worked_on = {item.element for item in done}
    untouched = [i for i in items if i.element not in worked_on and truth[i.key] >= 1]
    for item in ctx.rng.sample(untouched, 3):
        later[item.key] = truth[item.key] - 1
    _sitting(ctx, follow_up, edition, later, divided[:3])
    _backdate(follow_up, _at(follow_up_day), _at(follow_up_day + dt.timedelta(days=21), 16))

    ctx.log(
        f"  assessment: a baseline and a follow-up for {pd.name}, "
        f"{len(PLAN)} actions in its plan ({len(done)} done)"
    )


register_reference_data("pmhc.assessment.migrations.0002_first_edition", "publish_first_edition")
register_step(step, random="assessment")
