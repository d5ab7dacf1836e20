"""The staffing model for each shift of a community profile.

From the profile: mental health calls a year (counted, or a share of all calls), spread over
the day by the hour-of-day pattern and cut into the profile's shifts (equal blocks of the day
from the first shift's start hour). A call keeps a unit busy for the time on scene plus the
travel time. Then, for each shift, with ``erlang``:

(a) units (co-responder cars or mobile crisis teams) so that the target share of calls finds
    a unit free within the answer time when calls queue (Erlang C), and units so that at most
    the overflow bound finds every unit busy when they go to patrol instead (Erlang B);
(b) CIT-certified officers so that at least one is free when a call arrives, with the chosen
    probability (Erlang B);
(c) what share of the shift's patrol officers that is, against the common 20-25% guideline.

A load so large that more than ``MAX_UNITS`` units would be needed is not an error: the shift
is reported as one that cannot be staffed within that many units (``ShiftStaffing.staffable``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from pmhc.planning import erlang

if TYPE_CHECKING:
    from pmhc.planning.models import CommunityProfile
    from pmhc.training.coverage import Coverage

#: The common guideline for the CIT share of patrol (FACTS: "20-25% is the common target").
GUIDELINE_LOW = 0.20
GUIDELINE_HIGH = 0.25
#: Rows shown past the larger of the two unit answers.
EXTRA_ROWS = 3
#: Rows shown below the smaller answer (a large load needs no table from one unit up).
MAX_ROWS_BELOW = 8
#: The most units the model looks for; a shift that needs more "cannot be staffed".
MAX_UNITS = erlang.MAX_UNITS


def mh_calls_per_year(profile: CommunityProfile) -> float:
    """Counted calls when entered, otherwise the share of all calls for service."""
    if profile.mh_calls_per_year is not None:
        return float(profile.mh_calls_per_year)
    if profile.mh_call_percent is not None:
        return profile.calls_per_year * float(profile.mh_call_percent) / 100.0
    return 0.0


def _shares(pattern: Sequence[float], size: int) -> list[float]:
    """A pattern as shares that add up to one; even when missing or all zero."""
    values = [float(v) for v in pattern] if len(pattern) == size else []
    total = sum(values)
    if not values or total <= 0:
        return [1.0 / size] * size
    return [v / total for v in values]


@dataclass(frozen=True)
class ShiftLoad:
    name: str
    start_hour: int
    hours: int
    #: Mental health calls per hour, on an average day and on the busiest day of the week.
    arrivals_per_hour: float
    busiest_day_arrivals_per_hour: float


def shift_loads(profile: CommunityProfile) -> list[ShiftLoad]:
    """Each shift's share of the day's calls, from the hour-of-day pattern."""
    names = list(profile.shifts or [])
    if not names or 24 % len(names):
        return []
    hours = 24 // len(names)
    by_hour = _shares(profile.hourly_pattern or [], 24)
    busiest = max(_shares(profile.weekday_pattern or [], 7)) * 7
    per_day = mh_calls_per_year(profile) / 365.0
    loads = []
    for index, name in enumerate(names):
        start = (profile.first_shift_starts + index * hours) % 24
        share = sum(by_hour[(start + h) % 24] for h in range(hours))
        rate = per_day * share / hours
        loads.append(ShiftLoad(name, start, hours, rate, rate * busiest))
    return loads


@dataclass(frozen=True)
class ShiftStaffing:
    load: ShiftLoad
    handle_minutes: float
    #: Erlangs: how many units the calls keep busy on average.
    offered_load: float
    #: Each answer is None when more than ``MAX_UNITS`` would be needed.
    units_for_target: int | None
    units_for_overflow: int | None
    busiest_day_units: int | None
    cit_needed: int | None
    patrol: int
    #: CIT-certified patrol officers on this shift now, from Train (None: not on the roster).
    cit_now: int | None
    patrol_now: int | None
    candidates: list[erlang.Candidate]

    @property
    def staffable(self) -> bool:
        """Whether the shift's answers all lie within ``MAX_UNITS`` (the busiest day aside)."""
        return None not in (self.units_for_target, self.units_for_overflow, self.cit_needed)

    @property
    def max_units(self) -> int:
        return MAX_UNITS

    @property
    def cit_share(self) -> float | None:
        if self.cit_needed is None or not self.patrol:
            return None
        return self.cit_needed / self.patrol

    @property
    def cit_share_percent(self) -> float | None:
        share = self.cit_share
        return None if share is None else share * 100

    @property
    def guideline(self) -> str:
        """ "below", "within" or "above" the 20-25% guideline (the share the model needs)."""
        share = self.cit_share
        if share is None:
            return "unknown"
        if share < GUIDELINE_LOW:
            return "below"
        return "within" if share <= GUIDELINE_HIGH else "above"

    @property
    def cit_gap(self) -> int | None:
        """Certified officers still to add on this shift (0 when enough), if known."""
        if self.cit_now is None or self.cit_needed is None:
            return None
        return max(0, self.cit_needed - self.cit_now)


def handle_minutes(profile: CommunityProfile) -> float:
    return float(profile.on_scene_minutes) + float(profile.travel_minutes)


def _within_limit(find: Callable[[], int]) -> int | None:
    """``find()``, or None when the answer is more than ``MAX_UNITS``."""
    try:
        return find()
    except erlang.TooManyUnits:
        return None


def plan(profile: CommunityProfile, coverage: Coverage | None = None) -> list[ShiftStaffing]:
    """The staffing figures for every shift of ``profile``; [] when it cannot be computed (no
    calls, no handling time, or shifts that do not divide the day). A shift that would need
    more than ``MAX_UNITS`` units gets None for that answer and no table, never an error."""
    handle = handle_minutes(profile)
    if handle <= 0:
        return []
    target = profile.service_target_percent / 100.0
    bound = profile.overflow_bound_percent / 100.0
    available = profile.cit_available_percent / 100.0
    within = float(profile.answer_within_minutes)
    by_shift = {g.name.casefold(): g for g in coverage.by_shift} if coverage else {}
    rows = []
    for load in shift_loads(profile):
        if load.arrivals_per_hour <= 0:
            continue
        a = erlang.offered_load(load.arrivals_per_hour, handle)
        busiest = erlang.offered_load(load.busiest_day_arrivals_per_hour, handle)
        units = _within_limit(
            partial(erlang.units_for_service_level, a, within=within, handle=handle, target=target)
        )
        overflow = _within_limit(partial(erlang.units_for_overflow, a, bound=bound))
        busiest_units = _within_limit(
            partial(
                erlang.units_for_service_level, busiest, within=within, handle=handle, target=target
            )
        )
        cit_needed = _within_limit(
            partial(erlang.officers_for_availability, a, probability=available)
        )
        group = by_shift.get(load.name.casefold())
        rows.append(
            ShiftStaffing(
                load=load,
                handle_minutes=handle,
                offered_load=a,
                units_for_target=units,
                units_for_overflow=overflow,
                busiest_day_units=busiest_units,
                cit_needed=cit_needed,
                patrol=profile.patrol_per_shift,
                cit_now=group.cit_certified if group else None,
                patrol_now=group.patrol if group else None,
                candidates=[]
                if units is None or overflow is None
                else erlang.candidates(
                    a,
                    within=within,
                    handle=handle,
                    start=max(1, min(units, overflow) - MAX_ROWS_BELOW),
                    up_to=max(units, overflow) + EXTRA_ROWS,
                ),
            )
        )
    return rows
