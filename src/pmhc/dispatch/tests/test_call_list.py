"""The calls list at scale: pages found from the last row seen (never counted from the top),
filters kept across pages, a bounded count, the number of queries each Operate page runs, and
(on PostgreSQL) an index behind every filter the list offers."""

from __future__ import annotations

import datetime as dt
import random
import re
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from pmhc.dispatch import selectors
from pmhc.dispatch.models import Call, Routing
from pmhc.dispatch.tests.helpers import member
from pmhc.platform.access import Action, restrict
from pmhc.platform.models import Purpose, Role

pytestmark = pytest.mark.django_db

NOW = timezone.now().replace(microsecond=0)


def bulk_calls(organization, count, *, start=0, district="North", spacing=60, **fields):
    """``count`` calls of ``organization``, one a minute back from now (two share each time
    when ``spacing`` is 30, so that ties are broken by id)."""
    rows = [
        Call(
            organization=organization,
            cad_event_id=f"{organization.slug}-{start + n:07d}",
            received_at=NOW - dt.timedelta(seconds=(n // (2 if spacing == 30 else 1)) * 60),
            district=district,
            **fields,
        )
        for n in range(count)
    ]
    return Call.objects.bulk_create(rows, batch_size=2000)


def cad_ids(body: str) -> list[str]:
    return re.findall(r'href="/operate/calls/\d+/">([^<]+)</a>', body)


def link(body: str, rel: str) -> str | None:
    found = re.search(rf'<a href="\?([^"]*)"[^>]*rel="{rel}"', body)
    return found.group(1).replace("&amp;", "&") if found else None


@pytest.fixture
def taker(cast):
    return member(cast.agency, Role.CALL_TAKER)


def test_pages_walk_every_call_once_both_ways(cast, taker):
    bulk_calls(cast.agency, 120, spacing=30)  # pairs share a received time
    client = cast.client(taker)
    url = reverse("dispatch_calls")
    seen: list[str] = []
    pages: list[tuple[str, list[str]]] = []
    query = ""
    while True:
        body = client.get(f"{url}?{query}").content.decode()
        rows = cad_ids(body)
        pages.append((query, rows))
        seen += rows
        following = link(body, "next")
        if following is None:
            break
        query = following
    assert len(pages) == 3 and [len(rows) for _, rows in pages] == [50, 50, 20]
    expected = list(
        Call.objects.filter(organization=cast.agency)
        .order_by("-received_at", "-pk")
        .values_list("cad_event_id", flat=True)
    )
    assert seen == expected
    # Back from the last page: "Newer" shows the page before it again, exactly.
    last = client.get(f"{url}?{pages[-1][0]}").content.decode()
    back = client.get(f"{url}?{link(last, 'prev')}").content.decode()
    assert cad_ids(back) == pages[1][1]
    first = client.get(f"{url}?{link(back, 'prev')}").content.decode()
    assert cad_ids(first) == pages[0][1] and link(first, "prev") is None
    assert 'aria-label="Pages of calls"' in first and ">Older<" in first and ">Newer<" in back


def test_links_keep_the_filters(cast, taker):
    bulk_calls(cast.agency, 60, district="North", is_mental_health=True)
    bulk_calls(cast.agency, 60, start=100, district="South", is_mental_health=True)
    client = cast.client(taker)
    body = client.get(reverse("dispatch_calls"), {"district": "South", "mental_health": "on"})
    text = body.content.decode()
    following = link(text, "next")
    assert following is not None
    params = parse_qs(following)
    assert params["district"] == ["South"] and params["mental_health"] == ["on"]
    second = client.get(f"{reverse('dispatch_calls')}?{following}").content.decode()
    rows = cad_ids(second)
    assert len(rows) == 10 and all(row.startswith("agency-00001") for row in rows)
    assert "60 calls, newest first" in text


def test_a_cursor_that_cannot_be_read_gives_the_first_page(cast, taker):
    bulk_calls(cast.agency, 3)
    client = cast.client(taker)
    for cursor in ("garbage", "2020-01-01~x", "1~2~3", "2020-01-01T00:00:00~5"):
        response = client.get(reverse("dispatch_calls"), {"after": cursor})
        assert response.status_code == 200
        assert len(cad_ids(response.content.decode())) == 3


def test_the_count_stops_at_its_bound(cast, taker, monkeypatch):
    from pmhc.dispatch import views

    monkeypatch.setattr(views, "CALLS_COUNTED", 30)
    bulk_calls(cast.agency, 45)
    body = cast.client(taker).get(reverse("dispatch_calls")).content.decode()
    assert "More than 30 calls, newest first" in body


def test_the_list_reads_rows_without_distinct(cast, taker):
    queryset = selectors.calls(cast.actor(taker), selectors.CallFilters())
    sql = str(queryset.query).upper()
    assert "DISTINCT" not in sql and "JOIN" not in sql


def test_districts_come_from_every_organization_the_reader_may_see(cast, taker):
    bulk_calls(cast.agency, 3, district="North")
    bulk_calls(cast.agency, 3, start=10, district="East")
    bulk_calls(cast.partner, 2, district="Harbor")
    bulk_calls(cast.outsider_org, 2, district="Secret")
    bulk_calls(cast.agency, 2, start=20, district="")
    assert selectors.districts(cast.actor(taker)) == ["East", "Harbor", "North"]
    assert selectors.districts(cast.actor(cast.admin)) == []


def test_the_home_page_lists_only_the_recent_window(cast, taker):
    bulk_calls(cast.agency, 2)
    Call.objects.create(
        organization=cast.agency,
        cad_event_id="OLD-1",
        received_at=NOW - dt.timedelta(days=selectors.RECENT_WINDOW_DAYS + 1),
    )
    body = cast.client(taker).get(reverse("dispatch_index")).content.decode()
    assert "agency-0000000" in body and "OLD-1" not in body
    assert f"received in the last {selectors.RECENT_WINDOW_DAYS} days" in body


# --- Queries per page ----------------------------------------------------------------------


@pytest.fixture
def busy(cast, taker):
    bulk_calls(cast.agency, 80)
    bulk_calls(cast.partner, 20, start=500)
    return cast


@pytest.mark.parametrize(
    ("who", "name", "params", "queries"),
    [
        # The session, the user, their memberships, the agreements (two), the break-glass
        # check for roles that may break the glass; then the page's own reads; and the
        # session saved again (three: it is saved on every request).
        # The calls list: the districts, the page, the bounded count, the acting agency.
        ("taker", "dispatch_calls", {}, 13),
        ("taker", "dispatch_calls", {"district": "North", "mental_health": "on"}, 13),
        ("taker", "dispatch_calls", {"after": f"{NOW.isoformat()}~999999"}, 13),
        ("member", "dispatch_calls", {}, 12),
        ("partner_user", "dispatch_calls", {}, 13),
        # The Operate page: as above, and one more read for care's panels (the referrals and
        # the caseload of the member's organization).
        ("taker", "dispatch_index", {}, 12),
        ("member", "dispatch_index", {}, 11),
        ("colleague", "dispatch_index", {}, 13),
        ("partner_user", "dispatch_index", {}, 13),
        ("member", "dispatch_imports", {}, 11),
        ("member", "dispatch_rules", {}, 10),
    ],
)
def test_queries_per_page_stay_fixed(
    busy, taker, who, name, params, queries, django_assert_num_queries
):
    user = taker if who == "taker" else getattr(busy, who)
    client = busy.client(user)
    client.get(reverse(name), params)  # warm the per-process caches
    with django_assert_num_queries(queries):
        response = client.get(reverse(name), params)
    assert response.status_code == 200


def _teams_with(cast, users, count, start):
    from pmhc.dispatch.models import AssignmentStatus, CallAssignment
    from pmhc.dispatch.tests.helpers import team_all_week

    calls = bulk_calls(cast.agency, count * 3, start=start)
    for n in range(count):
        team = team_all_week(cast.agency)
        team.members.set(users)
        for k, call in enumerate(calls[n * 3 : n * 3 + 3]):
            CallAssignment.objects.create(
                call=call,
                team=team,
                unit=team.name,
                status=AssignmentStatus.QUEUED if k else AssignmentStatus.ON_SCENE,
                assigned_at=NOW - dt.timedelta(minutes=k),
            )


@pytest.mark.parametrize(
    ("who", "name"),
    [("member", "dispatch_duty"), ("colleague", "dispatch_duty"), ("colleague", "dispatch_unit")],
)
def test_team_pages_read_in_queries_that_do_not_grow_with_the_teams(
    cast, who, name, django_assert_num_queries
):
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    user = getattr(cast, who)
    client = cast.client(user)
    _teams_with(cast, [cast.colleague], 1, start=9000)
    client.get(reverse(name))
    with CaptureQueriesContext(db) as one:
        assert client.get(reverse(name)).status_code == 200
    expected = len(one)  # read now: the next request clears the connection's query log
    _teams_with(cast, [cast.colleague], 4, start=9100)
    client.get(reverse(name))  # new teams move the agency's dispatch stamp: read them once
    with django_assert_num_queries(expected):
        body = client.get(reverse(name)).content.decode()
    assert body.count("Team ") >= 5


def test_a_call_s_queue_places_take_one_count_for_them_all(cast, django_assert_num_queries):
    from pmhc.dispatch.models import AssignmentStatus, CallAssignment
    from pmhc.dispatch.tests.helpers import team_all_week

    teams = [team_all_week(cast.agency) for _ in range(3)]
    ahead = bulk_calls(cast.agency, 3, start=7000)
    for n, call in enumerate(ahead):
        for team in teams[: n + 1]:
            CallAssignment.objects.create(
                call=call,
                team=team,
                unit=team.name,
                status=AssignmentStatus.QUEUED,
                assigned_at=NOW - dt.timedelta(minutes=10 - n),
            )
    call = bulk_calls(cast.agency, 1, start=7100)[0]
    for team in teams:
        CallAssignment.objects.create(
            call=call,
            team=team,
            unit=team.name,
            status=AssignmentStatus.QUEUED,
            assigned_at=NOW,
        )
    detailed = selectors._with_details(Call.objects.filter(pk=call.pk)).get()
    with django_assert_num_queries(3):
        places = selectors.queue_places(detailed)
    by_team = {a.team_id: places[a.pk].position for a in detailed.assignments.all()}
    # The first team has three calls ahead, the second two, the third one.
    assert by_team == {teams[0].pk: 4, teams[1].pk: 3, teams[2].pk: 2}


# --- Plans on PostgreSQL ---------------------------------------------------------------------

ROWS = 20_000


@pytest.fixture
def loaded(cast):
    """20,000 calls over three agencies (ours, the partner, an outsider), over two years, in
    twenty districts, a third of them mental health calls and one in twenty routed otherwise
    than recommended; then the planner's statistics."""
    rng = random.Random(14)
    organizations = [cast.agency] * 6 + [cast.partner] * 2 + [cast.outsider_org] * 2
    routes = list(Routing.values)
    rows = []
    for n in range(ROWS):
        recommended = rng.choice(routes)
        differs = rng.random() < 0.05
        rows.append(
            Call(
                organization=rng.choice(organizations),
                cad_event_id=f"L-{n:06d}",
                received_at=NOW - dt.timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60)),
                district=f"D{rng.randrange(20):02d}",
                is_mental_health=rng.random() < 0.33,
                recommendation=recommended,
                decision=(rng.choice([r for r in routes if r != recommended]) if differs else ""),
            )
        )
    Call.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Call._meta.db_table}")
    return cast


