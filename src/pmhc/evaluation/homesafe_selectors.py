"""Home Safe in Measure: how many missing-person searches were opened each month, how many
ended with the person found, and the median minutes from the report to being found. Counts
only, never a row about a person (no longest or shortest time: that would be one person's).
Those who read the organization's Measure figures (``rollup_selectors.may_read``) read these,
under the same smallest count shown. A person found deceased counts as found."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.utils import timezone

from pmhc.evaluation.rollup_selectors import check
from pmhc.evaluation.settings_selectors import min_cell_size
from pmhc.homesafe.models import IncidentStatus, MissingIncident
from pmhc.platform.access import Actor
from pmhc.platform.dates import add_months, today_in, zone
from pmhc.platform.models import Organization

#: How many months the page shows, the current one last.
MONTHS = 12


@dataclass(frozen=True)
class MonthFigures:
    month: dt.date
    #: ``None``: under the smallest count shown (the page says "fewer than n").
    searches: int | None
    found: int | None
    median_minutes: int | None

    @property
    def label(self) -> str:
        return f"{self.month:%b %Y}"


@dataclass(frozen=True)
class HomeSafeFigures:
    months: list[MonthFigures]
    total: MonthFigures
    min_cell: int


def withheld(counts: dict[dt.date, int], floor: int) -> set[dt.date]:
    """The months whose count is not shown: each from 1 to ``floor - 1``, and, when that is
    exactly one month, the smallest other non-zero month too, so that the total shown below
    them cannot give the small one back."""
    small = {month for month, count in counts.items() if 0 < count < floor}
    if len(small) == 1:
        others = sorted((count, month) for month, count in counts.items() if count >= floor)
        if others:
            small.add(others[0][1])
    return small


def _figures(
    month: dt.date,
    opened: int,
    minutes: list[int],
    *,
    hide_opened: bool,
    hide_found: bool,
    floor: int,
) -> MonthFigures:
    """One period's figures as shown; the median only from at least the smallest count shown
    of people found (never one person's own time)."""
    return MonthFigures(
        month=month,
        searches=None if hide_opened else opened,
        found=None if hide_found else len(minutes),
        median_minutes=round(statistics.median(minutes)) if len(minutes) >= floor else None,
    )


def withheld_found(
    opened: dict[dt.date, int], found: dict[dt.date, int], floor: int
) -> set[dt.date]:
    """The months whose count of people found is not shown: a small count found, and a small
    count not found (searches minus found would give it), with one more month when only one
    is withheld, so that the total cannot give it back."""
    small = withheld(found, floor) | {
        month for month in opened if 0 < opened[month] - found[month] < floor
    }
    if len(small) == 1:
        others = sorted(
            (count, month) for month, count in found.items() if month not in small and count
        )
        if others:
            small.add(others[0][1])
    return small


def figures(actor: Actor, organization: Organization) -> HomeSafeFigures:
    """The last ``MONTHS`` months of the organization's searches, by the month of the report
    in the organization's own zone. 404 unless the actor reads its Measure figures."""
    check(actor, organization.pk)
    local = zone(organization.time_zone)
    first = add_months(today_in(organization.time_zone).replace(day=1), 1 - MONTHS)
    since = dt.datetime.combine(first, dt.time.min, tzinfo=local)
    months = [add_months(first, n) for n in range(MONTHS)]
    opened = dict.fromkeys(months, 0)
    minutes: dict[dt.date, list[int]] = {month: [] for month in months}
    rows = MissingIncident.objects.filter(
        organization=organization, reported_at__gte=since
    ).values_list("reported_at", "found_at", "status")
    for reported_at, found_at, status in rows.iterator(chunk_size=2000):
        month = timezone.localtime(reported_at, local).date().replace(day=1)
        if month not in opened:
            continue
        opened[month] += 1
        if status == IncidentStatus.FOUND and found_at is not None:
            minutes[month].append(max(0, int((found_at - reported_at).total_seconds() // 60)))
    floor = min_cell_size(organization.pk)
    hidden_opened = withheld(opened, floor)
    hidden_found = withheld_found(
        opened, {month: len(found) for month, found in minutes.items()}, floor
    )
    every = [value for values in minutes.values() for value in values]
    total_opened = sum(opened.values())
    return HomeSafeFigures(
        months=[
            _figures(
                month,
                opened[month],
                minutes[month],
                hide_opened=month in hidden_opened,
                hide_found=month in hidden_found,
                floor=floor,
            )
            for month in months
        ],
        total=_figures(
            first,
            total_opened,
            every,
            hide_opened=0 < total_opened < floor,
            hide_found=0 < len(every) < floor or 0 < total_opened - len(every) < floor,
            floor=floor,
        ),
        min_cell=floor,
    )
