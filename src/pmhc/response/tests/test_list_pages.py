"""The reports lists at scale: pages found from the last row seen, filters kept in the links,
a bounded count, and the number of queries each list and Operate page runs."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from pmhc.dispatch.models import Call
from pmhc.platform.models import Role
from pmhc.response import selectors, services
from pmhc.response.models import Encounter, EncounterStatus
from pmhc.response.tests.factories import member

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def reports(cast: Any, count: int, *, status: str = EncounterStatus.DRAFT) -> list[Encounter]:
    """``count`` reports by the agency's officer, one per call, a call an hour apart (the
    newest first); submitted ones an hour apart too, the oldest submission first."""
    calls = Call.objects.bulk_create(
        Call(
            organization=cast.agency,
            cad_event_id=f"R-{n:05d}",
            received_at=NOW - dt.timedelta(hours=n),
        )
        for n in range(count)
    )
    return Encounter.objects.bulk_create(
        Encounter(
            organization=cast.agency,
            call=call,
            filed_by=cast.colleague,
            status=status,
            submitted_at=(
                NOW - dt.timedelta(hours=count - n) if status == EncounterStatus.SUBMITTED else None
            ),
        )
        for n, call in enumerate(calls)
    )


def rows(body: str) -> list[str]:
    return re.findall(r'href="/operate/encounters/\d+/">([^<]+)</a>', body)


def link(body: str, rel: str) -> str | None:
    found = re.search(rf'<a href="\?([^"]*)"[^>]*rel="{rel}"', body)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def supervisor(cast: Any) -> Any:
    return member(cast.agency, Role.SUPERVISOR, "sup")


def test_the_agency_list_pages_newest_call_first_and_keeps_its_filters(cast, supervisor):
    reports(cast, 60)
    client = cast.client(supervisor)
    url = reverse("response_index")
    first = client.get(url, {"scope": "agency", "status": "draft"}).content.decode()
    assert rows(first) == [f"R-{n:05d}" for n in range(25)]
    assert "60 reports, newest call first" in first
    following = link(first, "next")
    assert following is not None and "scope=agency" in following and "status=draft" in following
    second = client.get(f"{url}?{following}").content.decode()
    assert rows(second) == [f"R-{n:05d}" for n in range(25, 50)]
    third = client.get(f"{url}?{link(second, 'next')}").content.decode()
    assert rows(third) == [f"R-{n:05d}" for n in range(50, 60)] and link(third, "next") is None
    back = client.get(f"{url}?{link(third, 'prev')}").content.decode()
    assert rows(back) == rows(second)
    assert 'aria-label="Pages of reports"' in first


def test_the_count_stops_at_its_bound(cast, supervisor, monkeypatch):
    from pmhc.response import views

    monkeypatch.setattr(views, "COUNTED", 20)
    reports(cast, 30)
    body = cast.client(supervisor).get(reverse("response_index"), {"scope": "agency"})
    assert "more than 20 reports, newest call first" in body.content.decode()


def test_the_review_queue_pages_oldest_first(cast, supervisor):
    reports(cast, 30, status=EncounterStatus.SUBMITTED)
    client = cast.client(supervisor)
    url = reverse("response_review_queue")
    first = client.get(url).content.decode()
    assert rows(first) == [f"R-{n:05d}" for n in range(25)]
    assert ">Later<" in first and 'aria-label="Pages of reports waiting for review"' in first
    second = client.get(f"{url}?{link(first, 'next')}").content.decode()
    assert rows(second) == [f"R-{n:05d}" for n in range(25, 30)] and ">Earlier<" in second


def test_dates_filter_by_the_reader_s_local_day(cast, supervisor):
    reports(cast, 3)
    actor = cast.actor(supervisor)
    today = timezone.localdate(NOW, dt.UTC)
    filters = selectors.EncounterFilters(since=today, until=today)
    found = selectors.encounter_list(actor, filters, mine=False, time_zone="UTC")
    expected = {
        e.pk
        for e in Encounter.objects.select_related("call")
        if e.call.received_at.astimezone(dt.UTC).date() == today
    }
    assert {e.pk for e in found} == expected
    assert "__date" not in str(found.query) and "django_datetime_cast_date" not in str(found.query)


def test_a_person_s_reports_come_once_each(cast):
    from pmhc.people import services as people_services
    from pmhc.platform.models import Purpose

    officer = cast.actor(cast.colleague)
    person = people_services.create_person(
        officer, organization=cast.agency, purpose=Purpose.ACTIVE_CALL, family_name="Rivera"
    )
    for encounter in reports(cast, 2):
        services.add_person(officer, encounter=encounter, person=person)
    found = list(selectors.encounters_for_person(officer, person))
    assert len(found) == len({e.pk for e in found}) == 2


@pytest.mark.parametrize(
    ("who", "name", "params", "queries"),
    [
        # Each request: the session, the user, memberships, agreements (two), and the session
        # saved again (three); the break-glass check for roles that may break the glass.
        # The list: its page, its bounded count, the reviewer check, the filter's choices.
        ("supervisor", "response_index", {"scope": "agency"}, 14),
        ("supervisor", "response_index", {"scope": "agency", "status": "submitted"}, 14),
        ("colleague", "response_index", {}, 11),
        ("supervisor", "response_review_queue", {}, 10),
        ("member", "response_dispositions", {}, 10),
    ],
)
def test_queries_per_page_stay_fixed(
    cast, supervisor, who, name, params, queries, django_assert_num_queries
):
    reports(cast, 40)
    user = supervisor if who == "supervisor" else getattr(cast, who)
    client = cast.client(user)
    client.get(reverse(name), params)  # warm the per-process caches
    with django_assert_num_queries(queries):
        response = client.get(reverse(name), params)
    assert response.status_code == 200
