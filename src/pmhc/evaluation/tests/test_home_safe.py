"""Home Safe in Measure: searches and people found by month, with the minutes from the report
to being found, for those who read the organization's figures; small counts withheld."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch.tests.helpers import member
from pmhc.evaluation import homesafe_selectors
from pmhc.homesafe.models import FoundCondition, IncidentStatus, MissingIncident
from pmhc.homesafe.tests.search_helpers import enrolment
from pmhc.platform.models import Organization, Role

pytestmark = pytest.mark.django_db

_refs = iter(range(1, 10_000))


def _search(
    organization: Organization, opened_by, reported_at: dt.datetime, minutes: int | None
) -> MissingIncident:
    found = minutes is not None
    return MissingIncident.objects.create(
        organization=organization,
        reference=f"MP-T{next(_refs):05d}",
        enrolment=None,
        status=IncidentStatus.FOUND if found else IncidentStatus.OPEN,
        reported_at=reported_at,
        found_at=reported_at + dt.timedelta(minutes=minutes) if minutes is not None else None,
        condition=FoundCondition.UNHARMED if found else "",
        opened_by=opened_by,
    )


def _month_start(months_ago: int) -> dt.datetime:
    today = timezone.localdate().replace(day=1)
    for _ in range(months_ago):
        today = (today - dt.timedelta(days=1)).replace(day=1)
    return timezone.make_aware(dt.datetime.combine(today, dt.time(12)))


def test_counts_medians_and_small_months(cast: Cast) -> None:
    this_month = _month_start(0) + dt.timedelta(hours=1)
    last_month = _month_start(1)
    # This month: 12 searches, 11 found after 10..110 minutes; last month: 2 searches.
    for n in range(12):
        _search(cast.agency, cast.colleague, this_month, 10 * (n + 1) if n < 11 else None)
    for _ in range(2):
        _search(cast.agency, cast.colleague, last_month, 30)
    # Two months ago: 11 searches, each found after 5 minutes.
    for _ in range(11):
        _search(cast.agency, cast.colleague, _month_start(2), 5)
    # Another organization's searches are not counted.
    for _ in range(20):
        _search(cast.outsider_org, cast.outsider, this_month, 5)
    analyst = member(cast.agency, Role.ANALYST)
    shown = homesafe_selectors.figures(cast.actor(analyst), cast.agency)
    current, previous, before = shown.months[-1], shown.months[-2], shown.months[-3]
    # One search of the twelve did not find the person: the count found would give that one
    # back, so it is withheld; the median of eleven is shown.
    assert (current.searches, current.found) == (12, None)
    assert current.median_minutes == 60
    # Two searches are under the smallest count shown; the smallest other month is withheld
    # too, so that the total cannot give them back.
    assert previous.searches is None and previous.found is None
    assert previous.median_minutes is None
    assert before.searches is None and before.found is None
    assert (shown.total.searches, shown.total.found) == (25, None)
    assert all(m.searches == 0 for m in shown.months[:-3])


def test_withheld_found_months() -> None:
    a, b, c = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
    opened = {a: 20, b: 30, c: 40}
    assert homesafe_selectors.withheld_found(opened, {a: 20, b: 30, c: 40}, 11) == set()
    # 19 of 20 found: the one not found is small; the smallest other month goes with it.
    assert homesafe_selectors.withheld_found(opened, {a: 19, b: 30, c: 40}, 11) == {a, b}
    assert homesafe_selectors.withheld_found(opened, {a: 0, b: 30, c: 40}, 11) == set()


def test_withheld_months() -> None:
    a, b, c = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)
    assert homesafe_selectors.withheld({a: 0, b: 12, c: 30}, 11) == set()
    assert homesafe_selectors.withheld({a: 3, b: 12, c: 30}, 11) == {a, b}
    assert homesafe_selectors.withheld({a: 3, b: 4, c: 30}, 11) == {a, b}


def test_the_page_and_who_opens_it(cast: Cast, django_assert_max_num_queries) -> None:
    person = enrolment(cast.agency, full_name="Rosa Ortega")
    incident = _search(cast.agency, cast.colleague, _month_start(0), 25)
    incident.enrolment = person
    incident.save()
    url = reverse("measure_home_safe")
    analyst = cast.client(member(cast.agency, Role.ANALYST))
    analyst.get(url)  # the session is warm
    with django_assert_max_num_queries(11):
        response = analyst.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body and "Searches by month" in body
    assert "Rosa Ortega" not in body and incident.reference not in body
    assert "fewer than 11" in body
    for user in (cast.member, cast.admin):
        assert cast.client(user).get(url).status_code == 200
    for user in (
        cast.colleague,
        cast.partner_user,
        member(cast.agency, Role.TTA_STAFF),
        member(cast.agency, Role.CALL_TAKER),
    ):
        assert cast.client(user).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    # The dashboard leads to it.
    dashboard = cast.client(cast.member).get(reverse("evaluation_dashboard")).content.decode()
    assert url in dashboard
