"""Times for people: stored in UTC, written in the organization's own zone."""

from __future__ import annotations

import datetime as dt

from pmhc.platform.dates import zone


def in_zone(moment: dt.datetime, time_zone: str) -> str:
    """``2026-11-27 08:05 CST``: the moment as the organization's staff read a clock."""
    return moment.astimezone(zone(time_zone)).strftime("%Y-%m-%d %H:%M %Z")
