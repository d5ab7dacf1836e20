"""Every read of response plans: the plan pages of those who write them, the plans that wait
for approval, and, for the dispatch side, the approved plans of a person and the two ways to
read one (the safety line alone, or the whole plan), each an audited read.

A plan is found from every record of its person: the record it was written about, and every
record that shares that record's identity (identity resolution). Following the identity at the
moment of reading, rather than copying it onto the plan, means a link or an undone link moves
nothing here.

Which plans a call may show, and for which purpose, is the dispatch side's to say
(``dispatch/plan_selectors.py``); these functions still ask the policy about every plan they
hand back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404, QueryDict
from django.utils import timezone

from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person
from pmhc.people.plan_models import (
    PLAN_WRITERS,
    RESPONSE_PLAN_DATA_CLASS,
    PlanStatus,
    ResponsePlan,
    ResponsePlanVersion,
    VersionStatus,
)
from pmhc.people.plan_services import PURPOSE, plan_target
from pmhc.platform import audit, keyset
from pmhc.platform.access import Action, Actor, allowed_organization_ids, decide, restrict
from pmhc.platform.models import Classification

#: How many versions a plan's history shows at most, newest first.
HISTORY_LIMIT = 50
#: How many approved plans one call may show (a call names a handful of people).
CALL_PLANS_LIMIT = 10
#: How many rows a page of the approval list shows.
QUEUE_PAGE = 25


@dataclass(frozen=True)
class SafetyLine:
    """The one line of a plan that a call-taker may see, as the policy sees it: safety data of
    the plan's holder, about its person, crossing only with their consent to share the plan."""

    plan: ResponsePlan

    @property
    def access_classification(self) -> str:
        return Classification.SAFETY

    @property
    def access_person_id(self) -> int:
        return self.plan.person_id

    @property
    def access_consent_class(self) -> str:
        return RESPONSE_PLAN_DATA_CLASS

    def access_organization_ids(self) -> frozenset[int]:
        return self.plan.access_organization_ids()


@dataclass(frozen=True)
class PlanNotice:
    """What a call-taker is shown: that an approved plan exists, its safety line, and whether
    it is past its review date."""

    plan_id: int
    holder: str
    safety_concern: str
    review_on: object
    out_of_date: bool


def can_write_plans(actor: Actor) -> bool:
    return actor.has_role(*PLAN_WRITERS) and bool(
        allowed_organization_ids(actor, Action.CREATE, PURPOSE, Classification.SAFETY)
    )


def may_write_for(actor: Actor, person: Person) -> bool:
    """Whether the actor may write a plan for ``person`` in their acting organization."""
    org = actor.organization_id
    if org is None:
        return False
    return bool(decide(actor, Action.CREATE, plan_target(org, person), PURPOSE)) and bool(
        decide(actor, Action.VIEW, person, PURPOSE)
    )


def _versions() -> QuerySet[ResponsePlanVersion]:
    return ResponsePlanVersion.objects.select_related("plan", "plan__organization")


def record_read(
    actor: Actor, version: ResponsePlanVersion, purpose: str, *, detail: str = ""
) -> None:
    """One audited read of a whole version (what was shown, for which purpose and call)."""
    audit.record_read(
        PeopleAudit.PLAN_READ,
        actor=actor,
        organization_id=version.plan.organization_id,
        purpose=purpose,
        obj=version,
        detail=detail or f"response plan {version.plan_id}, version {version.number}",
    )


@dataclass(frozen=True)
class PersonPlan:
    """A person's plan as its writers' page shows it."""

    plan: ResponsePlan | None
    approved: ResponsePlanVersion | None
    open_version: ResponsePlanVersion | None
    history: list[ResponsePlanVersion]
    out_of_date: bool


def person_plan(actor: Actor, person: Person) -> PersonPlan:
    """The acting organization's plan for ``person`` with its history, for those who write and
    manage it. The approved version and the one in the making are shown whole: audited reads.
    None if the actor may not read it."""
    if actor.organization_id is None:
        return PersonPlan(None, None, None, [], False)
    plan = (
        restrict(actor, ResponsePlan.objects.all(), Action.VIEW, PURPOSE)
        .filter(person=person, organization_id=actor.organization_id)
        .first()
    )
    if plan is None or not decide(actor, Action.VIEW, plan, PURPOSE):
        return PersonPlan(None, None, None, [], False)
    history = list(_versions().filter(plan=plan).order_by("-number")[:HISTORY_LIMIT])
    approved = next((v for v in history if v.pk == plan.approved_version_id), None)
    open_version = next(
        (v for v in history if v.status in {VersionStatus.DRAFT, VersionStatus.SUBMITTED}), None
    )
    for shown in (approved, open_version):
        if shown is not None:
            record_read(actor, shown, PURPOSE)
    out_of_date = approved is not None and approved.is_out_of_date()
    return PersonPlan(plan, approved, open_version, history, out_of_date)


