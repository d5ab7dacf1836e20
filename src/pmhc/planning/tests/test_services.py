"""Plan's services: refused for the wrong actor with nothing written, audited in the same
transaction, and the demo step."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from pmhc.planning import demo, services, staffing
from pmhc.planning.models import CommunityProfile, Pledge
from pmhc.planning.tests.conftest import make_profile, profile_values
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditEvent


@pytest.mark.parametrize("who", ["colleague", "partner_user", "outsider"])
def test_refused_and_nothing_written(cast, who):
    actor = cast.actor(getattr(cast, who))
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.save_profile(actor, organization=cast.agency, **profile_values())
    with pytest.raises(PermissionDenied):
        services.save_pledge(actor, organization=cast.agency, pledged_on=dt.date(2024, 1, 1))
    with pytest.raises(PermissionDenied):
        services.record_policy(
            actor,
            organization=cast.agency,
            title="P",
            adopted_on=None,
            file=SimpleUploadedFile("p.txt", b"policy", "text/plain"),
        )
    assert not CommunityProfile.objects.exists() and not Pledge.objects.exists()
    assert AuditEvent.objects.count() == events


def test_a_failed_audit_write_leaves_no_profile(cast, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr("pmhc.planning.services.audit.record", fail)
    with pytest.raises(RuntimeError):
        services.save_profile(cast.actor(cast.member), organization=cast.agency, **profile_values())
    assert not CommunityProfile.objects.exists()


def test_profile_fields_are_all_required_as_keywords(cast):
    values = profile_values()
    del values["districts"]
    with pytest.raises(TypeError):
        services.save_profile(cast.actor(cast.member), organization=cast.agency, **values)


def test_replacing_the_policy_deletes_the_old_file_after_commit(
    cast, django_capture_on_commit_callbacks
):
    actor = cast.actor(cast.member)
    first = services.record_policy(
        actor,
        organization=cast.agency,
        title="Policy",
        adopted_on=dt.date(2024, 1, 1),
        file=SimpleUploadedFile("one.txt", b"first", "text/plain"),
    )
    old = first.policy_file.name
    assert default_storage.exists(old)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.record_policy(
            actor,
            organization=cast.agency,
            title="Policy",
            adopted_on=dt.date(2024, 1, 1),
            file=SimpleUploadedFile("two.txt", b"second", "text/plain"),
        )
    assert second.policy_file.name != old
    assert not default_storage.exists(old)
    # A change of date alone keeps the document.
    third = services.record_policy(
        actor, organization=cast.agency, title="Policy", adopted_on=dt.date(2024, 2, 1)
    )
    assert third.policy_file.name == second.policy_file.name


def test_validation_error_writes_nothing(cast):
    with pytest.raises(ValidationError) as caught:
        services.save_profile(
            cast.actor(cast.member),
            organization=cast.agency,
            **profile_values(shifts=["A", "B", "C", "D", "E"], weekday_pattern=[1, 2]),
        )
    assert set(caught.value.message_dict) == {"shifts", "weekday_pattern"}
    assert not CommunityProfile.objects.exists()


@pytest.mark.parametrize("field", ["on_scene_minutes", "travel_minutes"])
def test_times_per_call_are_capped_at_a_day(cast, field):
    with pytest.raises(ValidationError) as caught:
        make_profile(cast.agency, **{field: Decimal("4800.0")})
    assert "at most 1440 minutes" in caught.value.message_dict[field][0]
    assert not CommunityProfile.objects.exists()
    make_profile(cast.agency, **{field: Decimal("1440.0")})  # a day is allowed


def test_the_busiest_day_alone_can_be_beyond_the_limit(cast):
    """1,000 units busy on average (60-minute calls, 1,000 an hour), all on Mondays: 7,000
    on the busiest day, beyond the 5,000 the model looks for."""
    profile = make_profile(
        cast.agency,
        shifts=["All day"],
        calls_per_year=8_760_000,
        mh_calls_per_year=8_760_000,
        on_scene_minutes=Decimal("45.0"),
        travel_minutes=Decimal("15.0"),
        weekday_pattern=[1, 0, 0, 0, 0, 0, 0],
    )
    (shift,) = staffing.plan(profile)
    assert shift.offered_load == pytest.approx(1000)
    assert shift.staffable and shift.units_for_target is not None
    assert shift.units_for_target > 1000
    assert shift.busiest_day_units is None


def test_shift_loads_follow_the_hour_pattern(cast):
    # All calls between 15:00 and 23:00: the Evening shift (from 15:00) takes them all.
    hours = [0.0] * 24
    for hour in range(15, 23):
        hours[hour] = 1.0
    profile = make_profile(cast.agency, hourly_pattern=hours, mh_calls_per_year=2920)
    loads = {load.name: load for load in staffing.shift_loads(profile)}
    assert loads["Evening"].arrivals_per_hour == pytest.approx(2920 / 365 / 8)
    assert loads["Day"].arrivals_per_hour == 0 and loads["Night"].arrivals_per_hour == 0
    assert [s.load.name for s in staffing.plan(profile)] == ["Evening"]


def test_demo_step(cast, monkeypatch):
    """Sized from the roster Train made (here: an empty one, so the scale's defaults)."""
    from pmhc.demo.generator import DemoContext

    ctx = DemoContext(
        seed=1,
        scale=1,
        password="x",
        rng=random.Random(1),
        actor=system_actor("demo"),
        today=dt.date(2025, 6, 1),
        organizations={"pd": cast.agency},
        log=lambda _line: None,
    )
    with transaction.atomic():
        demo.step(ctx)
    profile = CommunityProfile.objects.get(organization=cast.agency)
    assert profile.sworn_officers == 36 and profile.patrol_per_shift == 10
    pledge = Pledge.objects.get(organization=cast.agency)
    assert pledge.pledged_on == dt.date(2023, 10, 1)
    assert pledge.policy_adopted_on is not None and pledge.policy_file
    assert len(staffing.plan(profile)) == 3


def test_a_policy_title_too_long_is_refused_not_cut_short(cast):
    with pytest.raises(ValidationError) as refused:
        services.record_policy(
            cast.actor(cast.member),
            organization=cast.agency,
            title="x" * 201,
            adopted_on=dt.date(2024, 1, 1),
            file=SimpleUploadedFile("one.txt", b"first", "text/plain"),
        )
    assert refused.value.message_dict["title"] == ["Keep the policy's title to 200 characters."]
