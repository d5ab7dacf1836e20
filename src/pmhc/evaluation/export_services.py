"""The de-identified facts exported as Parquet, for an analysis past one machine (a state's or
the nation's, in Spark, Trino or DuckDB).

The export is a hive-partitioned dataset, one file per agency and month::

    OUT/agency=<organization slug>/month=YYYY-MM/part-0.parquet

What a row holds and does not hold is in ``export_selectors`` (no id of a fact or a call, the
week and not the day, districts under 11 calls of the month merged). An agency's folder is
written beside the old one and put in its place only when complete, so a reader never sees half
an export. Each agency's export is one audit event with its count of rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import transaction

from pmhc.evaluation import export_selectors
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import FLAGS, MINUTES
from pmhc.platform import audit
from pmhc.platform.access import Actor
from pmhc.platform.models import Organization, Purpose

SCHEMA = pa.schema(
    [
        pa.field("week_starting", pa.date32()),
        *(
            pa.field(name, pa.bool_() if name == "cit_responder" else pa.string())
            for name in export_selectors.CODES
            if name != "priority"
        ),
        pa.field("priority", pa.int16()),
        *(pa.field(name, pa.bool_()) for name in FLAGS),
        *(pa.field(name, pa.int32()) for name in MINUTES),
    ]
)


@dataclasses.dataclass(frozen=True)
class Exported:
    organization: str
    months: int
    rows: int
    path: Path


def plan(actor: Actor, *, slug: str | None = None) -> list[tuple[Organization, list[dt.date]]]:
    """Each organization to export with its months, leaving out those without facts (checks
    access: the one 404)."""
    found = [
        (organization, export_selectors.months(actor, organization))
        for organization in export_selectors.organizations(actor, slug)
    ]
    return [(organization, months) for organization, months in found if months]


def export_facts(
    *,
    actor: Actor,
    out: Path,
    slug: str | None = None,
    progress: Callable[[int], object] | None = None,
) -> list[Exported]:
    """Write the facts of the organization named by ``slug`` (else of every organization the
    actor may export) under ``out``; ``progress`` is told the rows of each month written."""
    out.mkdir(parents=True, exist_ok=True)
    return [
        _export_one(actor=actor, out=out, organization=o, months=m, progress=progress)
        for o, m in plan(actor, slug=slug)
    ]


@transaction.atomic
def _export_one(
    *,
    actor: Actor,
    out: Path,
    organization: Organization,
    months: list[dt.date],
    progress: Callable[[int], object] | None,
) -> Exported:
    final = out / f"agency={organization.slug}"
    partial = out / f".agency={organization.slug}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    rows = 0
    for month in months:
        columns = export_selectors.month_columns(actor, organization, month)
        table = pa.table(columns, schema=SCHEMA)
        folder = partial / f"month={month:%Y-%m}"
        folder.mkdir(parents=True)
        pq.write_table(table, folder / "part-0.parquet", compression="zstd")
        rows += table.num_rows
        if progress is not None:
            progress(table.num_rows)
    span = f"{months[0]:%Y-%m} to {months[-1]:%Y-%m}"
    audit.record_read(
        EvaluationAudit.FACTS_EXPORTED,
        actor=actor,
        organization_id=organization.pk,
        purpose=Purpose.EVALUATION,
        object_type="evaluation.callfact",
        detail=f"de-identified facts of {rows} calls, {span}, exported as Parquet",
    )
    # The old export goes only once the new one is whole.
    shutil.rmtree(final, ignore_errors=True)
    partial.mkdir(parents=True, exist_ok=True)
    partial.rename(final)
    return Exported(organization=organization.slug, months=len(months), rows=rows, path=final)
