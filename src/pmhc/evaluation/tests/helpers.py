"""Rollup rows made by hand for Measure's page tests (the rollup builder has its own tests)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pmhc.evaluation import rollup_selectors, rollup_services
from pmhc.evaluation.models import DETAIL, DIMENSIONS, Grain, Rollup
from pmhc.platform import dates
from pmhc.platform.models import Membership, Organization, Role, User
from pmhc.platform.tests.factories import MembershipFactory, UserFactory


def last_full_months(organization: Organization, count: int = 12) -> list[dt.date]:
    this_month = organization.today().replace(day=1)
    return [dates.add_months(this_month, -n) for n in range(count, 0, -1)]


def rollup(organization: Organization, period: dt.date, **counts: Any) -> Rollup:
    """One month's rollup row; ``calls`` defaults to ``mental_health``. The month's rows of
    totals and per dimension are summed again, as the rollups' builder keeps them."""
    counts.setdefault("calls", counts.get("mental_health", 0))
    row = Rollup.objects.create(
        organization=organization, grain=Grain.MONTH, period=period, **counts
    )
    summarize(organization, period)
    return row


def summarize(organization: Organization, period: dt.date, grain: Grain = Grain.MONTH) -> None:
    """Write the period's rows of totals and per single dimension again from its detail rows
    (for rows made by hand)."""
    rows = Rollup.objects.filter(organization=organization, grain=grain, period=period)
    rows.exclude(breakdown=DETAIL).delete()
    detail = list(rows.values("period", *DIMENSIONS, *rollup_selectors.COUNTS))
    Rollup.objects.bulk_create(
        Rollup(organization=organization, grain=grain, **row)
        for row in rollup_services.summaries(detail, rollup_selectors.COUNTS)
    )


def member(organization: Organization, role: Role, username: str) -> User:
    user = UserFactory.create(username=username)
    MembershipFactory.create(user=user, organization=organization, role=role)
    assert Membership.objects.filter(user=user).exists()
    return user
