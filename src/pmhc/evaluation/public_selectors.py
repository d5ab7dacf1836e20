"""The public page of an organization's outcomes: what anyone may read without signing in, once
its coordinator publishes it.

Figures come from the rollups (``rollup_selectors.totals``) for the last 12 full months, by
month and by district, and pass through ``suppression``: no count under the organization's
smallest count shown (never under ``models.PUBLIC_MIN_CELL``) is shown, nor any count that
would give one back by subtraction from the totals shown beside it. Each count keeps one
suppression across the page: the mental health calls are shown as a table of district by month
with its totals, and a measure's figures by month and by district are that table's totals (for
another count, the two breakdowns of the same total). A rate or average is shown only when its
numerator and its denominator are. Nothing here is about a person.

A measure shows its numerator beside its denominator, so their difference is shown too (the
calls not counted: reports without a connection, say). Where that difference is from 1 to the
smallest count shown, the numerator there is withheld as well, and its table suppressed again
so that no line gives it back; this repeats until no shown pair leaves such a difference. The
numerator's and the denominator's tables share no entry, so a difference can be worked out only
where both of its counts can: withholding one of them is enough.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _

from pmhc.evaluation import metrics, rollup_selectors
from pmhc.evaluation.metrics import Kind, Metric
from pmhc.evaluation.models import PUBLIC_MIN_CELL, MeasureSettings, RollupState
from pmhc.evaluation.suppression import TOTAL, Line, suppress, table_counts, table_lines
from pmhc.platform import dates
from pmhc.platform.access import NOT_FOUND, system_actor
from pmhc.platform.models import Organization

#: The months the page covers.
MONTHS = 12
#: The most districts the page breaks figures down by; past it, it says so and shows months.
MAX_DISTRICTS = 40
#: The count the page's table of district by month shows.
CALLS_FIELD = "mental_health"
#: How a call without a recorded district is named.
NO_DISTRICT = ""


def minimum_for(settings: MeasureSettings | None) -> int:
    """The smallest count shown: the organization's own, never under the public floor."""
    chosen = settings.min_cell_size if settings is not None else PUBLIC_MIN_CELL
    return max(PUBLIC_MIN_CELL, int(chosen))


def window(organization: Organization) -> list[dt.date]:
    """The first days of the last ``MONTHS`` full months in the organization's zone."""
    today = organization.today()
    this_month = today.replace(day=1)
    return [dates.add_months(this_month, -n) for n in range(MONTHS, 0, -1)]


@dataclass(frozen=True)
class Table:
    """One count by district and month, with what may be shown (``None``: withheld)."""

    field: str
    counts: Mapping[Hashable, int]
    withheld: frozenset[Hashable]

    def shown(self, key: Hashable) -> int | None:
        return None if key in self.withheld else self.counts.get(key, 0)

    def grid(
        self, districts: list[str], months: list[dt.date]
    ) -> list[tuple[str, list[int | None], int | None]]:
        """Each district's shown counts by month and its total, then the months' totals."""
        rows = [
            (
                district_label(district),
                [self.shown((district, month)) for month in months],
                self.shown((district, TOTAL)),
            )
            for district in districts
        ]
        rows.append(
            (
                _("All districts"),
                [self.shown((TOTAL, month)) for month in months],
                self.shown((TOTAL, TOTAL)),
            )
        )
        return rows


def _cells(rows: Iterable[Mapping[str, Any]], name: str) -> dict[tuple[Hashable, Hashable], int]:
    cells: dict[tuple[Hashable, Hashable], int] = {}
    for row in rows:
        key = (row["district"] or NO_DISTRICT, row["period"])
        cells[key] = cells.get(key, 0) + int(row[name])
    return cells


