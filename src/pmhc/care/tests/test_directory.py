"""The service directory's rules: who reads it, who gives capacity, how fresh a figure is,
and which places "where now" lists, in which order."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from pmhc.care import directory_selectors as selectors
from pmhc.care import directory_services as services
from pmhc.care.audit_codes import CareAudit
from pmhc.care.models import CapacityUpdate, Condition, ServiceKind
from pmhc.care.tests.directory_helpers import SCENE, service
from pmhc.conftest import Cast
from pmhc.dispatch.tests.helpers import member
from pmhc.platform.access import ANONYMOUS
from pmhc.platform.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


def test_haversine_matches_a_known_distance() -> None:
    # One degree of latitude is about 111.2 km on the mean sphere.
    assert selectors.haversine_km(40.0, -90.0, 41.0, -90.0) == pytest.approx(111.19, abs=0.05)
    assert selectors.haversine_km(40.0, -90.0, 40.0, -90.0) == 0


def test_members_and_partners_read_the_directory_others_do_not(cast: Cast) -> None:
    kept = service(cast.agency)
    assert selectors.service_detail(cast.actor(cast.colleague), kept.pk) == kept
    # The partner's agreement in force covers agency data.
    assert selectors.service_detail(cast.actor(cast.partner_user), kept.pk) == kept
    for outsider in (cast.expired_user, cast.outsider):
        with pytest.raises(Http404):
            selectors.service_detail(cast.actor(outsider), kept.pk)
    with pytest.raises(Http404):
        selectors.service_detail(ANONYMOUS, kept.pk)


def test_a_providers_staff_read_and_update_the_services_they_run(cast: Cast) -> None:
    provider_staff = member(cast.outsider_org, Role.CASE_MANAGER)
    provider_officer = member(cast.outsider_org, Role.OFFICER)
    run = service(cast.agency, provider=cast.outsider_org)
    other = service(cast.agency)
    actor = cast.actor(provider_staff)
    assert selectors.service_detail(actor, run.pk) == run
    assert selectors.may_update_capacity(actor, run)
    with pytest.raises(Http404):
        selectors.service_detail(actor, other.pk)
    # An officer of the provider is not its intake staff.
    assert not selectors.may_update_capacity(cast.actor(provider_officer), run)


def test_capacity_is_given_by_the_provider_or_the_keepers_coordinator(cast: Cast) -> None:
    run = service(cast.agency, provider=cast.partner)
    # The keeper's coordinator may; the keeper's officer may not; the partner's clinician
    # (the provider's staff) may.
    assert selectors.may_update_capacity(cast.actor(cast.member), run)
    assert not selectors.may_update_capacity(cast.actor(cast.colleague), run)
    assert selectors.may_update_capacity(cast.actor(cast.partner_user), run)
    assert not selectors.may_update_capacity(cast.actor(cast.outsider), run)
    with pytest.raises(PermissionDenied):
        services.update_capacity(cast.actor(cast.colleague), service=run, capacity_open=3)
    assert not CapacityUpdate.objects.exists()


def test_updating_capacity_keeps_its_history_and_is_audited(cast: Cast) -> None:
    run = service(cast.agency, provider=cast.partner, capacity_total=10)
    actor = cast.actor(cast.partner_user)
    services.update_capacity(actor, service=run, capacity_open=4, wait_minutes=20)
    services.update_capacity(actor, service=run, capacity_open=2, wait_minutes=None)
    run.refresh_from_db()
    assert (run.capacity_open, run.wait_minutes) == (2, None)
    assert run.capacity_updated_at is not None
    assert list(run.capacity_updates.values_list("capacity_open", flat=True)) == [2, 4]
    events = AuditEvent.objects.filter(action=CareAudit.CAPACITY_UPDATED)
    assert events.count() == 2
    assert events.filter(organization_id=cast.agency.pk, object_id=str(run.pk)).count() == 2


def test_capacity_limits_are_enforced(cast: Cast) -> None:
    run = service(cast.agency, capacity_total=10)
    actor = cast.actor(cast.member)
    with pytest.raises(ValidationError) as error:
        services.update_capacity(actor, service=run, capacity_open=11)
    assert "capacity_open" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.update_capacity(actor, service=run, capacity_open=1, wait_minutes=99999)
    assert "wait_minutes" in error.value.message_dict
    assert not CapacityUpdate.objects.exists()


def test_freshness_flags_a_figure_older_than_the_setting(cast: Cast, settings) -> None:
    settings.CAPACITY_STALE_HOURS = 2
    run = service(cast.agency)
    now = timezone.now()
    assert selectors.freshness(run, now).stale  # never given
    run.capacity_updated_at = now - dt.timedelta(minutes=1)
    fresh = selectors.freshness(run, now)
    assert not fresh.stale and fresh.minutes == 1
    run.capacity_updated_at = now - dt.timedelta(hours=2, minutes=1)
    assert selectors.freshness(run, now).stale


def _need(**values) -> selectors.NeedFor:
    return selectors.NeedFor(latitude=SCENE[0], longitude=SCENE[1], **values)


def test_where_now_orders_by_distance_with_full_places_last(cast: Cast) -> None:
    now = timezone.now()
    far = service(cast.agency, name="Far", latitude=40.2)
    near_full = service(
        cast.agency, name="Near but full", latitude=40.01, capacity_open=0, capacity_updated_at=now
    )
    middle = service(cast.agency, name="Middle", latitude=40.05)
    places = selectors.places_now(cast.actor(cast.colleague), _need())
    assert [p.service for p in places] == [middle, far, near_full]
    assert places[-1].full and not places[0].full
    assert places[0].km < places[1].km


def test_where_now_leaves_out_what_does_not_fit_or_is_not_open(cast: Cast) -> None:
    now = timezone.now()
    fits = service(cast.agency, name="Fits")
    service(cast.agency, name="No drop-off", police_drop_off=False)
    service(cast.agency, name="Youth only", max_age=17)
    service(cast.agency, name="Detox only", conditions=[Condition.SUBSTANCE_USE])
    service(cast.agency, name="Outpatient", kind=ServiceKind.OUTPATIENT)
    service(cast.agency, name="Unlisted", active=False)
    service(cast.agency, name="No coordinates", latitude=None, longitude=None)
    # Open only when it says so: stale room does not count, fresh room does.
    service(
        cast.agency,
        name="Stale",
        open_all_hours=False,
        capacity_open=5,
        capacity_updated_at=now - dt.timedelta(days=1),
    )
    fresh_room = service(
        cast.agency, name="Fresh room", open_all_hours=False, capacity_open=5,
        capacity_updated_at=now,
    )  # fmt: skip
    service(cast.outsider_org, name="Another county")
    need = _need(age=30, conditions=(Condition.MENTAL_HEALTH,), police_drop_off=True)
    names = {p.service.name for p in selectors.places_now(cast.actor(cast.colleague), need)}
    assert names == {fits.name, fresh_room.name}


def test_unlisting_is_for_keepers_and_audited(cast: Cast) -> None:
    kept = service(cast.agency)
    with pytest.raises(PermissionDenied):
        services.set_listed(cast.actor(cast.colleague), service=kept, listed=False)
    services.set_listed(cast.actor(cast.member), service=kept, listed=False)
    kept.refresh_from_db()
    assert not kept.active
    assert AuditEvent.objects.filter(action=CareAudit.SERVICE_UNLISTED).count() == 1


def test_the_small_map_puts_the_scene_and_places_inside_the_drawing(cast: Cast) -> None:
    service(cast.agency, latitude=40.1, longitude=-90.1)
    service(cast.agency, latitude=39.95, longitude=-89.9)
    need = _need()
    drawn = selectors.small_map(need, selectors.places_now(cast.actor(cast.member), need))
    assert drawn is not None and len(drawn.points) == 2
    for x, y in [drawn.origin, *((p.x, p.y) for p in drawn.points)]:
        assert 0 <= x <= drawn.width and 0 <= y <= drawn.height
    # North is up: the place north of the scene is drawn above it.
    north = next(p for p in drawn.points if p.place.service.latitude == 40.1)
    assert north.y < drawn.origin[1]


def test_where_now_reads_the_nearest_open_places_before_its_cap(
    cast: Cast, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "NOW_CANDIDATES", 3)
    now = timezone.now()
    # Closed (no current figure, not open all hours) and far places come first by id.
    for n in range(3):
        service(cast.agency, name=f"Closed {n}", open_all_hours=False, latitude=40.001)
    for n in range(3):
        service(cast.agency, name=f"Far {n}", latitude=41.0 + n)
    nearest = service(
        cast.agency,
        name="Nearest",
        open_all_hours=False,
        latitude=40.002,
        capacity_open=2,
        capacity_updated_at=now,
    )
    places = selectors.places_now(cast.actor(cast.colleague), _need())
    assert [p.service.name for p in places] == ["Nearest", "Far 0", "Far 1"]
    assert places[0].service == nearest
