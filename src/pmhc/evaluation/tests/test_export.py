"""The Parquet export of the de-identified facts, read back with DuckDB."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.http import Http404

from pmhc.conftest import Cast
from pmhc.evaluation import export_services
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import CallFact
from pmhc.platform.models import AuditEvent, Organization, Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.response.deidentified_selectors import MERGED_AREA

NOVEMBER = dt.date(2026, 11, 1)
DECEMBER = dt.date(2026, 12, 1)


def _facts(organization: Organization, month: dt.date, district: str, count: int) -> None:
    start = CallFact.objects.count()
    CallFact.objects.bulk_create(
        CallFact(
            organization=organization,
            call_id=start + n + 1,
            month=month,
            day=month + dt.timedelta(days=n % 20) if n % 5 else None,
            weekday=(month + dt.timedelta(days=n % 20)).weekday() if n % 5 else None,
            shift="Day",
            district=district,
            route="co_responder",
            race_ethnicity="not_recorded",
            priority=2,
            mental_health=n % 2 == 0,
            arrested=n == 0,
            minutes_to_scene=5 + n,
        )
        for n in range(count)
    )


@pytest.fixture
def world(cast: Cast) -> Cast:
    _facts(cast.agency, NOVEMBER, "North", 12)
    _facts(cast.agency, NOVEMBER, "South", 3)
    _facts(cast.agency, DECEMBER, "North", 4)
    _facts(cast.outsider_org, DECEMBER, "Harbor", 11)
    return cast


def _read(out: Path, sql: str) -> list[tuple[object, ...]]:
    glob = str(out / "**" / "*.parquet").replace("'", "''")
    with duckdb.connect() as db:
        db.execute(
            f"CREATE VIEW facts AS SELECT * FROM read_parquet('{glob}', hive_partitioning = true)"  # noqa: S608
        )
        return db.execute(sql).fetchall()


def test_the_export_reads_back_with_duckdb_month_by_month(world: Cast, tmp_path: Path) -> None:
    done = export_services.export_facts(actor=world.actor(world.admin), out=tmp_path, slug="agency")

    assert [(d.organization, d.months, d.rows) for d in done] == [("agency", 2, 19)]
    assert (tmp_path / "agency=agency" / "month=2026-11" / "part-0.parquet").is_file()
    assert not (tmp_path / "agency=outsider").exists()
    counts = _read(
        tmp_path,
        "SELECT agency, CAST(month AS VARCHAR), count(*), sum(mental_health::INT), "
        "sum(arrested::INT), sum(minutes_to_scene) FROM facts GROUP BY ALL ORDER BY ALL",
    )
    expected = []
    for month in (NOVEMBER, DECEMBER):
        facts = CallFact.objects.filter(organization=world.agency, month=month)
        expected.append(
            (
                "agency",
                f"{month:%Y-%m}",
                facts.count(),
                facts.filter(mental_health=True).count(),
                facts.filter(arrested=True).count(),
                sum(f.minutes_to_scene or 0 for f in facts),
            )
        )
    assert counts == expected
    event = AuditEvent.objects.get(action=EvaluationAudit.FACTS_EXPORTED)
    assert event.organization_id == world.agency.pk
    assert "19 calls" in event.detail and "2026-11 to 2026-12" in event.detail


def test_a_row_has_no_id_no_day_and_small_districts_merged(world: Cast, tmp_path: Path) -> None:
    export_services.export_facts(actor=world.actor(world.admin), out=tmp_path, slug="agency")

    schema = pq.read_schema(tmp_path / "agency=agency" / "month=2026-11" / "part-0.parquet")
    for name in ("id", "call_id", "day", "weekday", "organization", "organization_id"):
        assert name not in schema.names
    assert schema.names[0] == "week_starting"
    districts = _read(
        tmp_path,
        "SELECT CAST(month AS VARCHAR), district, count(*) FROM facts GROUP BY ALL ORDER BY ALL",
    )
    # November: North has 12 calls (kept), South 3 (merged); December: North has 4 (merged).
    assert districts == [
        ("2026-11", "North", 12),
        ("2026-11", MERGED_AREA, 3),
        ("2026-12", MERGED_AREA, 4),
    ]
    weeks = _read(
        tmp_path, "SELECT DISTINCT week_starting FROM facts WHERE week_starting IS NOT NULL"
    )
    assert weeks and all(w.weekday() == 0 for (w,) in weeks)  # type: ignore[attr-defined]
    assert _read(tmp_path, "SELECT count(*) FROM facts WHERE week_starting IS NULL") == [(5,)]


def test_the_command_exports_every_organization_and_replaces_an_old_export(
    world: Cast, tmp_path: Path
) -> None:
    stale = tmp_path / "agency=agency" / "month=1999-01"
    stale.mkdir(parents=True)
    (stale / "part-0.parquet").write_bytes(b"old")
    out = StringIO()

    call_command("export_facts", "--out", str(tmp_path), "--quiet", stdout=out)

    assert "agency: 19 calls in 2 months" in out.getvalue()
    assert "outsider: 11 calls in 1 months" in out.getvalue()
    assert not stale.exists()
    assert _read(tmp_path, "SELECT agency, count(*) FROM facts GROUP BY ALL ORDER BY ALL") == [
        ("agency", 19),
        ("outsider", 11),
    ]
    events = AuditEvent.objects.filter(action=EvaluationAudit.FACTS_EXPORTED)
    assert {e.actor_name for e in events} == {"pmhc export_facts"}
    assert events.count() == 2  # the partners have no facts: nothing to export
    with pytest.raises(CommandError, match="No organization"):
        call_command("export_facts", "--out", str(tmp_path), "--organization", "nowhere")


@pytest.mark.parametrize("who", ["member", "analyst", "colleague", "partner_admin", "outsider"])
def test_only_the_organizations_own_administrators_export(
    world: Cast, tmp_path: Path, who: str
) -> None:
    if who == "analyst":
        user = UserFactory.create(username="analyst")
        MembershipFactory.create(user=user, organization=world.agency, role=Role.ANALYST)
    elif who == "partner_admin":
        user = UserFactory.create(username="partner-admin")
        MembershipFactory.create(user=user, organization=world.partner, role=Role.ADMINISTRATOR)
    else:
        user = getattr(world, who)
    with pytest.raises(Http404):
        export_services.export_facts(actor=world.actor(user), out=tmp_path, slug="agency")
    assert not list(tmp_path.iterdir())
    assert not AuditEvent.objects.filter(action=EvaluationAudit.FACTS_EXPORTED).exists()


def test_an_administrator_without_a_slug_exports_only_their_own(
    world: Cast, tmp_path: Path
) -> None:
    done = export_services.export_facts(actor=world.actor(world.outsider), out=tmp_path)
    assert [d.organization for d in done] == ["outsider"]