def build_table(
    rows: Sequence[Mapping[str, Any]],
    name: str,
    districts: list[str],
    months: list[dt.date],
    minimum: int,
    *,
    with_cells: bool,
    also: Iterable[Hashable] = (),
) -> Table:
    """The suppressed table of count ``name``. With ``with_cells`` the cells of district by
    month are published with their totals; without, only the totals by month and by district
    (two breakdowns of one total). The keys ``also`` are withheld whatever their count."""
    counts = table_counts(_cells(rows, name), districts, months)
    lines: list[Line[Hashable]]
    if with_cells:
        lines = table_lines(districts, months)
    else:
        counts = {
            key: value
            for key, value in counts.items()
            if key[0] == TOTAL or key[1] == TOTAL  # type: ignore[index]
        }
        lines = [
            Line((TOTAL, TOTAL), tuple((TOTAL, month) for month in months)),
            Line((TOTAL, TOTAL), tuple((district, TOTAL) for district in districts)),
        ]
    return Table(name, counts, frozenset(suppress(counts, lines, minimum, also)))


@dataclass(frozen=True)
class Figure:
    """One line of a measure's breakdown: its counts and its figure, each None when withheld."""

    label: str
    numerator: int | None
    denominator: int | None
    value: float | None
    #: Why there is no figure: "withheld", "none" (nothing to divide by) or "".
    missing: str = ""
    #: The figure as the page writes it ("42.0%", "3.1 per 100", "12.5 minutes").
    text: str = ""


@dataclass(frozen=True)
class MetricView:
    metric: Metric
    by_month: list[Figure]
    by_district: list[Figure]
    overall: Figure
    #: Whether the numerator is a count shown on the page (not a sum of minutes).
    shows_numerator: bool


@dataclass
class PublicPage:
    organization: Organization
    settings: MeasureSettings
    minimum: int
    months: list[dt.date]
    districts: list[str]
    by_district: bool
    calls: Table | None
    metrics: list[MetricView] = field(default_factory=list)
    as_of: dt.datetime | None = None

    @property
    def max_districts(self) -> int:
        return MAX_DISTRICTS

    @property
    def month_labels(self) -> list[str]:
        return [f"{month:%b %Y}" for month in self.months]

    @property
    def calls_grid(self) -> list[tuple[str, list[int | None], int | None]]:
        return self.calls.grid(self.districts, self.months) if self.calls else []


def written(metric: Metric, value: float | None) -> str:
    """A figure in words and digits, by the measure's kind."""
    if value is None:
        return ""
    if metric.kind == Kind.SHARE:
        return f"{value:.1f}%"
    if metric.kind == Kind.RATE:
        return _("%(value)s per %(per)d") % {"value": f"{value:.1f}", "per": metric.per}
    return _("%(value)s minutes") % {"value": f"{value:.1f}"}


def _figure(metric: Metric, label: str, num: Table, den: Table, key: Hashable) -> Figure:
    found = _raw_figure(metric, label, num, den, key)
    return Figure(
        found.label,
        found.numerator,
        found.denominator,
        found.value,
        found.missing,
        written(metric, found.value),
    )


def _raw_figure(metric: Metric, label: str, num: Table, den: Table, key: Hashable) -> Figure:
    denominator = den.shown(key)
    if metric.kind == Kind.AVERAGE:
        numerator_sum = num.counts.get(key, 0)
        if denominator is None:
            return Figure(label, None, None, None, "withheld")
        if not denominator:
            return Figure(label, None, 0, None, "none")
        return Figure(label, None, denominator, metrics.value(metric, numerator_sum, denominator))
    numerator = num.shown(key)
    if numerator is None or denominator is None:
        return Figure(label, numerator, denominator, None, "withheld")
    if not denominator:
        return Figure(label, numerator, 0, None, "none")
    return Figure(label, numerator, denominator, metrics.value(metric, numerator, denominator))


def district_label(district: str) -> str:
    return district or _("District not recorded")


