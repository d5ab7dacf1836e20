"""Rollups kept up to date: a refresh rebuilds the facts of the calls written since the last
one and sums again only the months they fall in; a rebuild gives the same rollups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from pmhc.evaluation import rollup_selectors, rollup_services, tasks
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import DETAIL, TOTAL, CallFact, Grain, Rollup, RollupState
from pmhc.evaluation.tests import world
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditEvent

ACTOR = system_actor("test")
LONG_AGO = timezone.now() - dt.timedelta(days=1)


@pytest.fixture
def agency(cast):
    organization = world.utc_org(cast.agency)
    world.shifts(organization)
    return organization


def backdate(*rows):
    """Stamp rows as written long before, as if a refresh had already seen them."""
    for row in rows:
        type(row).objects.filter(pk=row.pk).update(updated_at=LONG_AGO)
        if hasattr(row, "created_at"):
            type(row).objects.filter(pk=row.pk).update(created_at=LONG_AGO)


def snapshot(organization):
    return sorted(
        tuple(row)
        for row in Rollup.objects.filter(organization=organization).values_list(
            "grain", "breakdown", "period", "shift", "district", "route", "cit_responder",
            "program_type", "race_ethnicity", *rollup_selectors.COUNTS,
        )
    )  # fmt: skip


def month_ids(organization, month):
    return set(
        Rollup.objects.filter(
            organization=organization, grain=Grain.MONTH, period=month
        ).values_list("pk", flat=True)
    )


@pytest.fixture
def year(agency):
    """Calls in March and May, a report on one, all seen by a first rebuild."""
    march = world.call(agency, world.at(2026, 3, 2, 9), district="North")
    march_2 = world.call(agency, world.at(2026, 3, 20, 16), district="South")
    may = world.call(agency, world.at(2026, 5, 5, 2), district="North")
    encounter = world.report(may, law_outcome="arrested", arrest_eligible=True)
    rollup_services.rebuild(ACTOR, organization=agency)
    backdate(march, march_2, may, encounter)
    RollupState.objects.filter(organization=agency).update(up_to=LONG_AGO + dt.timedelta(hours=1))
    return {"march": march, "march_2": march_2, "may": may, "encounter": encounter}


def totals(agency, cast, **kwargs):
    return rollup_selectors.totals(
        cast.actor(cast.member), agency.pk, since=dt.date(2026, 1, 1), until=dt.date(2026, 12, 1),
        **kwargs,
    )[0]  # fmt: skip


def test_rebuild_sums_the_facts_by_month_and_dimension(cast, agency, year):
    assert CallFact.objects.filter(organization=agency).count() == 3
    all_of_it = totals(agency, cast)
    assert (all_of_it["calls"], all_of_it["reported"], all_of_it["arrested"]) == (3, 1, 1)
    by = rollup_selectors.totals(
        cast.actor(cast.member), agency.pk, since=dt.date(2026, 3, 1), until=dt.date(2026, 5, 1),
        by=["period", "district", "shift"],
    )  # fmt: skip
    assert [(r["period"], r["district"], r["shift"], r["calls"]) for r in by] == [
        (dt.date(2026, 3, 1), "North", "Day", 1),
        (dt.date(2026, 3, 1), "South", "Evening", 1),
        (dt.date(2026, 5, 1), "North", "Night", 1),
    ]
    event = AuditEvent.objects.filter(action=EvaluationAudit.ROLLUPS_REBUILT).get()
    assert event.organization_id == agency.pk
    # 3 detail rows; March's and May's totals and rows per dimension: 2 + 1 + 6 + 1 + 6 + 3
    # (March's two calls differ in shift and district).
    assert event.detail == "3 calls, 2 months, 19 rollup rows"


def test_refresh_with_nothing_written_writes_nothing(agency, year):
    before = AuditEvent.objects.count()
    assert rollup_services.refresh(ACTOR, organization=agency).calls == 0
    assert AuditEvent.objects.count() == before


def test_a_changed_call_refreshes_only_its_month(cast, agency, year):
    march, may = month_ids(agency, dt.date(2026, 3, 1)), month_ids(agency, dt.date(2026, 5, 1))
    call = year["may"]
    call.cit_arrived = True
    call.updated_at = timezone.now()
    call.save()
    outcome = rollup_services.refresh(ACTOR, organization=agency)
    assert (outcome.calls, outcome.months) == (1, 1)
    assert month_ids(agency, dt.date(2026, 3, 1)) == march
    assert month_ids(agency, dt.date(2026, 5, 1)) != may
    assert totals(agency, cast)["cit_or_clinician"] == 1
    event = AuditEvent.objects.filter(action=EvaluationAudit.ROLLUPS_REFRESHED).get()
    assert event.detail.startswith("1 calls, 1 months")


def test_a_changed_report_refreshes_its_calls_month(cast, agency, year):
    march = month_ids(agency, dt.date(2026, 3, 1))
    encounter = year["encounter"]
    encounter.law_outcome = "diverted"
    encounter.updated_at = timezone.now()
    encounter.save()
    rollup_services.refresh(ACTOR, organization=agency)
    assert month_ids(agency, dt.date(2026, 3, 1)) == march
    figures = totals(agency, cast)
    assert (figures["arrested"], figures["diverted"]) == (0, 1)


def test_a_referral_refreshes_its_encounters_call(cast, agency, year):
    march = month_ids(agency, dt.date(2026, 3, 1))
    world.referral(year["encounter"], world.person(agency), timezone.now())
    rollup_services.refresh(ACTOR, organization=agency)
    assert month_ids(agency, dt.date(2026, 3, 1)) == march
    assert totals(agency, cast)["referred"] == 1


def test_a_call_moved_to_another_month_refreshes_both(cast, agency, year):
    call = year["march"]
    call.received_at = world.at(2026, 5, 9, 9)
    call.updated_at = timezone.now()
    call.save()
    outcome = rollup_services.refresh(ACTOR, organization=agency)
    assert outcome.months == 2
    by = rollup_selectors.totals(
        cast.actor(cast.member), agency.pk, since=dt.date(2026, 3, 1), until=dt.date(2026, 5, 1),
        by=["period"],
    )  # fmt: skip
    assert [(r["period"], r["calls"]) for r in by] == [
        (dt.date(2026, 3, 1), 1),
        (dt.date(2026, 5, 1), 2),
    ]


def test_refresh_equals_rebuild(cast, agency, year):
    world.call(agency, world.at(2026, 6, 1, 12), cit_arrived=True)
    encounter = year["encounter"]
    encounter.highest_force = "hands_on"
    encounter.updated_at = timezone.now()
    encounter.save()
    rollup_services.refresh(ACTOR, organization=agency)
    refreshed = snapshot(agency)
    rollup_services.rebuild(ACTOR, organization=agency)
    assert snapshot(agency) == refreshed


def test_days_of_the_current_month(cast, agency, year):
    today = agency.today()
    world.call(agency, dt.datetime.combine(today, dt.time(0, 5), tzinfo=dt.UTC))
    rollup_services.refresh(ACTOR, organization=agency)
    days = Rollup.objects.filter(organization=agency, grain=Grain.DAY)
    assert list(days.filter(breakdown=DETAIL).values_list("period", "calls")) == [(today, 1)]
    assert list(days.filter(breakdown=TOTAL).values_list("period", "calls")) == [(today, 1)]
    rows = rollup_selectors.totals(
        cast.actor(cast.member), agency.pk, since=today.replace(day=1), until=today,
        grain=Grain.DAY,
    )  # fmt: skip
    assert rows[0]["calls"] == 1


def test_a_refresh_takes_a_constant_number_of_queries(agency, year, django_assert_num_queries):
    def change(n):
        for i in range(n):
            world.call(agency, world.at(2026, 3, 3 + i))

    queries = 28
    change(2)
    with django_assert_num_queries(queries):
        rollup_services.refresh(ACTOR, organization=agency)
    change(7)
    with django_assert_num_queries(queries):
        rollup_services.refresh(ACTOR, organization=agency)


def test_never_built_refresh_is_a_rebuild(agency):
    world.call(agency, world.at(2026, 3, 2))
    rollup_services.refresh(ACTOR, organization=agency)
    assert AuditEvent.objects.filter(action=EvaluationAudit.ROLLUPS_REBUILT).count() == 1
    assert RollupState.objects.get(organization=agency).up_to is not None


def test_saves_queue_one_refresh_per_transaction(agency, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        call = world.call(agency, world.at(2026, 3, 2))
        world.call(agency, world.at(2026, 3, 3))
        world.report(call)
    assert len(callbacks) == 1


def test_the_task_refreshes_and_is_queued_once(agency, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        world.call(agency, world.at(2026, 3, 2))
    with django_capture_on_commit_callbacks(execute=True):
        world.call(agency, world.at(2026, 3, 3))
    queued = DBTaskResult.objects.filter(task_path=tasks.refresh_rollups_task.module_path)
    assert queued.count() == 1
    assert tasks.refresh_rollups_task.call(agency.pk) == "2 calls, 1 months, 8 rollup rows"


def test_the_worker_start_refreshes_stale_organizations(agency):
    world.call(agency, world.at(2026, 3, 2))
    assert tasks.refresh_stale() == "Measure: rollups of 1 organizations brought up to date."
    assert tasks.refresh_stale() == ""


def test_command(agency, capsys):
    world.call(agency, world.at(2026, 3, 2))
    call_command("rollups", "--rebuild", "--organization", agency.slug, "--quiet")
    assert "agency: rebuilt 1 calls" in capsys.readouterr().out
    call_command("rollups", "--refresh")
    assert "agency: refreshed" in capsys.readouterr().out
