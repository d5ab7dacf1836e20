"""Keeping the facts and the rollups of an organization up to date.

- ``refresh``: the calls written since the rollups were last brought up to date (the call
  itself, its encounter reports, the referrals sent from them, or a CAD import that finished)
  get their facts built again, and so do the calls of the same people in the 90 days after
  (their repeat-call figure); then the rollups of the months those calls fall in (before and
  after the change) are summed again from the facts, and the days of the current month. One
  transaction, one audit event; nothing is written when nothing changed. The facts and
  rollups of other months are not touched, and no page ever recomputes them.
- ``rebuild``: every fact and every rollup of the organization, from its calls, in chunks.

Rollup rows are the facts' counts grouped by period and ``models.DIMENSIONS``: ``MONTH`` rows
per month, ``DAY`` rows per day of the current month only (days of earlier months are
dropped when the month turns). Beside those detail rows, each period gets its row of totals
and its rows per value of each single dimension (``summaries``: like SQL's grouping sets),
summed from the detail rows in memory, so the same query writes all three sets.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from pmhc.care.models import Referral
from pmhc.dispatch.models import Call, CallImport
from pmhc.evaluation import fact_builder
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import (
    DETAIL,
    DIMENSIONS,
    FLAGS,
    MINUTES,
    TOTAL,
    CallFact,
    Grain,
    Rollup,
    RollupState,
)
from pmhc.platform import audit
from pmhc.platform.access import Actor
from pmhc.platform.models import Organization
from pmhc.response.models import Encounter

#: A write committed a little after its time was stamped (a long transaction) is still seen:
#: each refresh looks this far before the last one's start.
SLACK = dt.timedelta(minutes=2)
#: Months summed in one query.
MONTHS_AT_ONCE = 12


#: Sums are named apart from the facts' columns (an aggregate may not take a column's name).
SUM = "sum_"


def _sums() -> dict[str, Any]:
    sums: dict[str, Any] = {f"{SUM}calls": Count("pk")}
    for flag in FLAGS:
        sums[f"{SUM}{flag}"] = Count("pk", filter=Q(**{flag: True}))
    for minutes in MINUTES:
        sums[f"{SUM}{minutes}"] = Sum(minutes)
        sums[f"{SUM}{minutes}_n"] = Count(minutes)
    return sums


#: What a dimension holds on the rows that do not break down by it.
EMPTY: dict[str, Any] = {d: Rollup._meta.get_field(d).get_default() for d in DIMENSIONS}  # type: ignore[union-attr]


def summaries(detail: Iterable[dict[str, Any]], counts: Iterable[str]) -> list[dict[str, Any]]:
    """The rows of totals and the rows per single dimension of these detail rows (each a
    ``period``, every dimension and the ``counts``): a ``TOTAL`` row per period and a row per
    period and value of each dimension, its ``breakdown`` the dimension's name."""
    names = tuple(counts)
    sums: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in detail:
        for breakdown in (TOTAL, *DIMENSIONS):
            value = row[breakdown] if breakdown != TOTAL else None
            key = (row["period"], breakdown, value)
            summed = sums.get(key)
            if summed is None:
                summed = sums[key] = {
                    "period": row["period"],
                    "breakdown": breakdown,
                    **EMPTY,
                    **({breakdown: value} if breakdown != TOTAL else {}),
                    **dict.fromkeys(names, 0),
                }
            for name in names:
                summed[name] += row[name] or 0
    return list(sums.values())


def _rows(organization: Organization, grain: Grain, grouped: Iterable[dict[str, Any]]) -> int:
    period = "month" if grain == Grain.MONTH else "day"
    detail = [
        {
            "period": row.pop(period),
            "breakdown": DETAIL,
            **{k.removeprefix(SUM): (v if v is not None else 0) for k, v in row.items()},
        }
        for row in grouped
    ]
    kept = ("period", "breakdown", *DIMENSIONS)
    counts = [k for k in detail[0] if k not in kept] if detail else []
    rollups = [
        Rollup(organization=organization, grain=grain, **row)
        for row in (*detail, *summaries(detail, counts))
    ]
    Rollup.objects.bulk_create(rollups, batch_size=1000)
    return len(rollups)


def _sum_months(organization: Organization, months: Iterable[dt.date]) -> int:
    """Sum the rollups of these months again from the facts (a query per ``MONTHS_AT_ONCE``)."""
    ordered = sorted(set(months))
    written = 0
    for start in range(0, len(ordered), MONTHS_AT_ONCE):
        part = ordered[start : start + MONTHS_AT_ONCE]
        Rollup.objects.filter(
            organization=organization, grain=Grain.MONTH, period__in=part
        ).delete()
        grouped = (
            CallFact.objects.filter(organization=organization, month__in=part)
            .values("month", *DIMENSIONS)
            .annotate(**_sums())
            .order_by()
        )
        written += _rows(organization, Grain.MONTH, grouped)
    return written


