"""The evaluation statistics of one organization, computed from its de-identified call facts
summed in the database (per week or month, or per combination of responder, call type, shift
and district): no row of a call leaves the query. The actor must be one who reads the
organization's figures (``rollup_selectors.check``); each computation is audited as a read.
The statistics themselves are in ``analysis_statistics``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils.translation import gettext as _

from pmhc.evaluation import analysis_statistics as stats
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.metrics import Kind, Metric
from pmhc.evaluation.models import CallFact, ProgramChange
from pmhc.evaluation.rollup_selectors import check
from pmhc.evaluation.settings_selectors import min_cell_size
from pmhc.evaluation.suppression import count_text
from pmhc.platform import audit
from pmhc.platform.access import Actor
from pmhc.platform.models import Purpose


class Grain(StrEnum):
    WEEK = "week"
    MONTH = "month"


#: How far on each side of a change the series reaches (stated on the page).
WEEKS_EACH_SIDE = 52
MONTHS_EACH_SIDE = 36
#: The outcomes the CIT comparison reads, with what each counts.
OUTCOMES: tuple[tuple[str, str], ...] = (
    ("referred", "Referred to a service"),
    ("arrested", "Arrested"),
    ("force_above_presence", "Force above presence and verbal direction"),
)
#: The most combinations of responder, call type, shift and district a comparison reads.
MAX_CELLS = 5000
#: The longest span a comparison covers (stated on the page).
MAX_COMPARISON_DAYS = 5 * 366


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    total = day.year * 12 + day.month - 1 + months
    return dt.date(total // 12, total % 12 + 1, 1)


@dataclass(frozen=True)
class Point:
    start: dt.date
    index: int
    numerator: float
    denominator: int
    value: float | None
    after: bool
    #: The calls in words when under the organization's smallest count shown (else the number).
    n_text: str = ""
    #: Set when a count of the period is under the smallest count shown: its value is not
    #: shown (in the table or the chart); the statistics still use it.
    hidden: bool = False


@dataclass(frozen=True)
class BeforeAfter:
    change: ProgramChange
    metric: Metric
    grain: Grain
    points: list[Point]
    result: stats.SeriesResult
    #: The period the change fell inside, left out (None when it started on a period's start).
    left_out: dt.date | None
    first: dt.date
    last: dt.date
    scale: float
    autocorrelation: str = ""
    #: The organization's smallest count shown.
    min_cell: int = 1
    fitted: list[tuple[dt.date, float, float | None]] = field(default_factory=list)


def _period_of(grain: Grain, day: dt.date) -> dt.date:
    return week_start(day) if grain is Grain.WEEK else month_start(day)


def _step(grain: Grain, start: dt.date, count: int) -> dt.date:
    if grain is Grain.WEEK:
        return start + dt.timedelta(weeks=count)
    return add_months(start, count)


def _index(grain: Grain, origin: dt.date, start: dt.date) -> int:
    if grain is Grain.WEEK:
        return (start - origin).days // 7
    return (start.year - origin.year) * 12 + start.month - origin.month


def _series(
    organization_id: int, metric: Metric, grain: Grain, first: dt.date, end: dt.date
) -> list[tuple[dt.date, float, int]]:
    """(period start, numerator, denominator) of each period from ``first`` to before ``end``
    that has calls. One query, grouped in the database."""
    facts = CallFact.objects.filter(
        organization_id=organization_id,
        month__gte=month_start(first),
        month__lte=month_start(end - dt.timedelta(days=1)),
    )
    if grain is Grain.WEEK:
        facts = facts.filter(day__gte=first, day__lt=end).annotate(period=TruncWeek("day"))
        key = "period"
    else:
        key = "month"
    if metric.kind is Kind.AVERAGE:
        facts = facts.filter(**{f"{metric.numerator}__isnull": False})
        numerator: Sum | Count = Sum(metric.numerator)
    else:
        if metric.denominator != "calls":
            facts = facts.filter(**{metric.denominator: True})
        numerator = Count("pk", filter=Q(**{metric.numerator: True}))
    rows = facts.values(key).annotate(n=Count("pk"), k=numerator).order_by(key)
    result = []
    for row in rows:
        start = row[key]
        if isinstance(start, dt.datetime):
            start = start.date()
        result.append((start, float(row["k"] or 0), int(row["n"])))
    return result


def before_after(
    actor: Actor,
    organization_id: int | None,
    *,
    change: ProgramChange,
    metric: Metric,
    grain: Grain = Grain.WEEK,
) -> BeforeAfter:
    """The measure per period around the change and the segmented regression's estimates."""
    organization_id = check(actor, organization_id)
    if change.organization_id != organization_id:
        raise ValueError("the change belongs to another organization")
    side = WEEKS_EACH_SIDE if grain is Grain.WEEK else MONTHS_EACH_SIDE
    started = change.started_on
    period = _period_of(grain, started)
    left_out = None if period == started else period
    change_start = period if left_out is None else _step(grain, period, 1)
    first = _step(grain, period, -side)
    end = _step(grain, change_start, side)
    scale = 1.0 if metric.kind is Kind.AVERAGE else float(metric.per)
    min_cell = min_cell_size(organization_id)
    points: list[Point] = []
    for start, numerator, denominator in _series(organization_id, metric, grain, first, end):
        if start == left_out:
            continue
        index = _index(grain, first, start)
        points.append(
            Point(
                start=start,
                index=index,
                numerator=numerator,
                denominator=denominator,
                value=scale * numerator / denominator if denominator else None,
                after=start >= change_start,
                n_text=count_text(denominator, min_cell),
                # Minutes are not people: an average hides only when too few calls have them.
                hidden=denominator < min_cell
                or (metric.kind is not Kind.AVERAGE and numerator < min_cell),
            )
        )
    change_index = _index(grain, first, change_start)
    result = stats.interrupted_time_series(
        [stats.PeriodCount(p.index, p.numerator, p.denominator) for p in points],
        change_index=change_index,
        scale=scale,
    )
    audit.record_read(
        EvaluationAudit.ANALYSIS_READ,
        actor=actor,
        organization_id=organization_id,
        obj=change,
        purpose=Purpose.EVALUATION,
        detail=f"before and after: {metric.key} v{metric.version} by {grain.value}",
    )
    fitted = [
        (p.start, result.fitted[p.index], result.counterfactual.get(p.index))
        for p in points
        if p.index in result.fitted
    ]
    return BeforeAfter(
        change=change,
        metric=metric,
        grain=grain,
        points=points,
        result=result,
        left_out=left_out,
        first=first,
        last=_step(grain, end, -1),
        scale=scale,
        autocorrelation=stats.autocorrelation_words(result.durbin_watson, result.ljung_box_p),
        min_cell=min_cell,
        fitted=fitted,
    )


