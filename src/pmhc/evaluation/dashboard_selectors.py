"""The Measure dashboard's figures, built from the rollups' sums (``rollup_selectors.totals``)
and the measures' definitions (``metrics``). Never a row of a call.

One page reads two sums: the months of the period and of the year before it (grouped by month,
and by the breakdown when one is chosen), and the values each breakdown holds in the period (for
the filters' choices). Every cell whose numerator or denominator is under the organization's
smallest count shown is hidden, on the page and in the downloads alike: the downloads are the
rows of the page (``rows``). The months and the breakdown's groups are shown beside the period's
total, so they pass through ``suppression``: where a hidden count could be worked out by
subtracting the shown ones from the total, another one is hidden too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pmhc.dispatch.models import Routing
from pmhc.evaluation import metrics
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import DIMENSIONS
from pmhc.evaluation.rollup_selectors import COUNTS, check, dimension_values, totals
from pmhc.evaluation.settings_selectors import min_cell_size
from pmhc.evaluation.suppression import Line, suppress
from pmhc.platform import audit
from pmhc.platform.access import Actor
from pmhc.platform.models import Purpose
from pmhc.response.models import RaceEthnicity
from pmhc.toolkit.models import ProgramTypeCode

#: The longest period the page shows, in months (with the same months of the year before).
MAX_MONTHS = 24
#: The months a trend is read over, and the months compared at each end of it.
TREND_MONTHS = 12
TREND_ENDS = 3

#: The chart's drawing units: bar width and gap, the plot's height, its top and left margins.
CHART_BAR = 26
CHART_GAP = 8
CHART_HEIGHT = 150
CHART_TOP = 12
CHART_LEFT = 64

DIMENSION_NAMES: dict[str, str | Promise] = {
    "shift": gettext_lazy("Shift"),
    "district": gettext_lazy("District"),
    "route": gettext_lazy("Route"),
    "cit_responder": gettext_lazy("CIT officer responded"),
    "program_type": gettext_lazy("Program type"),
    "race_ethnicity": gettext_lazy("Race or ethnicity"),
}
_LABELS: dict[str, Mapping[Any, str | Promise]] = {
    "route": dict(Routing.choices),
    "program_type": dict(ProgramTypeCode.choices),
    "race_ethnicity": dict(RaceEthnicity.choices),
    "cit_responder": {True: gettext_lazy("Yes"), False: gettext_lazy("No")},
}


def value_label(dimension: str, value: Any) -> str:
    """A breakdown's value in words: the choice's name, else the value as kept."""
    if value == "" or value is None:
        return _("Not recorded")
    return str(_LABELS.get(dimension, {}).get(value, value))


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(since: dt.date, until: dt.date) -> list[dt.date]:
    """The first days of the months from ``since`` to ``until``, both included."""
    count = (until.year - since.year) * 12 + until.month - since.month + 1
    return [add_months(since, n) for n in range(max(count, 0))]


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve full months and the current one."""
    current = first_of_month(today)
    return add_months(current, -TREND_MONTHS), current


@dataclass(frozen=True)
class Filters:
    since: dt.date
    until: dt.date
    #: Dimension -> the value the figures are narrowed to.
    where: Mapping[str, Any] = field(default_factory=dict)
    #: One of ``DIMENSIONS``, or "" for none.
    by: str = ""


@dataclass(frozen=True)
class Cell:
    """One figure of a measure with its counts, as shown: hidden when a count is too small."""

    metric: metrics.Metric
    numerator: int
    denominator: int
    min_cell: int
    #: "numerator", "denominator": the counts withheld (small, or hidden so that a small one
    #: beside them cannot be worked out from a total).
    withheld: frozenset[str] = frozenset()

    @property
    def hidden(self) -> bool:
        if self.denominator < self.min_cell or "denominator" in self.withheld:
            return True
        # Minutes are not people: an average hides only when too few calls have them.
        if self.metric.kind == metrics.Kind.AVERAGE:
            return False
        return self.numerator < self.min_cell or "numerator" in self.withheld

    @property
    def figure(self) -> float | None:
        if self.hidden:
            return None
        value = metrics.value(self.metric, self.numerator, self.denominator)
        return None if value is None else round(value, 1)

    @property
    def fewer(self) -> str:
        return _("fewer than %(n)s") % {"n": self.min_cell}

    @property
    def numerator_text(self) -> str:
        if not self.hidden or self.metric.kind == metrics.Kind.AVERAGE:
            return str(self.numerator) if not self.hidden else _("not shown")
        return self.fewer if self.numerator < self.min_cell else _("not shown")

    @property
    def denominator_text(self) -> str:
        if self.denominator < self.min_cell:
            return self.fewer
        return _("not shown") if "denominator" in self.withheld else str(self.denominator)

    @property
    def figure_text(self) -> str:
        if self.denominator == 0:
            return _("no calls counted")
        if self.hidden:
            return _("not shown: too few to count")
        return format_figure(self.metric, self.figure)


