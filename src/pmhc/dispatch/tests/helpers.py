"""Test helpers for dispatch: members with a given role, a duty board that covers the whole
day, and an on-duty CIT officer on the shift that is current now."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from pmhc.dispatch import revisions
from pmhc.dispatch.models import DutyShift, Team, TeamKind
from pmhc.dispatch.selectors import current_shift, local_now
from pmhc.platform.models import Organization, Role, User
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.training.models import Trainee
from pmhc.training.tests.factories import TraineeFactory, certify

_numbers = itertools.count(1)


def member(organization: Organization, role: Role, username: str | None = None) -> User:
    user = UserFactory.create(**({"username": username} if username else {}))
    MembershipFactory.create(user=user, organization=organization, role=role)
    return user


def cad_id() -> str:
    return f"T-{next(_numbers):06d}"


def whole_day_shifts(organization: Organization) -> DutyShift:
    """Three eight-hour shifts covering the day (Night runs past midnight); returns the one
    that is on now on the agency's clock."""
    made = [
        DutyShift.objects.create(
            organization=organization, name="Day", starts_at=dt.time(6), ends_at=dt.time(14)
        ),
        DutyShift.objects.create(
            organization=organization, name="Evening", starts_at=dt.time(14), ends_at=dt.time(22)
        ),
        DutyShift.objects.create(
            organization=organization, name="Night", starts_at=dt.time(22), ends_at=dt.time(6)
        ),
    ]
    # Written directly, so the stamp the services would move is moved here.
    revisions.changed(organization.pk)
    shift = current_shift(made, local_now(organization).time())
    assert shift is not None
    return shift


def cit_officer_on_duty(
    organization: Organization, *, user: User | None = None, **fields: Any
) -> Trainee:
    """A CIT-certified patrol officer on the shift that is on now (shifts are created when
    the agency has none)."""
    shift = current_shift(
        list(DutyShift.objects.filter(organization=organization)), local_now(organization).time()
    ) or whole_day_shifts(organization)
    trainee = TraineeFactory.create(
        organization=organization, shift=shift.name, user=user, **fields
    )
    certify(trainee, issued_on=timezone.localdate() - dt.timedelta(days=400))
    return trainee


def team_all_week(organization: Organization, kind: str = TeamKind.CO_RESPONDER) -> Team:
    team = Team.objects.create(
        organization=organization,
        name=f"Team {next(_numbers)}",
        kind=kind,
        days=list(range(7)),
        starts_at=dt.time(0),
        ends_at=dt.time(0),
    )
    revisions.changed(organization.pk)
    return team
