"""Reads of the rollups: sums of counts, never a row of a call. Every page of Measure reads its
figures through ``totals``, which checks that the actor may read the organization's aggregates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Sum
from django.http import Http404

from pmhc.evaluation.models import DETAIL, DIMENSIONS, FLAGS, MINUTES, TOTAL, Grain, Rollup
from pmhc.platform.access import NOT_FOUND, Action, Actor, Target, decide
from pmhc.platform.models import Classification, Purpose, Role

#: Who reads an organization's outcome figures.
MEASURE_READERS = frozenset({Role.ANALYST, Role.COORDINATOR, Role.ADMINISTRATOR})
#: The counts a rollup keeps, in a stable order.
COUNTS: tuple[str, ...] = (
    "calls",
    *FLAGS,
    *(f for m in MINUTES for f in (m, f"{m}_n")),
)


def target(organization_id: int) -> Target:
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.AGGREGATE,
        access_read_roles=MEASURE_READERS,
    )


def may_read(actor: Actor, organization_id: int | None) -> bool:
    return organization_id is not None and bool(
        decide(actor, Action.VIEW, target(organization_id), Purpose.EVALUATION)
    )


def check(actor: Actor, organization_id: int | None) -> int:
    """The organization's id when the actor may read its figures; else the one 404."""
    if organization_id is None or not may_read(actor, organization_id):
        raise Http404(NOT_FOUND)
    return organization_id


def row_set(by: Iterable[str], where: Mapping[str, Any] | None) -> str:
    """The smallest set of rollup rows that answers a sum grouped by ``by`` and filtered by
    ``where`` exactly: the totals when no dimension is named, the rows of the one dimension
    named when only one is, else the detail rows."""
    named = {d for d in (*by, *(where or {})) if d != "period"}
    if not named:
        return TOTAL
    if len(named) == 1:
        return named.pop()
    return DETAIL


def totals(
    actor: Actor,
    organization_id: int,
    *,
    since: dt.date,
    until: dt.date,
    by: Iterable[str] = (),
    where: Mapping[str, Any] | None = None,
    grain: Grain = Grain.MONTH,
) -> list[dict[str, Any]]:
    """The summed counts of the periods from ``since`` to ``until`` (both included; for
    ``MONTH``, the first days of months), grouped by ``period`` when asked ("period" in ``by``)
    and by any of ``DIMENSIONS``, filtered by ``where`` (dimension -> value). One query, of
    the smallest set of rows that answers it (``row_set``)."""
    check(actor, organization_id)
    by = tuple(by)
    unknown = [d for d in (*by, *(where or {})) if d not in (*DIMENSIONS, "period")]
    if unknown:
        raise ValueError(f"Not a breakdown: {', '.join(unknown)}")
    rows = Rollup.objects.filter(
        organization_id=organization_id,
        grain=grain,
        breakdown=row_set(by, where),
        period__gte=since,
        period__lte=until,
        **(where or {}),
    )
    sums = {name: Sum(name) for name in COUNTS}
    result: Iterable[Mapping[str, Any]] = (
        rows.values(*by).annotate(**sums).order_by(*by) if by else [rows.aggregate(**sums)]
    )
    return [{k: (v or 0) if k in COUNTS else v for k, v in row.items()} for row in result]


def dimension_values(
    actor: Actor,
    organization_id: int,
    *,
    since: dt.date,
    until: dt.date,
    grain: Grain = Grain.MONTH,
) -> dict[str, set[Any]]:
    """The values each of ``DIMENSIONS`` takes in the periods from ``since`` to ``until``
    (the ones with counts). One query, of the rows per single dimension."""
    check(actor, organization_id)
    found: dict[str, set[Any]] = {d: set() for d in DIMENSIONS}
    rows = (
        Rollup.objects.filter(
            organization_id=organization_id,
            grain=grain,
            breakdown__in=DIMENSIONS,
            period__gte=since,
            period__lte=until,
        )
        .values_list("breakdown", *DIMENSIONS)
        .order_by()
        .distinct()
    )
    for breakdown, *held in rows:
        found[breakdown].add(held[DIMENSIONS.index(breakdown)])
    return found
