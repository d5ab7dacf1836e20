"""What if one more team were on a shift: from the program's own calls of the last 12 full
months, the calls whose protocol recommended a clinician-led route (a co-responder or mobile
crisis team) but that went to police instead (a CIT officer or patrol), by shift and day of the
week; and, with one more team on a chosen shift, how many of them the staffing model says would
have been answered. The call record does not say why a call went to police (Operate keeps the
reason only in the call's restricted notes), so every such call counts, whatever the reason.

The model is Plan's (``planning.erlang``, Erlang B: a call that finds every team busy goes to
patrol, it does not wait). Its inputs, each stated on the page:

- the calls on the shift whose protocol recommended a clinician-led route arrive at random
  (a Poisson process) at their average rate over the year and the shift's hours;
- each keeps a team busy for the community profile's time on scene plus travel;
- the teams on the shift now: the number entered, or else the number whose Erlang B share of
  calls finding every team busy is nearest the share that went to police instead (the model
  takes each of those calls as one that found every team busy; the record does not say so);
- with one more team, the share finding every team busy falls from B(n) to B(n + 1), so of
  the calls that went to police, 1 - B(n + 1) / B(n) would have found a team free.

Counts of calls only, never a row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from pmhc.evaluation import rollup_selectors
from pmhc.evaluation.fact_builder import CLINICIAN_ROUTES
from pmhc.evaluation.models import CallFact
from pmhc.planning import erlang, staffing
from pmhc.planning import selectors as planning_selectors
from pmhc.platform import dates
from pmhc.platform.access import Actor
from pmhc.platform.models import Organization

MONTHS = 12
#: The most teams the page infers or takes on one shift.
MAX_TEAMS = 50
#: Hours of a shift when the community profile does not name it.
DEFAULT_SHIFT_HOURS = 8
#: Weekdays as ``CallFact.weekday`` keeps them (Monday is 0).
WEEKDAYS = range(7)


def window(organization: Organization) -> tuple[dt.date, dt.date]:
    """The first days of the first and the last of the last ``MONTHS`` full months."""
    this_month = organization.today().replace(day=1)
    return dates.add_months(this_month, -MONTHS), dates.add_months(this_month, -1)


@dataclass
class ShiftRow:
    shift: str
    #: Calls that went to police instead of the recommended team, by weekday (Monday first).
    by_weekday: list[int]
    #: Of ``recommended``, the calls that went to police instead.
    unavailable: int
    #: Calls whose protocol recommended a clinician-led route.
    recommended: int
    #: Calls whose day is not known (the CAD gave only a month).
    no_day: int


@dataclass(frozen=True)
class Estimate:
    shift: str
    hours: int
    handle_minutes: float
    calls_per_hour: float
    offered_load: float
    observed_share: float
    teams_now: int
    teams_inferred: bool
    modelled_share_now: float
    modelled_share_more: float
    unavailable: int
    answered: int


@dataclass
class WhatIf:
    since: dt.date
    until: dt.date
    days: int
    rows: list[ShiftRow]
    has_profile: bool
    profile_hours: dict[str, int]
    handle_minutes: float | None

    @property
    def shifts(self) -> list[str]:
        return [row.shift for row in self.rows]

    @property
    def total_unavailable(self) -> int:
        return sum(row.unavailable for row in self.rows)

    @property
    def weekday_totals(self) -> list[int]:
        return [sum(row.by_weekday[d] for row in self.rows) for d in WEEKDAYS]


def counts(actor: Actor, organization: Organization) -> WhatIf:
    """The calls of the window whose protocol recommended a clinician-led route, and of them
    those that went to police instead, by shift and weekday; and the profile's figures. Two
    queries."""
    rollup_selectors.check(actor, organization.pk)
    since, until = window(organization)
    grouped = (
        CallFact.objects.filter(
            organization=organization,
            month__gte=since,
            month__lte=until,
            recommended__in=CLINICIAN_ROUTES,
        )
        .values("shift", "weekday")
        .annotate(
            recommended=Count("pk"),
            unavailable=Count("pk", filter=Q(clinician_route_unavailable=True)),
        )
        .order_by("shift", "weekday")
    )
    by_shift: dict[str, ShiftRow] = {}
    for found in grouped:
        name = found["shift"] or ""
        row = by_shift.setdefault(name, ShiftRow(name, [0] * 7, 0, 0, 0))
        row.recommended += found["recommended"]
        row.unavailable += found["unavailable"]
        if found["weekday"] is None:
            row.no_day += found["unavailable"]
        else:
            row.by_weekday[found["weekday"]] += found["unavailable"]
    profile = planning_selectors.profile(actor, organization)
    hours: dict[str, int] = {}
    handle: float | None = None
    if profile is not None:
        names = list(profile.shifts or [])
        if names and not 24 % len(names):
            hours = {name: 24 // len(names) for name in names}
        handle = staffing.handle_minutes(profile) or None
    rows = [by_shift[name] for name in sorted(by_shift)]
    days = (dates.add_months(until, 1) - since).days
    return WhatIf(since, until, days, rows, profile is not None, hours, handle)


def infer_teams(load: float, share: float) -> int:
    """The number of teams whose Erlang B share is nearest the observed ``share``."""
    best, best_gap = 1, float("inf")
    for n, b in zip(range(MAX_TEAMS + 1), erlang.erlang_b_series(load), strict=False):
        if n == 0:
            continue
        gap = abs(b - share)
        if gap < best_gap:
            best, best_gap = n, gap
    return best


def estimate(what: WhatIf, shift: str, teams_now: int | None) -> Estimate | None:
    """One more team on ``shift``; None when the shift has no such calls or no handling time
    is known (the community profile gives it)."""
    row = next((r for r in what.rows if r.shift == shift), None)
    if row is None or not row.recommended or not what.handle_minutes:
        return None
    hours = what.profile_hours.get(shift, DEFAULT_SHIFT_HOURS)
    rate = row.recommended / (what.days * hours)
    load = erlang.offered_load(rate, what.handle_minutes)
    observed = row.unavailable / row.recommended
    inferred = teams_now is None
    now = infer_teams(load, observed) if teams_now is None else teams_now
    share_now = erlang.erlang_b(now, load)
    share_more = erlang.erlang_b(now + 1, load)
    answered = 0 if not share_now else round(row.unavailable * (1 - share_more / share_now))
    return Estimate(
        shift=shift,
        hours=hours,
        handle_minutes=what.handle_minutes,
        calls_per_hour=rate,
        offered_load=load,
        observed_share=observed,
        teams_now=now,
        teams_inferred=inferred,
        modelled_share_now=share_now,
        modelled_share_more=share_more,
        unavailable=row.unavailable,
        answered=answered,
    )
