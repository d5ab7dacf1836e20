"""Reads of assessments, answers, agreed ratings and action plans, narrowed to what the actor
may see.

- A program's assessments, their combined answers, reports and plans: the coordinators,
  administrators, supervisors and analysts of the program's organization (the policy, with
  ``access_read_roles``); a partner only under an agreement in force that covers agency data
  for evaluation. Anyone else gets the same 404 as for an assessment that does not exist.
- A respondent's own answers: the invited account, signed in, or the holder of the private
  link (quick sittings and people invited without an account).
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from pmhc.assessment import instrument as instrument_module
from pmhc.assessment import scoring
from pmhc.assessment.instrument import Edition
from pmhc.assessment.models import (
    OPEN_ACTION_STATUSES,
    AgreedRating,
    Answer,
    Assessment,
    AssessmentStatus,
    EditionStatus,
    Instrument,
    Mode,
    PlanAction,
    Respondent,
)
from pmhc.assessment.services import hash_token
from pmhc.platform.access import (
    Action,
    Actor,
    Target,
    decide,
    get_or_404,
    restrict,
)
from pmhc.platform.models import Organization, Purpose
from pmhc.toolkit.models import LearningSite, LibraryItem
from pmhc.toolkit.selectors import content as toolkit_content
from pmhc.toolkit.selectors import sites as toolkit_sites

ADMIN = Purpose.ADMINISTRATION


# --- The instrument (public) -----------------------------------------------------------------


def published_editions() -> QuerySet[Instrument]:
    return Instrument.objects.filter(status=EditionStatus.PUBLISHED).order_by("-edition")


def edition_page(number: int) -> Instrument:
    found = Instrument.objects.filter(edition=number, status=EditionStatus.PUBLISHED).first()
    if found is None:
        raise Http404("Not found")
    return found


def draft_edition() -> Instrument | None:
    return Instrument.objects.filter(status=EditionStatus.DRAFT).first()


def edition_of_instrument(instrument: Instrument) -> Edition:
    return instrument_module.read(instrument.content)


def edition_of(assessment: Assessment) -> Edition:
    return edition_of_instrument(assessment.instrument)


# --- Respondents -----------------------------------------------------------------------------


def _respondents() -> QuerySet[Respondent]:
    return Respondent.objects.select_related(
        "assessment", "assessment__instrument", "assessment__organization"
    )


def respondent_by_token(token: str) -> Respondent:
    """A quick sitting's or an account-less invitee's respondent, by their private link."""
    digest = hash_token(token)
    found = _respondents().filter(token_hash=digest, user__isnull=True).first()
    if found is None or not secrets.compare_digest(found.token_hash, digest):
        raise Http404("Not found")
    return found


def respondent_for_user(actor: Actor, pk: int) -> Respondent:
    """An invitation addressed to the signed-in account."""
    if actor.user_id is None:
        raise Http404("Not found")
    found = _respondents().filter(pk=pk, user_id=actor.user_id).first()
    if found is None:
        raise Http404("Not found")
    return found


def waiting_for(actor: Actor) -> list[Respondent]:
    """Open committee assessments the signed-in person is invited to answer."""
    if actor.user_id is None:
        return []
    return list(
        _respondents()
        .filter(user_id=actor.user_id, assessment__status=AssessmentStatus.OPEN)
        .order_by("-invited_at")
    )


def ratings_of(respondent: Respondent) -> dict[str, Answer]:
    return {a.item_key: a for a in respondent.answers.all()}


@dataclass(frozen=True)
class AnswerSheet:
    respondents: list[Respondent]
    answers: list[Answer]
    agreed: list[AgreedRating]


def answer_sheet(assessment: Assessment) -> AnswerSheet:
    """Everything answered in an assessment, for its CSV. The caller reached the assessment
    through the policy (a program's) or by its private link (a quick sitting)."""
    return AnswerSheet(
        respondents=list(assessment.respondents.all()),
        answers=list(Answer.objects.filter(respondent__assessment=assessment)),
        agreed=list(assessment.agreed_ratings.all()),
    )


def _rated(row: Answer | AgreedRating) -> scoring.Rated:
    return scoring.Rated(rating=row.rating, dont_know=row.dont_know)


# --- A program's assessments -----------------------------------------------------------------


def _own_organizations_where(actor: Actor, action: Action, target: Target) -> list[Organization]:
    """The actor's organizations for which the policy allows ``action`` on records like
    ``target`` (its organization is filled in for each)."""
    return [
        organization
        for organization in Organization.objects.filter(pk__in=actor.organization_ids)
        if decide(
            actor,
            action,
            Target(
                organization_ids=frozenset({organization.pk}),
                access_write_roles=target.access_write_roles,
                access_read_roles=target.access_read_roles,
            ),
            ADMIN,
        )
    ]


def programs_for(actor: Actor) -> list[Organization]:
    """The organizations whose assessments the actor may open."""
    return _own_organizations_where(
        actor,
        Action.CREATE,
        Target(frozenset(), access_write_roles=Assessment.access_write_roles),
    )


def program_assessments(actor: Actor) -> QuerySet[Assessment]:
    committee = Assessment.objects.filter(mode=Mode.COMMITTEE).select_related(
        "organization", "instrument"
    )
    return (
        restrict(actor, committee, Action.VIEW, ADMIN)
        .annotate(
            invited=Count("respondents", distinct=True),
            answered=Count(
                "respondents", filter=Q(respondents__submitted_at__isnull=False), distinct=True
            ),
        )
        .order_by("organization__name", "-opened_at", "-pk")
    )


def assessment_for(actor: Actor, pk: int, action: Action = Action.VIEW) -> Assessment:
    queryset = Assessment.objects.filter(mode=Mode.COMMITTEE).select_related(
        "organization", "instrument"
    )
    return get_or_404(actor, queryset, action, ADMIN, pk=pk)


def may_change(actor: Actor, assessment: Assessment) -> bool:
    return bool(decide(actor, Action.CHANGE, assessment, ADMIN))


def respondents_of(assessment: Assessment) -> list[Respondent]:
    """For the coordinator's overview (the caller has the assessment through the policy)."""
    return list(
        assessment.respondents.annotate(answer_count=Count("answers")).order_by("invited_at", "pk")
    )


def agreed_of(assessment: Assessment) -> dict[str, AgreedRating]:
    return {a.item_key: a for a in assessment.agreed_ratings.all()}


def combined(assessment: Assessment) -> list[scoring.ItemSpread]:
    """Every respondent's answers, item by item, with the committee's agreed rating."""
    responses: dict[str, list[scoring.Response]] = defaultdict(list)
    answers = Answer.objects.filter(respondent__assessment=assessment).select_related("respondent")
    for answer in answers:
        responses[answer.item_key].append(
            scoring.Response(answer.respondent.perspective, _rated(answer))
        )
    agreed = {key: _rated(row) for key, row in agreed_of(assessment).items()}
    return scoring.spread(edition_of(assessment), responses, agreed)


def report_for(assessment: Assessment) -> scoring.Report:
    """A quick sitting scores its one respondent; a committee assessment scores the ratings
    the committee agreed."""
    if assessment.mode == Mode.QUICK:
        respondent = assessment.respondents.first()
        rows: dict[str, Answer | AgreedRating] = dict(ratings_of(respondent)) if respondent else {}
    else:
        rows = dict(agreed_of(assessment))
    return scoring.score(edition_of(assessment), {k: _rated(v) for k, v in rows.items()})


def comparable(actor: Actor, assessment: Assessment) -> list[Assessment]:
    """The same program's other assessments, to compare with."""
    return list(
        program_assessments(actor)
        .filter(organization=assessment.organization)
        .exclude(pk=assessment.pk)
    )


# --- Help for the gaps (public toolkit content) ----------------------------------------------


@dataclass(frozen=True)
class Help:
    library: list[LibraryItem]
    sites: list[LearningSite]


def help_for(report: scoring.Report) -> dict[int, Help]:
    """For each element with a gap: published library items tagged with it and active learning
    sites whose specialties address it."""
    found: dict[int, Help] = {}
    for element in report.elements:
        if not (element.gaps or element.is_gap):
            continue
        sites: dict[int, LearningSite] = {}
        for code in element.element.specialties:
            for site in toolkit_sites.active_sites(toolkit_sites.SiteFilters(specialty=code)):
                sites.setdefault(site.pk, site)
        found[element.element.number] = Help(
            library=toolkit_content.published_library(element=element.element.number)[:5],
            sites=sorted(sites.values(), key=lambda s: (s.state, s.agency))[:5],
        )
    return found


# --- The action plan -------------------------------------------------------------------------


def plan_organizations(actor: Actor) -> list[Organization]:
    """Organizations whose plan the actor may read (their own, by role)."""
    return _own_organizations_where(
        actor, Action.VIEW, Target(frozenset(), access_read_roles=PlanAction.access_read_roles)
    )


def plan(actor: Actor, organization: Organization) -> list[PlanAction]:
    queryset = PlanAction.objects.filter(organization=organization).select_related(
        "organization", "assessment"
    )
    return list(restrict(actor, queryset, Action.VIEW, ADMIN).order_by("element", "due_on", "pk"))


def action_for(actor: Actor, pk: int, action: Action = Action.CHANGE) -> PlanAction:
    queryset = PlanAction.objects.select_related("organization", "assessment")
    return get_or_404(actor, queryset, action, ADMIN, pk=pk)


@dataclass(frozen=True)
class PlanProgress:
    total: int
    done: int
    in_progress: int
    not_started: int
    dropped: int
    overdue: int

    @property
    def percent_done(self) -> int | None:
        counted = self.total - self.dropped
        return round(100 * self.done / counted) if counted else None


def is_overdue(action: PlanAction) -> bool:
    return action.is_open and action.due_on < action.organization.today()


def progress(actions: list[PlanAction]) -> PlanProgress:
    return PlanProgress(
        total=len(actions),
        done=sum(1 for a in actions if a.status == "done"),
        in_progress=sum(1 for a in actions if a.status == "in_progress"),
        not_started=sum(1 for a in actions if a.status == "planned"),
        dropped=sum(1 for a in actions if a.status == "dropped"),
        overdue=sum(1 for a in actions if is_overdue(a)),
    )


def overdue_count(actor: Actor) -> int:
    """Open actions past their due date in the actor's programs, for the Assess home page."""
    actions = restrict(
        actor,
        PlanAction.objects.filter(status__in=OPEN_ACTION_STATUSES).select_related("organization"),
        Action.VIEW,
        ADMIN,
    )
    return sum(1 for a in actions if is_overdue(a))
