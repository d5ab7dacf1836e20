"""Times for people: stored in UTC, written in the organization's own zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo


def in_zone(moment: dt.datetime, time_zone: str) -> str:
    """``2026-11-27 08:05 CST``: the moment as the organization's staff read a clock."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")