@dataclass(frozen=True)
class GroupShown:
    """A group's counts as the page shows them: under the smallest count shown, in words."""

    encounters: str
    events: str
    #: None when a count is hidden (the rate would give it back).
    percent: float | None


def _groups_shown(result: stats.ComparisonResult, min_cell: int) -> tuple[GroupShown, GroupShown]:
    """The CIT group and the others. Their encounters add up to the total shown above them, so
    when one is under the smallest count shown, the other is not shown either."""
    groups = (result.cit, result.other)
    small = any(g.encounters < min_cell for g in groups)
    shown = []
    for group in groups:
        encounters = count_text(group.encounters, min_cell)
        if small and group.encounters >= min_cell:
            encounters = _("not shown")
        hidden = small or group.events < min_cell
        percent = None if hidden else group.percent
        shown.append(GroupShown(encounters, count_text(group.events, min_cell), percent))
    return shown[0], shown[1]


@dataclass(frozen=True)
class OutcomeComparison:
    key: str
    label: str
    result: stats.ComparisonResult
    cit: GroupShown
    other: GroupShown


@dataclass(frozen=True)
class Comparison:
    since: dt.date
    until: dt.date
    encounters: int
    outcomes: list[OutcomeComparison]
    #: Set when the encounters fall into more combinations than a comparison reads.
    too_many: bool = False
    #: The organization's smallest count shown.
    min_cell: int = 1

    @property
    def encounters_text(self) -> str:
        return count_text(self.encounters, self.min_cell)


def cit_comparison(
    actor: Actor, organization_id: int | None, *, since: dt.date, until: dt.date
) -> Comparison:
    """CIT responders against the other officers over the encounters with an accepted report
    and an officer among their responders (a clinician alone is neither) from ``since`` to
    ``until`` (both included, by the call's day, else its month)."""
    organization_id = check(actor, organization_id)
    if until < since or (until - since).days > MAX_COMPARISON_DAYS:
        raise ValueError("the period is empty or longer than a comparison covers")
    facts = CallFact.objects.filter(
        organization_id=organization_id,
        reported=True,
        officer_responder=True,
        month__gte=month_start(since),
        month__lte=month_start(until),
    ).filter(Q(day__gte=since, day__lte=until) | Q(day__isnull=True))
    sums = {key: Count("pk", filter=Q(**{key: True})) for key, _ in OUTCOMES}
    rows = list(
        facts.values("cit_responder", "apco_type", "shift", "district")
        .annotate(n=Count("pk"), **sums)
        .order_by("cit_responder", "apco_type", "shift", "district")[: MAX_CELLS + 1]
    )
    audit.record_read(
        EvaluationAudit.ANALYSIS_READ,
        actor=actor,
        organization_id=organization_id,
        object_type="evaluation.callfact",
        purpose=Purpose.EVALUATION,
        detail=f"CIT comparison: {since.isoformat()} to {until.isoformat()}",
    )
    too_many = len(rows) > MAX_CELLS
    min_cell = min_cell_size(organization_id)
    outcomes = []
    for key, label in OUTCOMES:
        cells = [
            stats.Cell(
                cit=row["cit_responder"],
                call_type=row["apco_type"],
                shift=row["shift"],
                district=row["district"],
                encounters=row["n"],
                events=row[key],
            )
            for row in rows[:MAX_CELLS]
        ]
        result = (
            stats.ComparisonResult(
                reason="The encounters fall into more combinations of call type, shift and "
                f"district than a comparison reads ({MAX_CELLS}); choose a shorter period."
            )
            if too_many
            else stats.compare_responders(cells)
        )
        outcomes.append(OutcomeComparison(key, label, result, *_groups_shown(result, min_cell)))
    return Comparison(
        since=since,
        until=until,
        encounters=sum(row["n"] for row in rows[:MAX_CELLS]),
        outcomes=outcomes,
        too_many=too_many,
        min_cell=min_cell,
    )
