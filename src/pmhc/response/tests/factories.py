"""Test helpers for response: a call to report on, and the extra members the tests need."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from pmhc.dispatch.models import Call
from pmhc.platform.models import Organization, Role, User
from pmhc.platform.tests.factories import MembershipFactory, UserFactory

_numbers = itertools.count(1)


def make_call(organization: Organization, *, hours_ago: float = 2) -> Call:
    """A call row for the tests' setup only (the app itself records calls through
    ``dispatch.services``)."""
    return Call.objects.create(
        organization=organization,
        cad_event_id=f"T-{next(_numbers):06d}",
        received_at=timezone.now() - dt.timedelta(hours=hours_ago),
        address="100 Main St",
        is_mental_health=True,
    )


def member(organization: Organization, role: Role, username: str | None = None) -> User:
    user = UserFactory.create(**({"username": username} if username else {}))
    MembershipFactory.create(user=user, organization=organization, role=role)
    return user
