from __future__ import annotations

import datetime as dt

import pytest

from pmhc.platform.dates import add_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),  # leap year: clamped to the 29th
        (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
        (dt.date(2024, 3, 31), 1, dt.date(2024, 4, 30)),
        (dt.date(2024, 11, 15), 14, dt.date(2026, 1, 15)),  # across a year end
        (dt.date(2024, 3, 1), 36, dt.date(2027, 3, 1)),
        (dt.date(2024, 5, 20), 0, dt.date(2024, 5, 20)),
        (dt.date(2024, 3, 31), -1, dt.date(2024, 2, 29)),  # backwards, clamped
        (dt.date(2024, 1, 15), -1, dt.date(2023, 12, 15)),  # backwards across a year end
        (dt.date(2026, 3, 10), -20, dt.date(2024, 7, 10)),
        (dt.date(2024, 2, 29), -12, dt.date(2023, 2, 28)),
    ],
)
def test_add_months(day: dt.date, months: int, expected: dt.date) -> None:
    assert add_months(day, months) == expected
