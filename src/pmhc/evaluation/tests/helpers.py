"""Rollup rows made by hand for Measure's page tests (the rollup builder has its own tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pmhc.evaluation.models import Grain, Rollup
from pmhc.platform import dates
from pmhc.platform.models import Membership, Organization, Role, User
from pmhc.platform.tests.factories import MembershipFactory, UserFactory


def last_full_months(organization: Organization, count: int = 12) -> list[dt.date]:
    this_month = organization.today().replace(day=1)
    return [dates.add_months(this_month, -n) for n in range(count, 0, -1)]


def rollup(organization: Organization, period: dt.date, **counts: Any) -> Rollup:
    """One month's rollup row; ``calls`` defaults to ``mental_health``."""
    counts.setdefault("calls", counts.get("mental_health", 0))
    return Rollup.objects.create(
        organization=organization, grain=Grain.MONTH, period=period, **counts
    )


def member(organization: Organization, role: Role, username: str) -> User:
    user = UserFactory.create(username=username)
    MembershipFactory.create(user=user, organization=organization, role=role)
    assert Membership.objects.filter(user=user).exists()
    return user
