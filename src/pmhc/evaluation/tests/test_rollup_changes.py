"""What a refresh of the rollups must not miss: reports imported in bulk, reports and referrals
written while no worker ran, a person linked to a call (the repeat-call figure of their later
calls), and the records that identity resolution linked as one person."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch.tests.helpers import member
from pmhc.evaluation import fact_builder, report_selectors, rollup_services, tasks
from pmhc.evaluation.models import CallFact, RollupState
from pmhc.evaluation.tests import world
from pmhc.people.identity_models import Identity
from pmhc.platform.access import actor_for_user, system_actor
from pmhc.platform.models import Role
from pmhc.response.import_services import EncounterRecord, ResponderRecord
from pmhc.response.models import Encounter
from pmhc.response.services import ensure_dispositions, import_encounters

ACTOR = system_actor("test")
LONG_AGO = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture
def agency(cast):
    return world.utc_org(cast.agency)


def seen(organization, *rows):
    """Rebuild, then stamp the rows as written before it, as if a refresh had seen them."""
    rollup_services.rebuild(ACTOR, organization=organization)
    for row in rows:
        type(row).objects.filter(pk=row.pk).update(updated_at=LONG_AGO)
    RollupState.objects.filter(organization=organization).update(
        up_to=LONG_AGO + dt.timedelta(hours=1)
    )


def queued(callbacks, organization) -> bool:
    return any(
        getattr(callback, "func", None) is tasks.enqueue_refresh
        and callback.args == (organization.pk,)
        for callback in callbacks
    )


def repeat(call) -> bool:
    return CallFact.objects.get(call_id=call.pk).repeat_90d


def test_an_import_of_past_reports_queues_a_refresh(agency, django_capture_on_commit_callbacks):
    call = world.call(agency, world.at(2026, 3, 2, 9))
    ensure_dispositions(ACTOR, organization=agency)
    seen(agency, call)
    # As if the call had been committed long before: no refresh waits for this transaction.
    transaction.get_connection().run_on_commit.clear()
    arrived = call.received_at + dt.timedelta(minutes=12)
    record = EncounterRecord(
        call=call,
        disposition="crisis_clinic",
        arrived_at=arrived,
        back_in_service_at=arrived + dt.timedelta(hours=1),
        responders=[ResponderRecord(name="Ofc. Lee")],
    )
    with django_capture_on_commit_callbacks() as callbacks:
        import_encounters(ACTOR, organization=agency, records=[record])
    assert queued(callbacks, agency)
    assert rollup_services.refresh(ACTOR, organization=agency).calls == 1
    assert CallFact.objects.get(call_id=call.pk).reported


def test_the_worker_start_sees_reports_and_referrals_written(agency):
    call = world.call(agency, world.at(2026, 3, 2, 9))
    encounter = world.report(call)
    seen(agency, call, encounter)
    assert agency not in rollup_services.stale_organizations()
    Encounter.objects.filter(pk=encounter.pk).update(updated_at=timezone.now())
    assert agency in rollup_services.stale_organizations()
    rollup_services.refresh(ACTOR, organization=agency)
    assert agency not in rollup_services.stale_organizations()
    world.referral(encounter, world.person(agency), timezone.now())
    assert agency in rollup_services.stale_organizations()


def test_a_person_linked_to_a_call_refreshes_their_calls_of_the_90_days_after(
    agency, django_capture_on_commit_callbacks
):
    who = world.person(agency)
    earlier = world.call(agency, world.at(2026, 3, 1))
    later = world.call(agency, world.at(2026, 4, 1))
    later_report = world.report(later)
    world.subject(later_report, who)
    beyond = world.call(agency, world.at(2026, 7, 1))  # 122 days after
    beyond_report = world.report(beyond)
    world.subject(beyond_report, who)
    seen(agency, earlier, later, later_report, beyond, beyond_report)
    assert not repeat(later)
    taker = member(agency, Role.CALL_TAKER)
    transaction.get_connection().run_on_commit.clear()
    with django_capture_on_commit_callbacks() as callbacks:
        dispatch_services.link_person(
            actor_for_user(taker), call=earlier, person=who, role="subject"
        )
    earlier.refresh_from_db()
    assert earlier.updated_at > LONG_AGO + dt.timedelta(hours=1)
    assert queued(callbacks, agency)
    outcome = rollup_services.refresh(ACTOR, organization=agency)
    # The linked call and the person's call in the 90 days after, not the one beyond.
    assert outcome.calls == 2
    assert repeat(later)
    assert not repeat(beyond)


@pytest.fixture
def one_person_two_records(agency):
    identity = Identity.objects.create(organization=agency)
    first, second = world.person(agency), world.person(agency)
    for record in (first, second):
        record.identity = identity
        record.save(update_fields=["identity"])
    return first, second


def test_a_repeat_call_counts_the_records_linked_as_one_person(agency, one_person_two_records):
    first, second = one_person_two_records
    earlier = world.call(agency, world.at(2026, 3, 1))
    world.on_call(earlier, first)
    later = world.call(agency, world.at(2026, 3, 20))
    world.subject(world.report(later), second)
    stranger = world.call(agency, world.at(2026, 3, 21))
    world.subject(world.report(stranger), world.person(agency))
    fact_builder.write_facts(agency, [earlier.pk, later.pk, stranger.pk])
    assert repeat(later)
    assert not repeat(stranger)
    # A call of one record refreshes the calls of the other in the 90 days after.
    assert fact_builder.later_calls(agency, [earlier.pk]) == {later.pk}


def test_people_served_counts_the_records_linked_as_one_person(agency, one_person_two_records):
    first, second = one_person_two_records
    for day, who in ((2, first), (9, second), (16, world.person(agency))):
        world.subject(world.report(world.call(agency, world.at(2026, 3, day))), who)
    march = dt.date(2026, 3, 1)
    assert report_selectors.people_served(agency, march, march) == 2