def _sum_days(organization: Organization, today: dt.date) -> int:
    """Sum the days of the current month again, and drop the days of earlier months."""
    current = today.replace(day=1)
    Rollup.objects.filter(organization=organization, grain=Grain.DAY).delete()
    grouped = (
        CallFact.objects.filter(organization=organization, month=current, day__isnull=False)
        .values("day", *DIMENSIONS)
        .annotate(**_sums())
        .order_by()
    )
    return _rows(organization, Grain.DAY, grouped)


def changed_calls(organization: Organization, since: dt.datetime) -> set[int]:
    """The ids of the organization's calls written since ``since``: the call, one of its
    encounter reports, a referral sent from one of them, or the CAD import that brought it in
    finished. Recording a transfer or sending a unit stamps the call itself."""
    # A new call's updated_at is its created_at (the CAD import's bulk path stamps both).
    calls = set(
        Call.objects.filter(organization=organization, updated_at__gte=since).values_list(
            "pk", flat=True
        )
    )
    calls.update(
        Encounter.objects.filter(organization=organization, updated_at__gte=since).values_list(
            "call_id", flat=True
        )
    )
    calls.update(
        Referral.objects.filter(
            organization=organization, encounter__isnull=False, updated_at__gte=since
        ).values_list("encounter__call_id", flat=True)
    )
    imports = CallImport.objects.filter(organization=organization, finished_at__gte=since)
    calls.update(Call.objects.filter(import_batch__in=imports).values_list("pk", flat=True))
    calls.discard(None)  # type: ignore[arg-type]
    return calls


@dataclass(frozen=True)
class Outcome:
    calls: int
    months: int
    rollups: int

    @property
    def summary(self) -> str:
        return f"{self.calls} calls, {self.months} months, {self.rollups} rollup rows"


def _state(organization: Organization) -> RollupState:
    RollupState.objects.get_or_create(organization=organization)
    return RollupState.objects.select_for_update().get(organization=organization)


@transaction.atomic
def refresh(actor: Actor, *, organization: Organization) -> Outcome:
    """Bring the organization's facts and rollups up to date with what was written since the
    last refresh (or rebuild). Never built: a rebuild."""
    state = _state(organization)
    if state.up_to is None:
        return _rebuild(actor, organization, state, None)
    started = timezone.now()
    calls = changed_calls(organization, state.up_to - SLACK)
    if not calls:
        return Outcome(0, 0, 0)
    # A call's people count in the repeat-call figure of their calls in the 90 days after.
    calls |= fact_builder.later_calls(organization, calls)
    months = fact_builder.write_facts(organization, calls)
    today = organization.today()
    rollups = _sum_months(organization, months)
    if (
        today.replace(day=1) in months
        or Rollup.objects.filter(
            organization=organization, grain=Grain.DAY, period__lt=today.replace(day=1)
        ).exists()
    ):
        rollups += _sum_days(organization, today)
    state.up_to = started
    state.refreshed_at = timezone.now()
    state.save(update_fields=["up_to", "refreshed_at"])
    outcome = Outcome(len(calls), len(months), rollups)
    audit.record(
        EvaluationAudit.ROLLUPS_REFRESHED,
        actor=actor,
        organization_id=organization.pk,
        obj=state,
        detail=outcome.summary,
    )
    return outcome


@transaction.atomic
def rebuild(
    actor: Actor, *, organization: Organization, progress: Callable[[int], object] | None = None
) -> Outcome:
    """Build every fact and rollup of the organization again from its calls. ``progress(n)``
    is called after each chunk of ``n`` calls."""
    return _rebuild(actor, organization, _state(organization), progress)


def _rebuild(
    actor: Actor,
    organization: Organization,
    state: RollupState,
    progress: Callable[[int], object] | None,
) -> Outcome:
    started = timezone.now()
    Rollup.objects.filter(organization=organization).delete()
    count, months = fact_builder.write_all_facts(organization, progress)
    rollups = _sum_months(organization, months) + _sum_days(organization, organization.today())
    state.up_to = started
    state.rebuilt_at = state.refreshed_at = timezone.now()
    state.save(update_fields=["up_to", "rebuilt_at", "refreshed_at"])
    outcome = Outcome(count, len(months), rollups)
    audit.record(
        EvaluationAudit.ROLLUPS_REBUILT,
        actor=actor,
        organization_id=organization.pk,
        obj=state,
        detail=outcome.summary,
    )
    return outcome


def stale_organizations() -> list[Organization]:
    """The organizations with calls, encounter reports or referrals written since their
    rollups were last brought up to date (or never built), for the worker's start. One query
    for the states, at most three per organization (bounded, indexed existence checks)."""
    states = dict(RollupState.objects.values_list("organization_id", "up_to"))
    stale = []
    for organization in Organization.objects.order_by("pk"):
        up_to = states.get(organization.pk)
        written = Q() if up_to is None else Q(updated_at__gte=up_to)
        if (
            Call.objects.filter(written, organization=organization).exists()
            or Encounter.objects.filter(written, organization=organization).exists()
            or Referral.objects.filter(
                written, organization=organization, encounter__isnull=False
            ).exists()
        ):
            stale.append(organization)
    return stale
