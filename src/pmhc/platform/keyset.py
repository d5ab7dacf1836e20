"""Keyset pagination for long lists: a page is found from the last row seen, not by counting
rows from the top, so the thousandth page costs what the first does and nothing counts the
whole table.

A list is ordered by a few columns that end with the primary key (``("-received_at", "-pk")``:
newest first). A page link carries a cursor, the ordering values of the row at its edge: "next"
reads the rows after the last row shown, "previous" the rows before the first. A cursor that
cannot be read (edited by hand, or from an older link) gives the first page: bad input loses
nothing. How many rows match is counted only up to a bound (``count_up_to``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models import Q
from django.http import QueryDict
from django.utils.dateparse import parse_datetime

M = TypeVar("M", bound=models.Model)

#: The query-string parameters a page link sets.
NEXT = "after"
PREVIOUS = "before"
#: Separates the values in a cursor; it cannot appear in a timestamp or an integer.
SEPARATOR = "~"


@dataclass(frozen=True)
class KeysetPage(Generic[M]):
    """One page of a list, and the query strings of its neighbours (filters kept)."""

    rows: list[M]
    next_query: str | None
    previous_query: str | None
    #: The query string with no cursor: the first page, filters kept.
    first_query: str

    @property
    def has_other_pages(self) -> bool:
        return self.next_query is not None or self.previous_query is not None

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)


def _name(term: str) -> str:
    return term.removeprefix("-")


def _value_of(row: models.Model, term: str) -> Any:
    value: Any = row
    for part in _name(term).split("__"):
        value = getattr(value, part)
    return value


def _encode(values: Sequence[Any]) -> str:
    parts = []
    for value in values:
        parts.append(value.isoformat() if isinstance(value, dt.datetime) else str(value))
    return SEPARATOR.join(parts)


def _decode(raw: str, samples: Sequence[type]) -> list[Any] | None:
    parts = raw.split(SEPARATOR)
    if len(parts) != len(samples):
        return None
    values: list[Any] = []
    for part, kind in zip(parts, samples, strict=True):
        if kind is dt.datetime:
            parsed = parse_datetime(part)
            if parsed is None or parsed.tzinfo is None:
                return None
            values.append(parsed)
        elif kind is float:
            # A score (a pair's probability): ``str`` of a float reads back exactly.
            try:
                number = float(part)
            except ValueError:
                return None
            if number != number or number in (float("inf"), float("-inf")):
                return None
            values.append(number)
        else:
            try:
                values.append(int(part))
            except ValueError:
                return None
    return values


def _beyond(order: Sequence[str], values: Sequence[Any], *, forward: bool) -> Q:
    """Rows strictly after (``forward``) or before the row with ``values``, in ``order``."""
    condition = Q()
    for index in range(len(order) - 1, -1, -1):
        term = order[index]
        descending = term.startswith("-")
        later = descending != forward  # "after" a descending column means smaller
        op = "gt" if later else "lt"
        step = Q(**{f"{_name(term)}__{op}": values[index]})
        if index < len(order) - 1:
            step |= Q(**{_name(term): values[index]}) & condition
        condition = step
    return condition


def _reverse(order: Sequence[str]) -> list[str]:
    return [_name(term) if term.startswith("-") else f"-{term}" for term in order]


def paginate(
    queryset: models.QuerySet[M],
    params: QueryDict,
    *,
    order: Sequence[str],
    kinds: Sequence[type],
    size: int,
) -> KeysetPage[M]:
    """The page of ``queryset`` (already filtered) that ``params`` asks for, ``size`` rows in
    ``order``. ``kinds`` gives each ordering column's type (``dt.datetime``, ``float`` or
    ``int``), to read a cursor back. Two rows more than a page are never read: one query a page."""
    keep = params.copy()
    after_raw = keep.pop(NEXT, [""])[-1]
    before_raw = keep.pop(PREVIOUS, [""])[-1]
    base = keep.urlencode()
    after = _decode(after_raw, kinds) if after_raw else None
    before = _decode(before_raw, kinds) if before_raw and after is None else None

    if before is not None:
        found = list(
            queryset.filter(_beyond(order, before, forward=False)).order_by(*_reverse(order))[
                : size + 1
            ]
        )
        more_before = len(found) > size
        rows = list(reversed(found[:size]))
        has_previous, has_next = more_before, True
    else:
        query = queryset
        if after is not None:
            query = query.filter(_beyond(order, after, forward=True))
        found = list(query.order_by(*order)[: size + 1])
        rows = found[:size]
        has_previous, has_next = after is not None, len(found) > size

    def link(key: str, row: M) -> str:
        values = [_value_of(row, term) for term in order]
        cursor = QueryDict(mutable=True)
        cursor[key] = _encode(values)
        return f"{base}&{cursor.urlencode()}" if base else cursor.urlencode()

    if not rows:
        # Past either end (the rows moved since the link was made): offer the first page.
        return KeysetPage(
            rows=[],
            next_query=None,
            previous_query=base if (after or before) else None,
            first_query=base,
        )
    return KeysetPage(
        rows=rows,
        next_query=link(NEXT, rows[-1]) if has_next else None,
        previous_query=link(PREVIOUS, rows[0]) if has_previous else None,
        first_query=base,
    )


def count_up_to(
    queryset: models.QuerySet[Any], bound: int, *, order: Sequence[str] | None = None
) -> tuple[int, bool]:
    """How many rows ``queryset`` holds, counted no further than ``bound``: (the count,
    whether there are more). One query that reads at most ``bound + 1`` rows by an index:
    in the list's own order, or in ``order`` when the list's order runs through a join and the
    table's own columns reach the bound sooner. Only the keys are read."""
    counted = queryset.order_by(*order) if order is not None else queryset
    found = counted.values("pk")[: bound + 1].count()
    return min(found, bound), found > bound
