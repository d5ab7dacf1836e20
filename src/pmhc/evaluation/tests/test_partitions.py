"""The facts' monthly partitions on PostgreSQL: the table, the command that adds months, rows
moved out of the DEFAULT partition, the ORM unchanged, and a month's query reading one
partition."""

from __future__ import annotations

import datetime as dt
import importlib
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.http import Http404

from pmhc.conftest import Cast
from pmhc.evaluation import partition_services, partitions
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import CallFact
from pmhc.platform.models import AuditEvent, Organization
from pmhc.platform.tests.factories import OrganizationFactory
from pmhc.platform.worker_hooks import STARTUP_CHECKS

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="partitioning by month is PostgreSQL's; SQLite keeps a plain table",
)


def _fact(organization: Organization, month: dt.date, call_id: int = 1) -> CallFact:
    return CallFact.objects.create(organization=organization, call_id=call_id, month=month)


def _home(fact_id: int) -> str:
    """The partition that holds the fact."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM evaluation_callfact WHERE id = %s", [fact_id]
        )
        return str(cursor.fetchone()[0])


def _this_month() -> dt.date:
    return dt.date.today().replace(day=1)


@postgresql_only
@pytest.mark.django_db
def test_the_facts_table_is_partitioned_by_range_of_month() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.partstrat, a.attname FROM pg_partitioned_table p "
            "JOIN pg_class c ON c.oid = p.partrelid "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0] "
            "WHERE c.relname = 'evaluation_callfact'"
        )
        assert cursor.fetchall() == [("r", "month")]
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'evaluation_callfact' "
            "ORDER BY indexname"
        )
        definitions = " | ".join(row[0] for row in cursor.fetchall())
    assert "(organization_id, month)" in definitions
    assert "(call_id)" in definitions
    assert "PRIMARY KEY" not in definitions  # shown as a unique index:
    assert "UNIQUE INDEX evaluation_callfact_pkey" in definitions
    assert "(id, month)" in definitions
    names = set(partitions.monthly_partitions().values())
    for step in (-24, 0, 3):
        assert partitions.partition_name(partitions.add_months(_this_month(), step)) in names
    assert partitions.is_partitioned()


@postgresql_only
@pytest.mark.django_db
def test_the_command_adds_months_ahead_and_a_fact_lands_in_its_partition() -> None:
    agency = OrganizationFactory.create()
    later = partitions.add_months(_this_month(), 7)
    assert later not in partitions.monthly_partitions()
    before = _fact(agency, later)
    assert _home(before.pk) == partitions.DEFAULT_PARTITION

    out = StringIO()
    call_command("partitions", "--ahead", "8", stdout=out)

    assert "moved 1 rows" in out.getvalue()
    assert _home(before.pk) == partitions.partition_name(later)
    after = _fact(agency, later, call_id=2)
    assert _home(after.pk) == partitions.partition_name(later)
    event = AuditEvent.objects.get(action=EvaluationAudit.PARTITIONS_ADDED)
    assert event.actor_name == "pmhc partitions"
    assert later.strftime("%Y-%m") in event.detail
    # Run again: nothing to add, no second event.
    out = StringIO()
    call_command("partitions", "--ahead", "8", stdout=out)
    assert "has its partition" in out.getvalue()
    assert AuditEvent.objects.filter(action=EvaluationAudit.PARTITIONS_ADDED).count() == 1


@postgresql_only
@pytest.mark.django_db
def test_a_past_month_in_the_default_partition_gets_its_own_with_its_rows() -> None:
    agency = OrganizationFactory.create()
    old = dt.date(1999, 3, 1)
    facts = [_fact(agency, old, call_id=n) for n in range(3)]
    other = _fact(agency, dt.date(1998, 12, 1), call_id=9)
    assert {_home(f.pk) for f in facts} == {partitions.DEFAULT_PARTITION}

    added = partition_services.add_partitions(
        actor=partition_services.system_actor("test"), months_ahead=3
    )

    assert old in added.months and dt.date(1998, 12, 1) in added.months
    assert added.moved == 4
    assert {_home(f.pk) for f in facts} == {"evaluation_callfact_y1999m03"}
    assert _home(other.pk) == "evaluation_callfact_y1998m12"
    assert partitions.months_in_default() == []
    assert CallFact.objects.count() == 4
    # The moved partition carries the table's indexes and keeps ids unique with the month.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_indexes WHERE tablename = 'evaluation_callfact_y1999m03'"
        )
        assert cursor.fetchone()[0] == 4  # (id, month), call_id, organization, (org, month)


@postgresql_only
@pytest.mark.django_db
def test_since_adds_every_month_from_it_and_refuses_too_many() -> None:
    call_command("partitions", "--since", "2010-01", "--ahead", "0", stdout=StringIO())
    months = partitions.monthly_partitions()
    assert dt.date(2010, 1, 1) in months and dt.date(2015, 6, 1) in months
    with pytest.raises(ValueError, match="at most"):
        partitions.ensure_partitions(since=dt.date(1900, 1, 1))


@postgresql_only
@pytest.mark.django_db
def test_the_orm_inserts_filters_updates_and_deletes_facts() -> None:
    agency = OrganizationFactory.create()
    month = _this_month()
    last = partitions.add_months(month, -1)
    CallFact.objects.bulk_create(
        [CallFact(organization=agency, call_id=n, month=month) for n in range(5)]
        + [CallFact(organization=agency, call_id=10 + n, month=last) for n in range(3)]
    )
    assert CallFact.objects.filter(organization=agency, month=month).count() == 5
    assert all(f.pk for f in CallFact.objects.filter(month=last))
    # A fact is refreshed by deleting its call's row and inserting the new one.
    CallFact.objects.filter(call_id__in=[0, 1]).delete()
    _fact(agency, last, call_id=0)
    assert CallFact.objects.filter(month=month).count() == 3
    assert CallFact.objects.filter(month=last).count() == 4
    # Changing the month moves the row to the other partition.
    fact = CallFact.objects.get(call_id=2)
    fact.month = last
    fact.save()
    assert _home(fact.pk) == partitions.partition_name(last)
    fact.delete()
    assert not CallFact.objects.filter(call_id=2).exists()
    ids = list(CallFact.objects.values_list("pk", flat=True))
    assert len(ids) == len(set(ids)) == 6


@postgresql_only
@pytest.mark.django_db
def test_a_months_query_reads_only_that_months_partition() -> None:
    agency = OrganizationFactory.create()
    month = partitions.add_months(_this_month(), -2)
    _fact(agency, month)
    plan = CallFact.objects.filter(organization=agency, month=month).explain()
    read = {name for name in partitions.monthly_partitions().values() if name in plan}
    assert read == {partitions.partition_name(month)}
    assert partitions.DEFAULT_PARTITION not in plan
    rollup_like = CallFact.objects.filter(month__gte=month, month__lt=_this_month()).explain()
    read = {name for name in partitions.monthly_partitions().values() if name in rollup_like}
    assert read == {
        partitions.partition_name(month),
        partitions.partition_name(partitions.add_months(month, 1)),
    }


@postgresql_only
@pytest.mark.django_db
def test_the_migration_reverses_to_a_plain_table_and_back_keeping_rows() -> None:
    migration = importlib.import_module(
        "pmhc.evaluation.migrations.0002_partition_callfact_by_month"
    )
    agency = OrganizationFactory.create()
    kept = [_fact(agency, dt.date(2001, 1, 1)), _fact(agency, _this_month(), call_id=2)]
    with connection.schema_editor() as editor:
        migration.unpartition(django_apps, editor)
    assert not partitions.is_partitioned()
    assert sorted(CallFact.objects.values_list("pk", flat=True)) == [f.pk for f in kept]
    newer = _fact(agency, _this_month(), call_id=3)
    assert newer.pk > kept[-1].pk
    with connection.schema_editor() as editor:
        migration.partition(django_apps, editor)
    assert partitions.is_partitioned()
    assert CallFact.objects.count() == 3
    assert _fact(agency, _this_month(), call_id=4).pk > newer.pk


@pytest.mark.django_db
def test_only_the_system_adds_partitions(cast: Cast) -> None:
    with pytest.raises(Http404):
        partition_services.add_partitions(actor=cast.actor(cast.admin))


@pytest.mark.django_db
def test_the_worker_adds_the_months_ahead_when_it_starts() -> None:
    assert any(check.__name__ == "_add_partitions" for check in STARTUP_CHECKS)
    assert partition_services.worker_start() == ""  # the migration made the next 3 months


@pytest.mark.skipif(connection.vendor == "postgresql", reason="SQLite's answer")
@pytest.mark.django_db
def test_on_sqlite_the_command_says_there_is_nothing_to_partition() -> None:
    out = StringIO()
    call_command("partitions", stdout=out)
    assert "not partitioned" in out.getvalue()