def version_detail(actor: Actor, pk: int) -> ResponsePlanVersion:
    """One version of a plan, from its history; an audited read. 404 if missing or not
    allowed."""
    version = restrict(actor, _versions(), Action.VIEW, PURPOSE).filter(pk=pk).first()
    if version is None or not decide(actor, Action.VIEW, version, PURPOSE):
        raise Http404("Not found")
    record_read(actor, version, PURPOSE)
    return version


def version_for_change(actor: Actor, pk: int) -> ResponsePlanVersion:
    """A version the actor may submit, approve or start the next draft from; 404 otherwise."""
    version = restrict(actor, _versions(), Action.CHANGE, PURPOSE).filter(pk=pk).first()
    if version is None or not decide(actor, Action.CHANGE, version, PURPOSE):
        raise Http404("Not found")
    return version


def plan_for_change(actor: Actor, pk: int) -> ResponsePlan:
    plan = (
        restrict(actor, ResponsePlan.objects.select_related("person"), Action.CHANGE, PURPOSE)
        .filter(pk=pk)
        .first()
    )
    if plan is None or not decide(actor, Action.CHANGE, plan, PURPOSE):
        raise Http404("Not found")
    return plan


def waiting_for_approval(actor: Actor, params: QueryDict) -> keyset.KeysetPage[ResponsePlanVersion]:
    """Versions waiting for approval in the organizations whose plans the actor may change,
    oldest first, a page at a time (the person's name is not shown here: a link leads to it)."""
    rows = (
        restrict(actor, _versions(), Action.CHANGE, PURPOSE)
        .filter(status=VersionStatus.SUBMITTED)
        .select_related("plan__person")
    )
    return keyset.paginate(
        rows, params, order=("submitted_at", "pk"), kinds=(dt.datetime, int), size=QUEUE_PAGE
    )


# --- For the dispatch side ------------------------------------------------------------------


def approved_plans_of(people: Iterable[Person]) -> list[ResponsePlan]:
    """The approved plans of these people, found through each record and its identity; not
    yet checked against any actor. One query."""
    people = list(people)
    ids = sorted({p.pk for p in people})
    identities = sorted({p.identity_id for p in people if p.identity_id is not None})
    if not ids:
        return []
    found = Q(person_id__in=ids)
    if identities:
        found |= Q(person__identity_id__in=identities)
    return list(
        ResponsePlan.objects.filter(found, status=PlanStatus.APPROVED)
        .select_related("approved_version", "organization")
        .order_by("pk")[:CALL_PLANS_LIMIT]
    )


def approved_plans_on_call(call_id: int) -> list[ResponsePlan]:
    """The approved plans of the people recorded on a call (``approved_plans_of``). Two
    queries."""
    people = Person.objects.filter(calls__call_id=call_id).only("pk", "identity_id")
    return approved_plans_of(people[:CALL_PLANS_LIMIT])


def safety_lines(
    actor: Actor, plans: Iterable[ResponsePlan], purpose: str, *, detail: str
) -> list[PlanNotice]:
    """The safety line of each plan the actor may see it of; each shown one is an audited
    read naming ``detail`` (the call it was read for)."""
    today = timezone.localdate()
    notices = []
    for plan in plans:
        version = plan.approved_version
        if version is None or not decide(actor, Action.VIEW, SafetyLine(plan), purpose):
            continue
        audit.record_read(
            PeopleAudit.PLAN_SAFETY_LINE_READ,
            actor=actor,
            organization_id=plan.organization_id,
            purpose=purpose,
            obj=version,
            detail=detail,
        )
        notices.append(
            PlanNotice(
                plan_id=plan.pk,
                holder=plan.organization.name,
                safety_concern=version.safety_concern,
                review_on=version.review_on,
                out_of_date=version.is_out_of_date(today),
            )
        )
    return notices


def read_approved(
    actor: Actor, plan: ResponsePlan, purpose: str, *, detail: str
) -> ResponsePlanVersion:
    """The approved version of ``plan``, whole, if the actor may read it for ``purpose``: an
    audited read naming ``detail``. 404 otherwise."""
    version = plan.approved_version
    if (
        version is None
        or plan.status != PlanStatus.APPROVED
        or not decide(actor, Action.VIEW, plan, purpose)
    ):
        raise Http404("Not found")
    version.plan = plan  # the plan at hand, not read again
    record_read(actor, version, purpose, detail=detail)
    return version
