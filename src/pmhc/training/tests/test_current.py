"""One rule for a certification current on a date: the query and the check of a fetched
certification agree on every edge."""

from __future__ import annotations

import datetime as dt

import pytest

from pmhc.conftest import Cast
from pmhc.training.models import Certification
from pmhc.training.tests.factories import TraineeFactory, certify

pytestmark = pytest.mark.django_db
ON = dt.date(2026, 6, 15)


@pytest.mark.parametrize(
    ("issued_on", "expires_on", "current"),
    [
        (ON, None, True),  # issued that day, never expires
        (ON + dt.timedelta(days=1), None, False),  # not issued yet
        (ON - dt.timedelta(days=400), ON + dt.timedelta(days=1), True),
        (ON - dt.timedelta(days=400), ON, False),  # expires that day: no longer current
        (ON - dt.timedelta(days=400), ON - dt.timedelta(days=1), False),
    ],
)
def test_current_on(
    cast: Cast, issued_on: dt.date, expires_on: dt.date | None, current: bool
) -> None:
    cert = certify(
        TraineeFactory.create(organization=cast.agency),
        issued_on=issued_on,
        expires_on=expires_on,
    )
    assert cert.is_current_on(ON) is current
    assert Certification.objects.current_on(ON).filter(pk=cert.pk).exists() is current