def plan(queryset) -> str:
    return queryset.explain()


postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the plans asserted are PostgreSQL's; SQLite's planner and indexes differ",
)


FILTERS = {
    "none": selectors.CallFilters(),
    "mental health": selectors.CallFilters(mental_health=True),
    "district": selectors.CallFilters(district="D07"),
    "district and mental health": selectors.CallFilters(district="D07", mental_health=True),
    "routed otherwise": selectors.CallFilters(differs=True),
    "recent dates": selectors.CallFilters(
        start=(NOW - dt.timedelta(days=40)).date(), end=NOW.date()
    ),
    "old dates, mental health": selectors.CallFilters(
        start=(NOW - dt.timedelta(days=400)).date(),
        end=(NOW - dt.timedelta(days=380)).date(),
        mental_health=True,
    ),
}


@postgresql_only
def test_every_calls_filter_reads_an_index(loaded, taker):
    """For a call-taker (their agency and the partner's calls), a coordinator and a partner's
    clinician: the first page, a page further back (a cursor), and the bounded count."""
    for user in (taker, loaded.member, loaded.partner_user):
        actor = loaded.actor(user)
        for name, filters in FILTERS.items():
            queryset = selectors.calls(actor, filters)
            older = queryset.filter(received_at__lt=NOW - dt.timedelta(days=90))
            for query in (queryset[:51], older[:51], queryset.values("pk")[:1001]):
                text = plan(query)
                assert "Seq Scan on dispatch_call" not in text, f"{name}: {text}"
                assert "Index" in text, f"{name}: {text}"


@postgresql_only
def test_the_district_list_steps_through_the_index(loaded, taker):
    found = selectors.districts(loaded.actor(taker))
    assert found == [f"D{n:02d}" for n in range(20)]
    restricted = restrict(loaded.actor(taker), Call.objects.all(), Action.VIEW, Purpose.ACTIVE_CALL)
    assert set(found) == set(restricted.values_list("district", flat=True).distinct())
