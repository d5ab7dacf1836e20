from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from pmhc.platform.access import organization_today
from pmhc.platform.dates import add_months, today_in, zone
from pmhc.platform.models import Organization


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


@pytest.mark.parametrize("name", ["", "Not/AZone", "../etc"])
def test_a_name_that_is_no_zone_reads_as_utc(name: str) -> None:
    assert zone(name) == zoneinfo.ZoneInfo("UTC")


def test_an_organization_reads_its_dates_in_its_own_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    # 03:00 UTC on 2 March is still 1 March in Chicago.
    moment = dt.datetime(2026, 3, 2, 3, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    organization = Organization(time_zone="America/Chicago")
    assert organization.zone == zoneinfo.ZoneInfo("America/Chicago")
    assert organization.today() == dt.date(2026, 3, 1)
    assert today_in("UTC") == dt.date(2026, 3, 2)
    assert organization_today("America/Chicago") == dt.date(2026, 3, 1)
