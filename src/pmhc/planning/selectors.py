"""Every read of Plan, narrowed to what the actor may see.

The pages open the plan of the actor's own organization: the first organization in which
the actor holds a role that reads plans (see ``models``). Anyone else gets the same 404 as a
page that does not exist. Coverage figures come from Train, after this module's own check,
through ``training.selectors.coverage_for_organization``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.http import Http404

from pmhc.planning import advisor, onemind, staffing
from pmhc.planning.audit_codes import PlanningAudit
from pmhc.planning.models import PLAN_READERS, PLAN_WRITERS, CommunityProfile, Pledge
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, Target, decide, restrict
from pmhc.platform.models import (
    AgreementStatus,
    Classification,
    DataSharingAgreement,
    Organization,
    OrganizationKind,
    Purpose,
)
from pmhc.platform.selectors import acting_organization
from pmhc.training.coverage import Coverage

ADMIN = Purpose.ADMINISTRATION


def plan_target(organization: Organization) -> Target:
    """An organization's plan as the policy sees it, whether or not a record exists yet."""
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_classification=Classification.AGENCY,
        access_write_roles=PLAN_WRITERS,
        access_read_roles=PLAN_READERS,
    )


def plan_organization(actor: Actor) -> Organization:
    """The acting organization, whose plan the actor works on; 404 when they may not read it."""
    organization = acting_organization(actor) if actor.role in PLAN_READERS else None
    if organization is None or not decide(actor, Action.VIEW, plan_target(organization), ADMIN):
        raise Http404("Not found")
    return organization


def can_edit(actor: Actor, organization: Organization) -> bool:
    return bool(decide(actor, Action.CHANGE, plan_target(organization), ADMIN))


def require_editor(actor: Actor) -> Organization:
    """The actor's organization, for the forms that change its plan; 404 for anyone else."""
    organization = plan_organization(actor)
    if not can_edit(actor, organization):
        raise Http404("Not found")
    return organization


def profile(actor: Actor, organization: Organization) -> CommunityProfile | None:
    return (
        restrict(actor, CommunityProfile.objects.all(), Action.VIEW, ADMIN)
        .filter(organization=organization)
        .first()
    )


def pledge(actor: Actor, organization: Organization) -> Pledge | None:
    return (
        restrict(actor, Pledge.objects.all(), Action.VIEW, ADMIN)
        .filter(organization=organization)
        .first()
    )


def coverage(organization: Organization, on: dt.date) -> Coverage | None:
    """Train's figures for the organization (callers have checked the plan's policy); None
    when nobody is on the roster yet."""
    from pmhc.training.selectors import coverage_for_organization

    figures = coverage_for_organization(organization, on)
    return figures if figures.sworn or figures.patrol or figures.dispatchers else None


@dataclass(frozen=True)
class PlanView:
    organization: Organization
    today: dt.date
    profile: CommunityProfile | None
    coverage: Coverage | None
    can_edit: bool


def plan_view(actor: Actor) -> PlanView:
    """What every Plan page starts from: the organization, its profile and Train's figures."""
    organization = plan_organization(actor)
    today = organization.today()
    return PlanView(
        organization=organization,
        today=today,
        profile=profile(actor, organization),
        coverage=coverage(organization, today),
        can_edit=can_edit(actor, organization),
    )


def advice(view: PlanView) -> advisor.Advice | None:
    if view.profile is None:
        return None
    return advisor.advise(advisor.facts_for(view.profile, view.coverage))


def staffing_plan(view: PlanView) -> list[staffing.ShiftStaffing]:
    if view.profile is None:
        return []
    return staffing.plan(view.profile, view.coverage)


#: Enough agreements to find the one in force; a program has a handful.
AGREEMENT_EVIDENCE_LIMIT = 50


def _agreements(actor: Actor, organization: Organization) -> list[onemind.AgreementEvidence]:
    """The organization's agreements with behavioral health organizations. That one is in
    force, with whom and between which dates is what the pledge asks about, and every reader
    of the plan sees it. The agreement's title is shown only to those who may manage it
    (``Action.MANAGE``, as on the platform's own agreement pages); the others see no title.
    Only versions that every party accepted count: a proposal is not a partnership."""
    agreements = (
        DataSharingAgreement.objects.filter(parties=organization, status=AgreementStatus.IN_FORCE)
        .filter(parties__kind=OrganizationKind.BEHAVIORAL_HEALTH)
        .prefetch_related("parties")
        .distinct()
        .order_by("-effective_on", "title")[:AGREEMENT_EVIDENCE_LIMIT]
    )
    return [
        onemind.AgreementEvidence(
            title=a.title if decide(actor, Action.MANAGE, a, ADMIN) else None,
            partners=tuple(
                sorted(
                    p.name
                    for p in a.parties.all()
                    if p.pk != organization.pk and p.kind == OrganizationKind.BEHAVIORAL_HEALTH
                )
            ),
            effective_on=a.effective_on,
            ends_on=a.ends_on,
        )
        for a in agreements
    ]


def tracker(actor: Actor) -> tuple[PlanView, Pledge | None, onemind.Tracker]:
    """The One Mind tracker of the actor's organization, from live evidence."""
    view = plan_view(actor)
    record = pledge(actor, view.organization)
    policy = (
        onemind.PolicyEvidence(
            title=record.policy_title,
            adopted_on=record.policy_adopted_on,
            has_file=bool(record.policy_file),
        )
        if record is not None
        else None
    )
    return (
        view,
        record,
        onemind.evaluate(
            today=view.today,
            pledged_on=record.pledged_on if record else None,
            agreements=_agreements(actor, view.organization),
            policy=policy,
            coverage=view.coverage,
        ),
    )


@transaction.atomic
def policy_file(actor: Actor) -> Pledge:
    """The pledge record whose policy document is about to be streamed; the download is
    audited (POLICY_FILE_READ)."""
    organization = plan_organization(actor)
    record = pledge(actor, organization)
    if record is None or not record.policy_file:
        raise Http404("Not found")
    audit.record_read(
        PlanningAudit.POLICY_FILE_READ,
        actor=actor,
        organization_id=organization.pk,
        obj=record,
        purpose=ADMIN,
    )
    return record
