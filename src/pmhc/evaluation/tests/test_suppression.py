"""The public page's small-cell suppression: no count under the minimum is shown, and none
that is withheld can be worked out from what is shown, by subtraction or by any combination
of the totals (checked here by exact linear algebra, independently of the code's graph)."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from pmhc.evaluation.suppression import (
    TOTAL,
    Line,
    suppress,
    table_counts,
    table_lines,
)

MINIMUM = 11


def recoverable(
    counts: Mapping[Hashable, int], lines: Sequence[Line[Hashable]], withheld: set[Hashable]
) -> set[Hashable]:
    """The withheld entries whose value the shown entries and the lines fix: those whose unit
    vector is a rational combination of the lines (Gaussian elimination over fractions)."""
    unknowns = sorted(withheld, key=repr)
    index = {key: i for i, key in enumerate(unknowns)}
    rows: list[list[Fraction]] = []
    for line in lines:
        row = [Fraction(0)] * len(unknowns)
        for key, sign in ((line.total, -1), *((part, 1) for part in line.parts)):
            if key in index:
                row[index[key]] += sign
        if any(row):
            rows.append(row)
    pivots: list[int] = []
    rank = 0
    for column in range(len(unknowns)):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        lead = rows[rank][column]
        rows[rank] = [value / lead for value in rows[rank]]
        for r in range(len(rows)):
            if r != rank and rows[r][column]:
                factor = rows[r][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        pivots.append(column)
        rank += 1
    free = [c for c in range(len(unknowns)) if c not in pivots]
    fixed = set()
    for r, column in enumerate(pivots):
        if not any(rows[r][f] for f in free):
            fixed.add(unknowns[column])
    return {key for key in fixed if counts[key]}


def check(counts: Mapping[Hashable, int], lines: Sequence[Line[Hashable]]) -> set[Hashable]:
    withheld = suppress(counts, lines, MINIMUM)
    assert not [k for k, v in counts.items() if 0 < v < MINIMUM and k not in withheld]
    for line in lines:
        assert sum(1 for key in line.keys if key in withheld) != 1, line
    assert recoverable(counts, lines, withheld) == set()
    return withheld


def test_a_district_with_seven_calls_and_its_complement_are_withheld() -> None:
    months = ["2026-01", "2026-02", "2026-03"]
    districts = ["North", "South", "East"]
    cells = {
        ("North", "2026-01"): 3,
        ("North", "2026-02"): 4,
        ("South", "2026-01"): 40,
        ("South", "2026-02"): 35,
        ("South", "2026-03"): 30,
        ("East", "2026-01"): 20,
        ("East", "2026-02"): 25,
        ("East", "2026-03"): 22,
    }
    counts = table_counts(cells, districts, months)
    withheld = check(counts, table_lines(districts, months))
    assert ("North", TOTAL) in withheld
    assert ("North", "2026-01") in withheld and ("North", "2026-02") in withheld
    # Its total of 7 is hidden, so another district's total is hidden with it.
    assert {("South", TOTAL), ("East", TOTAL)} & withheld
    # The months' cells of North are hidden, so another district's cells in those months too.
    assert {("South", "2026-01"), ("East", "2026-01")} & withheld
    assert (TOTAL, TOTAL) not in withheld


def test_nothing_small_nothing_withheld_and_zeros_stay() -> None:
    cells = {("A", 1): 12, ("A", 2): 0, ("B", 1): 30, ("B", 2): 44}
    counts = table_counts(cells, ["A", "B"], [1, 2])
    assert check(counts, table_lines(["A", "B"], [1, 2])) == set()


def test_a_cell_joining_two_blocks_is_withheld_with_more() -> None:
    # Two blocks of small cells, each a closed cycle, joined by one small cell: every line has
    # two or more withheld entries, yet the sum of the first block's rows less its columns
    # gives the joining cell back. The check finds it and withholds more.
    rows = ["r0", "r1", "r2", "r3", "r4"]
    columns = ["c0", "c1", "c2", "c3", "c4"]
    small = {("r0", "c0"), ("r0", "c1"), ("r1", "c0"), ("r1", "c1"), ("r1", "c2")}
    small |= {("r2", "c2"), ("r2", "c3"), ("r3", "c2"), ("r3", "c3")}
    cells = {(r, c): (5 if (r, c) in small else 50) for r in rows for c in columns}
    lines = table_lines(rows, columns)
    counts = table_counts(cells, rows, columns)
    withheld = check(counts, lines)
    assert withheld > small


tables = st.integers(min_value=1, max_value=5).flatmap(
    lambda rows: st.integers(min_value=1, max_value=5).flatmap(
        lambda columns: st.lists(
            st.one_of(st.just(0), st.integers(1, 15), st.integers(11, 80)),
            min_size=rows * columns,
            max_size=rows * columns,
        ).map(lambda values: (rows, columns, values))
    )
)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_no_withheld_count_can_be_worked_out_from_a_table(
    table: tuple[int, int, list[int]],
) -> None:
    n_rows, n_columns, values = table
    rows = [f"r{i}" for i in range(n_rows)]
    columns = [f"c{j}" for j in range(n_columns)]
    cells = {
        (row, column): values[i * n_columns + j]
        for i, row in enumerate(rows)
        for j, column in enumerate(columns)
    }
    counts = table_counts(cells, rows, columns)
    check(counts, table_lines(rows, columns))


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.just(0), st.integers(1, 15), st.integers(11, 60)), min_size=1, max_size=8
    ),
    st.lists(
        st.one_of(st.just(0), st.integers(1, 15), st.integers(11, 60)), min_size=1, max_size=8
    ),
)
def test_no_withheld_count_can_be_worked_out_from_two_margins(
    months: list[int], districts: list[int]
) -> None:
    # Two breakdowns of the same total (by month, by district) published side by side.
    total = sum(months)
    districts = [*districts[:-1], max(0, total - sum(districts[:-1]))]
    if sum(districts) != total:
        return
    counts: dict[Hashable, int] = {"T": total}
    counts.update({("m", i): v for i, v in enumerate(months)})
    counts.update({("d", i): v for i, v in enumerate(districts)})
    lines: list[Line[Hashable]] = [
        Line("T", tuple(("m", i) for i in range(len(months)))),
        Line("T", tuple(("d", i) for i in range(len(districts)))),
    ]
    check(counts, lines)
