"""Calendar arithmetic and time zones shared by the modules.

A certification that lasts 24 months, or a pledge whose window closes 36 months after it was
taken, is counted in calendar months, not in days: the same day of the month, months later.
Dates such as "today" are an organization's own: ``zone`` is the one place that turns a zone's
name into a zone (``Organization.zone`` and ``Organization.today`` use it).
"""

from __future__ import annotations

import calendar
import datetime as dt
import zoneinfo

from django.utils import timezone


def zone(time_zone: str) -> zoneinfo.ZoneInfo:
    """The zone called ``time_zone``, or UTC when the name is empty or names no zone (an
    organization's zone is validated when it is saved; this is for every other caller)."""
    try:
        return zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def today_in(time_zone: str) -> dt.date:
    """Today's date in the zone called ``time_zone`` (see ``zone``)."""
    return timezone.localdate(timezone=zone(time_zone))


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (earlier when negative), or the month's last day when
    that month is shorter: 31 January plus one month is 28 or 29 February."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