def published(slug: str) -> MeasureSettings:
    """The settings of the organization ``slug`` when its page is published; else the one 404,
    the same as for an organization that does not exist."""
    found = (
        MeasureSettings.objects.select_related("organization")
        .filter(organization__slug=slug, public=True)
        .first()
    )
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def public_page(slug: str) -> PublicPage:
    """Everything the public page shows, suppressed. Three queries."""
    settings = published(slug)
    organization = settings.organization
    minimum = minimum_for(settings)
    months = window(organization)
    state = RollupState.objects.filter(organization=organization).first()
    chosen = [metrics.BY_KEY[key] for key in settings.public_metrics if key in metrics.BY_KEY]
    rows = rollup_selectors.totals(
        system_actor(_("public page")),
        organization.pk,
        since=months[0],
        until=months[-1],
        by=("period", "district"),
    )
    districts = sorted({row["district"] or NO_DISTRICT for row in rows})
    by_district = len(districts) <= MAX_DISTRICTS
    if not by_district:
        districts = [NO_DISTRICT]
        rows = [{**row, "district": NO_DISTRICT} for row in rows]
    tables: dict[str, Table] = {}
    #: Numerators withheld because their difference with the denominator is too small.
    also: dict[str, set[Hashable]] = {}

    def table(name: str) -> Table:
        if name not in tables:
            tables[name] = build_table(
                rows,
                name,
                districts,
                months,
                minimum,
                with_cells=name == CALLS_FIELD,
                also=also.get(name, ()),
            )
        return tables[name]

    keys: list[Hashable] = [(TOTAL, month) for month in months] + [(TOTAL, TOTAL)]
    if by_district:
        keys += [(district, TOTAL) for district in districts]
    pairs = [(m.numerator, m.denominator) for m in chosen if m.kind != Kind.AVERAGE]
    while _withhold_small_differences(pairs, keys, table, tables, also, minimum):
        pass

    calls = table(CALLS_FIELD) if by_district else None
    page = PublicPage(
        organization=organization,
        settings=settings,
        minimum=minimum,
        months=months,
        districts=districts,
        by_district=by_district,
        calls=calls,
        as_of=state.up_to if state else None,
    )
    for metric in chosen:
        den = table(metric.denominator)
        if metric.kind == Kind.AVERAGE:
            # A sum of minutes is not a count of calls: it is never shown, only divided.
            minutes = table_counts(_cells(rows, metric.numerator), districts, months)
            num = Table(metric.numerator, minutes, frozenset())
        else:
            num = table(metric.numerator)
        page.metrics.append(
            MetricView(
                metric=metric,
                by_month=[
                    _figure(metric, f"{month:%b %Y}", num, den, (TOTAL, month)) for month in months
                ],
                by_district=[
                    _figure(metric, district_label(d), num, den, (d, TOTAL)) for d in districts
                ]
                if by_district
                else [],
                overall=_figure(metric, _("All 12 months"), num, den, (TOTAL, TOTAL)),
                shows_numerator=metric.kind != Kind.AVERAGE,
            )
        )
    return page


def _withhold_small_differences(
    pairs: Sequence[tuple[str, str]],
    keys: Sequence[Hashable],
    table: Callable[[str], Table],
    tables: dict[str, Table],
    also: dict[str, set[Hashable]],
    minimum: int,
) -> bool:
    """Withhold each numerator shown beside its denominator where their difference is from 1
    to ``minimum - 1`` (its table is built again). Whether any was."""
    grown = False
    for num_name, den_name in pairs:
        num, den = table(num_name), table(den_name)
        for key in keys:
            numerator, denominator = num.shown(key), den.shown(key)
            if numerator is None or denominator is None:
                continue
            if 0 < denominator - numerator < minimum:
                also.setdefault(num_name, set()).add(key)
                tables.pop(num_name, None)
                grown = True
    return grown


def published_pages(limit: int = 50) -> list[Organization]:
    """The organizations whose public page is published, by name (for a list of links)."""
    return [
        s.organization
        for s in MeasureSettings.objects.select_related("organization")
        .filter(public=True)
        .order_by("organization__name")[:limit]
    ]
