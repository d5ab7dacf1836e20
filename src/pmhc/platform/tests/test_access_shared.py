"""Shared records written by more than their holder: a referral's sending agency and its
receiving provider each write only the fields and transitions the record grants them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from pmhc.platform.access import Action, Target, actor_for_user, decide, require
from pmhc.platform.models import Classification as C
from pmhc.platform.models import Purpose as P
from pmhc.platform.models import Role as R
from pmhc.platform.tests.factories import (
    AgreementFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

CM = P.CASE_MANAGEMENT
SENDER_WRITES = frozenset({"reason", "urgency", "cancel"})
PROVIDER_WRITES = frozenset({"status", "accept", "decline", "close"})


@pytest.fixture
def world(db):
    """The agency holds the referral; the provider receives it; the partner shares personal
    data with the agency under an agreement but takes no part in the referral."""
    today = timezone.localdate()
    orgs = {
        slug: OrganizationFactory.create(slug=slug) for slug in ("agency", "provider", "partner")
    }
    AgreementFactory.create(
        parties=[orgs["agency"], orgs["partner"]],
        classifications=[C.PERSONAL],
        purposes=[CM],
        effective_on=today - dt.timedelta(days=5),
        ends_on=None,
    )
    actors = {}
    for slug, org in orgs.items():
        for role in (R.COORDINATOR, R.CASE_MANAGER, R.ANALYST):
            user = UserFactory.create(username=f"{slug}-{role}")
            MembershipFactory.create(user=user, organization=org, role=role)
            actors[(slug, role)] = actor_for_user(user)
    referral = Target(
        organization_ids=frozenset({orgs["agency"].pk}),
        access_classification=C.PERSONAL,
        participants={orgs["agency"].pk: SENDER_WRITES, orgs["provider"].pk: PROVIDER_WRITES},
    )
    return actors, referral


# (organization, role, fields, transition, allowed)
TABLE = [
    ("provider", R.CASE_MANAGER, ["status"], None, True),
    ("provider", R.CASE_MANAGER, None, "close", True),
    ("provider", R.CASE_MANAGER, ["status"], "accept", True),
    ("provider", R.CASE_MANAGER, ["reason"], None, False),
    ("provider", R.CASE_MANAGER, ["status", "reason"], None, False),
    ("provider", R.CASE_MANAGER, None, "cancel", False),
    ("provider", R.CASE_MANAGER, None, None, False),
    ("provider", R.ANALYST, ["status"], None, False),
    ("agency", R.COORDINATOR, ["reason", "urgency"], None, True),
    ("agency", R.COORDINATOR, None, "cancel", True),
    ("agency", R.COORDINATOR, ["status"], None, False),
    ("agency", R.COORDINATOR, None, "close", False),
    ("agency", R.COORDINATOR, None, None, False),
    ("agency", R.ANALYST, ["reason"], None, False),
    ("partner", R.CASE_MANAGER, ["status"], None, False),
    ("partner", R.COORDINATOR, ["reason"], None, False),
    ("partner", R.CASE_MANAGER, None, "close", False),
]


@pytest.mark.parametrize(("org", "role", "fields", "transition", "allowed"), TABLE)
def test_each_participant_writes_only_its_part(world, org, role, fields, transition, allowed):
    actors, referral = world
    decision = decide(
        actors[(org, role)], Action.CHANGE, referral, CM, fields=fields, transition=transition
    )
    assert decision.allowed is allowed, decision.reason
    assert decision.reason


def test_taking_part_grants_no_reads_and_no_other_writes(world):
    actors, referral = world
    provider = actors[("provider", R.CASE_MANAGER)]
    # No agreement covers the agency's personal data for the provider: it may update the
    # status it was given, and reads nothing the policy does not grant it.
    for purpose in P:
        assert not decide(provider, Action.VIEW, referral, purpose)
        assert not decide(provider, Action.EXPORT, referral, purpose)
    for action in (Action.CREATE, Action.DELETE, Action.MANAGE):
        assert not decide(provider, action, referral, CM)
    # The partner reads it under its agreement, and still writes nothing.
    partner = actors[("partner", R.CASE_MANAGER)]
    assert decide(partner, Action.VIEW, referral, CM)
    assert not decide(partner, Action.CHANGE, referral, CM, fields=["status"])
    # The holder keeps its own reads.
    assert decide(actors[("agency", R.COORDINATOR)], Action.VIEW, referral, CM)


def test_a_participants_write_needs_its_role_grant_and_purpose(world):
    actors, referral = world
    provider = actors[("provider", R.CASE_MANAGER)]
    assert not decide(provider, Action.CHANGE, referral, P.EVALUATION, fields=["status"])
    narrowed = Target(
        organization_ids=referral.organization_ids,
        access_classification=C.PERSONAL,
        participants=referral.participants,
        access_write_roles=frozenset({R.COORDINATOR}),
    )
    assert not decide(provider, Action.CHANGE, narrowed, CM, fields=["status"])
    assert decide(
        actors[("provider", R.COORDINATOR)], Action.CHANGE, narrowed, CM, transition="close"
    )


def test_require_gives_404_for_a_write_outside_ones_part(world):
    from django.http import Http404

    actors, referral = world
    with pytest.raises(Http404):
        require(
            actors[("provider", R.CASE_MANAGER)], Action.CHANGE, referral, CM, fields=["reason"]
        )
    assert require(
        actors[("provider", R.CASE_MANAGER)], Action.CHANGE, referral, CM, fields=["status"]
    )
