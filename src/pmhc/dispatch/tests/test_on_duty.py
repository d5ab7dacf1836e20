"""Who is on duty: shifts across midnight, teams by day and hour, CIT officers from Train."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from pmhc.dispatch import selectors
from pmhc.dispatch.models import DutyShift, Team, TeamKind
from pmhc.dispatch.tests.helpers import cit_officer_on_duty, member, whole_day_shifts
from pmhc.platform.models import Role
from pmhc.training.models import TraineeRole
from pmhc.training.selectors import cit_certified_user_ids, cit_officers_on_shift
from pmhc.training.tests.factories import TraineeFactory, certify

pytestmark = pytest.mark.django_db
CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def shift(name, starts, ends):
    return DutyShift(name=name, starts_at=dt.time(starts), ends_at=dt.time(ends))


def name_at(shifts, clock):
    found = selectors.current_shift(shifts, clock)
    return found.name if found is not None else None


def test_current_shift_handles_midnight_and_handovers():
    shifts = [shift("Day", 6, 14), shift("Evening", 14, 22), shift("Night", 22, 6)]
    assert name_at(shifts, dt.time(23, 30)) == "Night"
    assert name_at(shifts, dt.time(3)) == "Night"
    assert name_at(shifts, dt.time(6)) == "Day"
    overlap = [shift("Day", 6, 15), shift("Evening", 14, 22)]
    assert name_at(overlap, dt.time(14, 30)) == "Evening"
    assert selectors.current_shift([shift("Day", 6, 14)], dt.time(15)) is None


def test_team_hours_past_midnight_belong_to_the_day_they_began():
    team = Team(kind="mobile_crisis", days=[4], starts_at=dt.time(20), ends_at=dt.time(2))
    friday_night = dt.datetime(2026, 11, 27, 23, 0, tzinfo=CHICAGO)  # a Friday
    assert selectors.team_on_duty(team, friday_night)
    assert selectors.team_on_duty(team, friday_night + dt.timedelta(hours=3, minutes=30)) is False
    assert selectors.team_on_duty(team, friday_night + dt.timedelta(hours=2))
    assert selectors.team_on_duty(team, friday_night - dt.timedelta(days=1)) is False


def test_on_duty_lists_cit_officers_on_the_current_shift_and_teams(cast, django_assert_num_queries):
    officer = cit_officer_on_duty(cast.agency, district="East")
    off_shift = TraineeFactory.create(organization=cast.agency, shift="elsewhere")
    certify(off_shift, issued_on=timezone.localdate() - dt.timedelta(days=10))
    TraineeFactory.create(organization=cast.agency, shift=officer.shift)  # not certified
    Team.objects.create(
        organization=cast.agency,
        name="MCT",
        kind=TeamKind.MOBILE_CRISIS,
        days=list(range(7)),
        starts_at=dt.time(0),
        ends_at=dt.time(0),
    )
    Team.objects.create(
        organization=cast.agency,
        name="Retired",
        kind=TeamKind.MOBILE_CRISIS,
        days=list(range(7)),
        starts_at=dt.time(0),
        ends_at=dt.time(0),
        is_active=False,
    )
    # The stamp, the shifts, the teams, the published rules, the teams' statuses and the
    # officers; then, with the stamp unchanged, the stamp, the statuses and the officers.
    with django_assert_num_queries(6):
        selectors.on_duty(cast.agency)
    with django_assert_num_queries(3):
        duty = selectors.on_duty(cast.agency)
    assert duty.shift_name == officer.shift
    assert duty.cit_officers == [officer]
    assert [t.name for t in duty.teams] == ["MCT"]
    assert duty.availability.cit_on_shift
    assert duty.as_dict()["cit_officers"][0]["district"] == "East"


def test_cit_officers_on_shift_from_train(cast):
    whole_day_shifts(cast.agency)
    today = timezone.localdate()
    current = TraineeFactory.create(organization=cast.agency, shift="Day")
    certify(current, issued_on=today - dt.timedelta(days=5), expires_on=today + dt.timedelta(1))
    expired = TraineeFactory.create(organization=cast.agency, shift="Day")
    certify(expired, issued_on=today - dt.timedelta(days=500), expires_on=today)
    future = TraineeFactory.create(organization=cast.agency, shift="Day")
    certify(future, issued_on=today + dt.timedelta(days=3))
    inactive = TraineeFactory.create(organization=cast.agency, shift="Day", is_active=False)
    certify(inactive, issued_on=today - dt.timedelta(days=5))
    dispatcher = TraineeFactory.create(
        organization=cast.agency, shift="Day", role=TraineeRole.DISPATCHER
    )
    certify(dispatcher, issued_on=today - dt.timedelta(days=5))
    mhfa = TraineeFactory.create(organization=cast.agency, shift="Day")
    certify(mhfa, "mhfa", issued_on=today - dt.timedelta(days=5))
    other_org = TraineeFactory.create(organization=cast.outsider_org, shift="Day")
    certify(other_org, issued_on=today - dt.timedelta(days=5))
    assert cit_officers_on_shift(cast.agency, "Day", today) == [current]
    assert cit_officers_on_shift(cast.agency, "Night", today) == []
    assert cit_officers_on_shift(cast.agency, "", today) == []
    assert cit_officers_on_shift(cast.agency, "Day", today + dt.timedelta(days=3)) == [future]


def test_cit_certified_user_ids(cast, django_assert_num_queries):
    today = timezone.localdate()
    certified_user = member(cast.agency, Role.OFFICER)
    plain_user = member(cast.agency, Role.OFFICER)
    inactive_user = member(cast.agency, Role.OFFICER)
    certify(
        TraineeFactory.create(organization=cast.agency, user=certified_user),
        issued_on=today - dt.timedelta(days=30),
    )
    TraineeFactory.create(organization=cast.agency, user=plain_user)
    certify(
        TraineeFactory.create(organization=cast.agency, user=inactive_user, is_active=False),
        issued_on=today - dt.timedelta(days=30),
    )
    ids = [certified_user.pk, plain_user.pk, inactive_user.pk, cast.colleague.pk]
    with django_assert_num_queries(1):
        found = cit_certified_user_ids(cast.agency, ids, today)
    assert found == {certified_user.pk}
    assert cit_certified_user_ids(cast.outsider_org, ids, today) == set()
    assert cit_certified_user_ids(cast.agency, [], today) == set()
