"""Erlang B and Erlang C, the standard queueing formulas for sizing crisis response.

``a`` is the offered load in erlangs: calls per hour times the mean handling time in hours
(how many units would be busy on average if there were always one free). ``n`` is the number
of units (co-responder cars, mobile crisis teams, CIT-certified officers on a shift).

- Erlang B is the share of calls that find all ``n`` units busy when calls that find no free
  unit go elsewhere (overflow to patrol). It is also the chance that all ``n`` are busy at the
  moment a call arrives.
- Erlang C is the share of calls that must wait when calls queue for the next free unit.

Both are computed with the recurrence B(0) = 1, B(k) = a·B(k-1) / (k + a·B(k-1)): every step
is a ratio of numbers between 0 and a + k, so there is no factorial, no power of ``a`` and no
overflow, for any ``n`` (hundreds of units, loads of hundreds of erlangs).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

#: Above this the search for "the smallest n" stops: no planning question here needs more.
MAX_UNITS = 5000


class TooManyUnits(ValueError):
    """The smallest n sought is above ``MAX_UNITS``: the load cannot be staffed within it."""


def _check(n: int, a: float) -> None:
    if n < 0:
        raise ValueError("the number of units cannot be negative")
    if not math.isfinite(a) or a < 0:
        raise ValueError("the offered load must be a finite number of erlangs, zero or more")


def erlang_b_series(a: float) -> Iterator[float]:
    """B(0, a), B(1, a), B(2, a), … without end: each from the one before."""
    _check(0, a)
    b = 1.0
    k = 0
    while True:
        yield b
        k += 1
        b = a * b / (k + a * b)


def erlang_b(n: int, a: float) -> float:
    """The probability that all ``n`` units are busy (the share of calls that overflow)."""
    _check(n, a)
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return b


def _c_from_b(n: int, a: float, b: float) -> float:
    if n <= a:
        return 1.0  # the queue grows without limit: every call waits
    return n * b / (n - a * (1.0 - b))


def erlang_c(n: int, a: float) -> float:
    """The probability that a call must wait for a unit when calls queue (n > a for a finite
    wait; with n <= a every call waits, so 1.0)."""
    _check(n, a)
    return _c_from_b(n, a, erlang_b(n, a))


def _level(n: int, a: float, c: float, within: float, handle: float) -> float:
    if n <= a:
        return 0.0
    return 1.0 - c * math.exp(-(n - a) * within / handle)


def service_level(n: int, a: float, *, within: float, handle: float) -> float:
    """P(wait <= ``within``) = 1 - C·exp(-(n - a)·within / handle); ``within`` and ``handle``
    in the same unit of time. Zero when n <= a (the queue never settles)."""
    if handle <= 0:
        raise ValueError("the handling time must be positive")
    if within < 0:
        raise ValueError("the answer time cannot be negative")
    return _level(n, a, erlang_c(n, a), within, handle)


@dataclass(frozen=True)
class Candidate:
    """One possible number of units and what it gives."""

    units: int
    #: Share of calls that wait no longer than the answer time (Erlang C).
    service_level: float
    #: Share of calls that must wait at all (Erlang C).
    wait_probability: float
    #: Share of calls that find every unit busy and go elsewhere, if calls do not queue
    #: (Erlang B).
    overflow_probability: float


def candidates(
    a: float, *, within: float, handle: float, up_to: int, start: int = 1
) -> list[Candidate]:
    """Every n from ``start`` to ``up_to`` with its figures, in one pass of the recurrence."""
    if handle <= 0:
        raise ValueError("the handling time must be positive")
    rows: list[Candidate] = []
    series = erlang_b_series(a)
    next(series)  # B(0)
    for n, b in zip(range(1, up_to + 1), series, strict=False):
        if n < start:
            continue
        c = _c_from_b(n, a, b)
        rows.append(Candidate(n, _level(n, a, c, within, handle), c, b))
    return rows


def units_for_service_level(a: float, *, within: float, handle: float, target: float) -> int:
    """The smallest n whose service level reaches ``target`` (a share between 0 and 1)."""
    if not 0 < target < 1:
        raise ValueError("the target must be a share between 0 and 1")
    if handle <= 0:
        raise ValueError("the handling time must be positive")
    series = erlang_b_series(a)
    next(series)
    for n, b in zip(range(1, MAX_UNITS + 1), series, strict=False):
        if _level(n, a, _c_from_b(n, a, b), within, handle) >= target:
            return n
    raise TooManyUnits(f"more than {MAX_UNITS} units would be needed")


def units_for_overflow(a: float, *, bound: float) -> int:
    """The smallest n with Erlang B <= ``bound``: at most that share of calls finds every unit
    busy and overflows to patrol."""
    if not 0 < bound < 1:
        raise ValueError("the bound must be a share between 0 and 1")
    for n, b in zip(range(MAX_UNITS + 1), erlang_b_series(a), strict=False):
        if b <= bound:
            return n
    raise TooManyUnits(f"more than {MAX_UNITS} units would be needed")


def officers_for_availability(a: float, *, probability: float) -> int:
    """The smallest number of CIT-certified officers on a shift so that at least one is free
    when a mental health call arrives with ``probability``: 1 - B(n, a) >= probability, since
    B(n, a) is the chance all ``n`` are busy on other such calls at that moment."""
    if not 0 < probability < 1:
        raise ValueError("the probability must be a share between 0 and 1")
    return units_for_overflow(a, bound=1.0 - probability)


def offered_load(arrivals_per_hour: float, handle_minutes: float) -> float:
    """Erlangs: calls per hour times hours per call."""
    return arrivals_per_hour * handle_minutes / 60.0