def format_figure(metric: metrics.Metric, figure: float | None) -> str:
    if figure is None:
        return ""
    if metric.kind == metrics.Kind.SHARE:
        return f"{figure:.1f}%"
    if metric.kind == metrics.Kind.AVERAGE:
        return _("%(n).1f minutes") % {"n": figure}
    return _("%(n).1f per %(per)s") % {"n": figure, "per": metric.per}


def unit(metric: metrics.Metric) -> str:
    if metric.kind == metrics.Kind.SHARE:
        return _("percent")
    if metric.kind == metrics.Kind.AVERAGE:
        return _("minutes")
    return _("per %(per)s") % {"per": metric.per}


@dataclass(frozen=True)
class Point:
    month: dt.date
    cell: Cell


@dataclass(frozen=True)
class Group:
    """A value of the chosen breakdown, with the measure's figure over the period."""

    label: str
    cell: Cell


@dataclass(frozen=True)
class Figures:
    metric: metrics.Metric
    #: The period's months, for the chart (headline measures only).
    months: list[Point]
    current: Cell
    last_year: Cell
    #: The first and last quarter of the twelve months to the end of the period.
    trend_start: Cell
    trend_end: Cell
    breakdown: list[Group]

    @property
    def outcome_name(self) -> str:
        return str(metrics.OUTCOME_NAMES[self.metric.outcome])

    @property
    def comparison(self) -> str:
        return _compare(self.current, self.last_year, _("the same period last year"))

    @property
    def trend(self) -> str:
        return _compare(self.trend_end, self.trend_start, _("the first three of those months"))

    @property
    def chart_top(self) -> float:
        """The top of the chart's scale: 100 for a share, else the largest figure shown."""
        if self.metric.kind == metrics.Kind.SHARE:
            return 100.0
        shown = [p.cell.figure for p in self.months if p.cell.figure is not None]
        return max(max(shown, default=0.0), 1.0)

    @property
    def chart(self) -> dict[str, Any]:
        """The bars of the chart by month, in the drawing's units (the template draws them)."""
        top = self.chart_top
        bars = []
        for index, point in enumerate(self.months):
            x = CHART_LEFT + index * (CHART_BAR + CHART_GAP)
            figure = point.cell.figure
            height = 0.0 if figure is None else round(figure / top * CHART_HEIGHT, 1)
            bars.append(
                {
                    "x": x,
                    "y": round(CHART_TOP + CHART_HEIGHT - height, 1),
                    "height": height,
                    "middle": x + CHART_BAR / 2,
                    "month": f"{point.month:%m/%y}",
                    "text": point.cell.figure_text,
                    "shown": figure is not None,
                }
            )
        width = CHART_LEFT + max(len(bars), 1) * (CHART_BAR + CHART_GAP)
        return {
            "bars": bars,
            "width": width,
            "height": CHART_TOP + CHART_HEIGHT + 24,
            "base": CHART_TOP + CHART_HEIGHT,
            "top": CHART_TOP,
            "bar": CHART_BAR,
            "left": CHART_LEFT,
            "top_label": format_figure(self.metric, round(top, 1)),
            "label_y": CHART_TOP + CHART_HEIGHT + 16,
        }


def _compare(now: Cell, before: Cell, before_name: str) -> str:
    if now.figure is None or before.figure is None:
        return _("Too few calls to compare with %(before)s.") % {"before": before_name}
    if now.figure == before.figure:
        return _("The same as %(before)s.") % {"before": before_name}
    direction = _("Higher") if now.figure > before.figure else _("Lower")
    better = (now.figure > before.figure) == now.metric.higher_is_better
    return _("%(direction)s than %(before)s (%(then)s), which is %(judgement)s.") % {
        "direction": direction,
        "before": before_name,
        "then": format_figure(now.metric, before.figure),
        "judgement": _("better") if better else _("worse"),
    }


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    min_cell: int
    months: list[dt.date]
    headline: list[Figures]
    #: The other measures, by outcome name, in the outcomes' order.
    others: list[tuple[str, list[Figures]]]
    #: Dimension -> the values it holds in the period, with their labels (for the filters).
    choices: dict[str, list[tuple[str, str]]]

    @property
    def by_name(self) -> str:
        return str(DIMENSION_NAMES[self.filters.by]) if self.filters.by else ""

    @property
    def all_figures(self) -> Iterator[Figures]:
        yield from self.headline
        for _name, figures in self.others:
            yield from figures


