"""Small-cell suppression of a published table of counts, with its totals.

A table of counts is published with totals, and each total is a sum of the cells it covers: a
*line* (a row with its row total, a column with its column total, the row totals with the grand
total, the column totals with the grand total). Anyone may subtract the shown cells of a line
from its shown total. So:

1. *Primary*: every count from 1 to ``minimum - 1`` is withheld. Zeros stay: a zero discloses
   nobody.
2. *Complementary*: a line with exactly one withheld entry gives it back by subtraction, so the
   smallest other entry of that line is withheld too (the smallest non-zero one when there is
   one). Repeat until no line has exactly one withheld entry.
3. A withheld entry (other than a zero) can still be given back by a combination of lines
   (two blocks of withheld cells joined by a single cell). Each withheld entry is checked
   against the whole system of lines: if the shown values determine it, the smallest other
   entry of one of its lines (else of any line) is withheld too, and the check runs again.

The result is the set of withheld keys. The functions here read nothing from the database.
A count shown alone (no total beside it) needs only the first rule: ``count_text``.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.utils.translation import gettext as _

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Line(Generic[K]):
    """``total`` is the sum of ``parts``."""

    total: K
    parts: tuple[K, ...]

    @property
    def keys(self) -> tuple[K, ...]:
        return (self.total, *self.parts)


class _Total:
    """The key of a total in a table (never equal to a row's or a column's name)."""

    def __repr__(self) -> str:
        return "TOTAL"


TOTAL: Hashable = _Total()


def fewer_than(minimum: int) -> str:
    return _("fewer than %(n)s") % {"n": minimum}


def count_text(count: int, minimum: int) -> str:
    """A count as those who read aggregates see it: under ``minimum``, in words."""
    return fewer_than(minimum) if count < minimum else str(count)


def table_lines(rows: Sequence[Hashable], columns: Sequence[Hashable]) -> list[Line[Hashable]]:
    """The lines of a table of ``rows`` x ``columns`` with a total for each row, each column
    and the whole. Cells are keyed ``(row, column)``; a row's total ``(row, TOTAL)``; a
    column's total ``(TOTAL, column)``; the grand total ``(TOTAL, TOTAL)``."""
    lines: list[Line[Hashable]] = []
    for row in rows:
        lines.append(Line((row, TOTAL), tuple((row, column) for column in columns)))
    for column in columns:
        lines.append(Line((TOTAL, column), tuple((row, column) for row in rows)))
    lines.append(Line((TOTAL, TOTAL), tuple((row, TOTAL) for row in rows)))
    lines.append(Line((TOTAL, TOTAL), tuple((TOTAL, column) for column in columns)))
    return lines


def table_counts(
    cells: Mapping[Any, int],
    rows: Sequence[Hashable],
    columns: Sequence[Hashable],
) -> dict[Hashable, int]:
    """Every cell of the table (missing ones are zero) with the row, column and grand totals
    added, keyed as ``table_lines`` keys them."""
    counts: dict[Hashable, int] = {}
    for row in rows:
        for column in columns:
            counts[(row, column)] = int(cells.get((row, column), 0))
    for row in rows:
        counts[(row, TOTAL)] = sum(counts[(row, column)] for column in columns)
    for column in columns:
        counts[(TOTAL, column)] = sum(counts[(row, column)] for row in rows)
    counts[(TOTAL, TOTAL)] = sum(counts[(row, TOTAL)] for row in rows)
    return counts


def _smallest_other(
    line: Line[K], counts: Mapping[K, int], withheld: set[K], order: Mapping[K, int]
) -> K | None:
    """The smallest shown entry of ``line``, non-zero ones first; None when all are withheld."""
    shown = [key for key in line.keys if key not in withheld]
    if not shown:
        return None
    return min(shown, key=lambda key: (counts[key] == 0, counts[key], order[key]))


def _complete_lines(
    lines: Sequence[Line[K]], counts: Mapping[K, int], withheld: set[K], order: Mapping[K, int]
) -> None:
    changed = True
    while changed:
        changed = False
        for line in lines:
            inside = [key for key in line.keys if key in withheld]
            if len(inside) != 1:
                continue
            extra = _smallest_other(line, counts, withheld, order)
            if extra is not None:
                withheld.add(extra)
                changed = True


def determined(lines: Sequence[Line[K]], withheld: set[K]) -> list[K]:
    """The withheld entries that the lines and the shown entries determine exactly.

    Every entry lies in at most two lines, and the lines of a table with its totals can be
    signed so that each entry is added in one and subtracted in the other: the lines are the
    nodes of a graph and the withheld entries its edges (an entry of one line only joins it
    to a common outside node). Then what the lines determine is the graph's cut space, and a
    withheld entry is determined exactly when it lies on no cycle: when it is a bridge."""
    ground = -1
    ends: dict[K, list[int]] = {}
    for number, line in enumerate(lines):
        for key in line.keys:
            if key in withheld:
                ends.setdefault(key, []).append(number)
    edges: list[tuple[int, int, K]] = []
    for key, at in ends.items():
        if len(at) > 2:
            raise ValueError(f"{key!r} is in more than two lines")
        edges.append((at[0], at[1] if len(at) == 2 else ground, key))
    adjacent: dict[int, list[tuple[int, int]]] = {}
    for index, (a, b, _key) in enumerate(edges):
        adjacent.setdefault(a, []).append((b, index))
        adjacent.setdefault(b, []).append((a, index))
    found: dict[int, int] = {}
    low: dict[int, int] = {}
    bridges: list[K] = []
    clock = 0
    for root in adjacent:
        if root in found:
            continue
        found[root] = low[root] = clock
        clock += 1
        stack: list[tuple[int, int, int]] = [(root, -1, 0)]
        while stack:
            node, via, position = stack[-1]
            neighbours = adjacent[node]
            if position < len(neighbours):
                stack[-1] = (node, via, position + 1)
                other, edge = neighbours[position]
                if edge == via:
                    continue
                if other in found:
                    low[node] = min(low[node], found[other])
                else:
                    found[other] = low[other] = clock
                    clock += 1
                    stack.append((other, edge, 0))
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > found[parent]:
                    bridges.append(edges[via][2])
    return bridges


def suppress(
    counts: Mapping[K, int], lines: Sequence[Line[K]], minimum: int, also: Iterable[K] = ()
) -> set[K]:
    """The keys of ``counts`` to withhold so that no count from 1 to ``minimum - 1`` is shown
    and none that is withheld can be worked out from the shown ones and the ``lines``. The
    keys ``also`` are withheld from the start too, whatever their count (a caller's own
    reason, such as a difference with another table under the minimum)."""
    if minimum < 1:
        raise ValueError("the smallest count shown must be at least 1")
    order = {key: i for i, key in enumerate(counts)}
    withheld = {key for key, count in counts.items() if 0 < count < minimum}
    withheld.update(key for key in also if key in counts)
    by_key: dict[K, list[Line[K]]] = {}
    for line in lines:
        for key in line.keys:
            by_key.setdefault(key, []).append(line)
    while True:
        _complete_lines(lines, counts, withheld, order)
        # A withheld zero that the lines give back discloses nobody.
        exposed = [key for key in determined(lines, withheld) if counts[key]]
        if not exposed:
            return withheld
        candidates = [line for key in exposed for line in by_key.get(key, ())] + list(lines)
        for line in candidates:
            extra = _smallest_other(line, counts, withheld, order)
            if extra is not None:
                withheld.add(extra)
                break
        else:  # every entry of every line is withheld already
            return withheld
