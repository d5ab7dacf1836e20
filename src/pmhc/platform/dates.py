"""Calendar arithmetic shared by the modules.

A certification that lasts 24 months, or a pledge whose window closes 36 months after it was
taken, is counted in calendar months, not in days: the same day of the month, months later.
"""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier when negative), or the month's last day when
    that month is shorter: 31 January plus one month is 28 or 29 February."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