def _sum(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    summed: dict[str, int] = defaultdict(int)
    for row in rows:
        for name in COUNTS:
            summed[name] += row[name]
    return summed


#: The counts that are people or calls (an average's minutes are not: they hide with its calls).
_SUPPRESSED = frozenset(
    {m.denominator for m in metrics.METRICS}
    | {m.numerator for m in metrics.METRICS if m.kind != metrics.Kind.AVERAGE}
)
_PERIOD = "period"


def _withheld(
    current: Mapping[str, int],
    month_counts: Mapping[dt.date, Mapping[str, int]],
    group_counts: list[tuple[str, dict[str, int]]],
    min_cell: int,
) -> dict[str, set[Hashable]]:
    """For each count, the cells of the months and of the groups to withhold: the period's
    total is the sum of its months and the sum of its groups, and both are shown beside it."""
    months: tuple[Hashable, ...] = tuple(("month", month) for month in month_counts)
    groups: tuple[Hashable, ...] = tuple(("group", i) for i in range(len(group_counts)))
    lines = [Line(_PERIOD, months)] + ([Line(_PERIOD, groups)] if groups else [])
    withheld: dict[str, set[Hashable]] = {}
    for name in _SUPPRESSED:
        counts: dict[Hashable, int] = {_PERIOD: current.get(name, 0)}
        counts.update({("month", m): c.get(name, 0) for m, c in month_counts.items()})
        counts.update({("group", i): c.get(name, 0) for i, (_l, c) in enumerate(group_counts)})
        withheld[name] = suppress(counts, lines, min_cell)
    return withheld


def _cell(
    metric: metrics.Metric,
    counts: Mapping[str, int],
    min_cell: int,
    withheld: Mapping[str, set[Hashable]] | None = None,
    key: Hashable = None,
) -> Cell:
    parts = {"numerator": metric.numerator, "denominator": metric.denominator}
    hidden = frozenset(
        part for part, name in parts.items() if withheld and key in withheld.get(name, ())
    )
    return Cell(
        metric,
        counts.get(metric.numerator, 0),
        counts.get(metric.denominator, 0),
        min_cell,
        hidden,
    )


def _in(rows: Iterable[Mapping[str, Any]], first: dt.date, last: dt.date) -> list[Any]:
    return [row for row in rows if first <= row["period"] <= last]


def build(actor: Actor, organization_id: int, filters: Filters) -> Dashboard:
    """The page's figures: checks the actor may read the organization's aggregates (else the
    one 404); two sums of the rollups, whatever the number of months."""
    check(actor, organization_id)
    if filters.by and filters.by not in DIMENSIONS:
        raise ValueError(f"Not a breakdown: {filters.by}")
    min_cell = min_cell_size(organization_id)
    since, until = filters.since, filters.until
    trend_first = add_months(until, 1 - TREND_MONTHS)
    earliest = min(add_months(since, -12), trend_first)
    by = ("period", filters.by) if filters.by else ("period",)
    rows = totals(actor, organization_id, since=earliest, until=until, by=by, where=filters.where)
    options = dimension_values(actor, organization_id, since=since, until=until)

    period_rows = _in(rows, since, until)
    current = _sum(period_rows)
    last_year = _sum(_in(rows, add_months(since, -12), add_months(until, -12)))
    trend_start = _sum(_in(rows, trend_first, add_months(trend_first, TREND_ENDS - 1)))
    trend_end = _sum(_in(rows, add_months(until, 1 - TREND_ENDS), until))
    by_month: dict[dt.date, list[Any]] = defaultdict(list)
    for row in period_rows:
        by_month[row["period"]].append(row)
    month_counts = {month: _sum(by_month.get(month, [])) for month in months_between(since, until)}
    groups: dict[Any, list[Any]] = defaultdict(list)
    if filters.by:
        for row in period_rows:
            groups[row[filters.by]].append(row)
    group_counts = sorted(
        ((value_label(filters.by, value), _sum(found)) for value, found in groups.items()),
        key=lambda pair: pair[0],
    )
    withheld = _withheld(current, month_counts, group_counts, min_cell)

    def figures(metric: metrics.Metric, charted: bool) -> Figures:
        return Figures(
            metric=metric,
            months=[
                Point(month, _cell(metric, counts, min_cell, withheld, ("month", month)))
                for month, counts in month_counts.items()
            ]
            if charted
            else [],
            current=_cell(metric, current, min_cell, withheld, _PERIOD),
            last_year=_cell(metric, last_year, min_cell),
            trend_start=_cell(metric, trend_start, min_cell),
            trend_end=_cell(metric, trend_end, min_cell),
            breakdown=[
                Group(label, _cell(metric, counts, min_cell, withheld, ("group", i)))
                for i, (label, counts) in enumerate(group_counts)
            ],
        )

    headline = [figures(metrics.BY_KEY[key], True) for key in metrics.HEADLINE]
    others: list[tuple[str, list[Figures]]] = []
    for outcome in metrics.Outcome:
        found = [
            figures(m, False)
            for m in metrics.METRICS
            if m.outcome == outcome and m.key not in metrics.HEADLINE
        ]
        if found:
            others.append((str(metrics.OUTCOME_NAMES[outcome]), found))
    return Dashboard(
        filters=filters,
        min_cell=min_cell,
        months=list(month_counts),
        headline=headline,
        others=others,
        choices=_choices(options),
    )


def _choices(values: Mapping[str, set[Any]]) -> dict[str, list[tuple[str, str]]]:
    return {
        dimension: sorted(
            ((_encode(value), value_label(dimension, value)) for value in found),
            key=lambda pair: pair[1],
        )
        for dimension, found in values.items()
    }


def _encode(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


#: The columns of the downloads, in order. No column names a person or a call.
HEADER: tuple[str, ...] = (
    "outcome",
    "measure",
    "definition_version",
    "table",
    "group",
    "numerator",
    "denominator",
    "figure",
    "unit",
)


def rows(dashboard: Dashboard) -> Iterator[tuple[Any, ...]]:
    """The rows the page shows, header first: each measure's months (headline measures), the
    period and the same period last year, and the breakdown when one is chosen."""
    yield HEADER
    period = _("%(since)s to %(until)s") % {
        "since": f"{dashboard.filters.since:%Y-%m}",
        "until": f"{dashboard.filters.until:%Y-%m}",
    }
    earlier = _("%(since)s to %(until)s") % {
        "since": f"{add_months(dashboard.filters.since, -12):%Y-%m}",
        "until": f"{add_months(dashboard.filters.until, -12):%Y-%m}",
    }
    for figures in dashboard.all_figures:
        for point in figures.months:
            yield _line(figures, _("by month"), f"{point.month:%Y-%m}", point.cell)
        yield _line(figures, _("period"), period, figures.current)
        yield _line(figures, _("same period last year"), earlier, figures.last_year)
        by = _("by %(name)s") % {"name": dashboard.by_name.lower()}
        for group in figures.breakdown:
            yield _line(figures, by, group.label, group.cell)


def _line(figures: Figures, table: str, group: str, cell: Cell) -> tuple[Any, ...]:
    metric = figures.metric
    return (
        figures.outcome_name,
        str(metric.name),
        metric.version,
        table,
        group,
        cell.numerator_text,
        cell.denominator_text,
        "" if cell.figure is None else cell.figure,
        unit(metric),
    )


def audit_download(actor: Actor, organization_id: int, dashboard: Dashboard, kind: str) -> None:
    """Record that the actor downloaded the figures (the read of aggregates is audited like a
    read of rows, so the trail shows what left the product)."""
    filters = dashboard.filters
    narrowed = ", ".join(f"{k}={_encode(v)}" for k, v in sorted(filters.where.items()))
    audit.record_read(
        EvaluationAudit.DASHBOARD_DOWNLOADED,
        actor=actor,
        organization_id=organization_id,
        purpose=Purpose.EVALUATION,
        object_type="evaluation.rollup",
        detail=(
            f"{kind} of the dashboard {filters.since:%Y-%m} to {filters.until:%Y-%m}"
            + (f", by {filters.by}" if filters.by else "")
            + (f", where {narrowed}" if narrowed else "")
        ),
    )
