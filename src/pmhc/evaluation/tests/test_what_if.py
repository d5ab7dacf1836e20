"""The what-if page: calls that matched a clinician-led route but went to patrol, by shift and
day, and the staffing model's estimate of one more team; who may read it; Plan's link to it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.evaluation import whatif_selectors
from pmhc.evaluation.models import CallFact
from pmhc.evaluation.tests.helpers import last_full_months, member
from pmhc.planning import erlang
from pmhc.planning.tests.conftest import make_profile
from pmhc.platform.models import Organization, Role

pytestmark = pytest.mark.django_db

PAGE = reverse("measure_what_if")


def fact(organization: Organization, month: dt.date, shift: str, weekday: int | None,
         *, unavailable: bool) -> CallFact:  # fmt: skip
    return CallFact.objects.create(
        organization=organization,
        call_id=CallFact.objects.count() + 1,
        month=month,
        day=None if weekday is None else month,
        weekday=weekday,
        shift=shift,
        mental_health=True,
        matched_clinician_route=True,
        clinician_route_unavailable=unavailable,
    )


def calls(cast: Cast) -> None:
    months = last_full_months(cast.agency)
    for i in range(40):  # Night: 40 matched, 16 went to patrol (Fridays and Saturdays)
        fact(cast.agency, months[i % 12], "Night", 4 + i % 2, unavailable=i < 16)
    for i in range(10):  # Day: 10 matched, 2 went to patrol, one of unknown day
        fact(cast.agency, months[i % 12], "Day", None if i == 0 else 0, unavailable=i < 2)
    # Before the window, and another organization's: never counted.
    fact(cast.agency, months[0].replace(year=months[0].year - 2), "Night", 0, unavailable=True)
    fact(cast.outsider_org, months[3], "Night", 0, unavailable=True)


def test_anonymous_visitors_are_sent_to_sign_in(cast: Cast) -> None:
    response = cast.client(None).get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_officer_gets_not_found(cast: Cast) -> None:
    calls(cast)
    assert cast.client(cast.colleague).get(PAGE + "?shift=Night").status_code == 404


def test_another_organization_sees_only_its_own_calls(cast: Cast) -> None:
    calls(cast)
    response = cast.client(cast.outsider).get(PAGE)
    assert response.status_code == 200
    what = response.context["what"]
    assert what.total_unavailable == 1


def test_counts_by_shift_and_weekday(cast: Cast) -> None:
    calls(cast)
    analyst = member(cast.agency, Role.ANALYST, "analyst")
    response = cast.client(analyst).get(PAGE)
    assert response.status_code == 200
    what = response.context["what"]
    night = next(r for r in what.rows if r.shift == "Night")
    assert (night.matched, night.unavailable) == (40, 16)
    assert night.by_weekday == [0, 0, 0, 0, 8, 8, 0]
    day = next(r for r in what.rows if r.shift == "Day")
    assert (day.matched, day.unavailable, day.no_day, day.by_weekday[0]) == (10, 2, 1, 1)
    assert what.total_unavailable == 18


def test_one_more_team_follows_the_staffing_model(cast: Cast) -> None:
    calls(cast)
    make_profile(cast.agency)  # three 8-hour shifts, 45 + 15 minutes a call
    response = cast.client(cast.member).get(PAGE + "?shift=Night&teams_now=1")
    assert response.status_code == 200
    result = response.context["result"]
    what = response.context["what"]
    load = 40 / (what.days * 8) * 60 / 60
    assert result.offered_load == pytest.approx(load)
    expected = round(16 * (1 - erlang.erlang_b(2, load) / erlang.erlang_b(1, load)))
    assert result.answered == expected
    assert result.teams_now == 1 and not result.teams_inferred
    body = response.content.decode()
    assert "the staffing model says" in body and "does not wait (Erlang B)" in body
    # Without a number of teams, the model infers it from the share that went to patrol.
    inferred = cast.client(cast.member).get(PAGE + "?shift=Night").context["result"]
    assert inferred.teams_inferred
    assert inferred.teams_now == whatif_selectors.infer_teams(load, 16 / 40)


def test_without_a_profile_the_page_says_what_it_needs(cast: Cast) -> None:
    calls(cast)
    response = cast.client(cast.admin).get(PAGE + "?shift=Night")
    assert response.status_code == 200
    assert response.context["result"] is None
    assert "needs the time a call keeps a team busy" in response.content.decode()


def test_a_number_of_teams_out_of_bounds_is_refused_in_words(cast: Cast) -> None:
    calls(cast)
    response = cast.client(cast.member).get(PAGE + "?shift=Night&teams_now=500")
    assert response.status_code == 400
    assert "usa-alert--error" in response.content.decode()


def test_the_page_reads_in_a_pinned_number_of_queries(
    cast: Cast, django_assert_num_queries
) -> None:
    calls(cast)
    make_profile(cast.agency)
    client = cast.client(cast.member)
    client.get(PAGE + "?shift=Night")
    # The page's own reads: the organization, the grouped facts, the profile; the rest is
    # the signed-in shell. The count does not grow with the calls.
    with django_assert_num_queries(11):
        assert client.get(PAGE + "?shift=Night").status_code == 200


def test_plans_staffing_page_links_here_for_those_who_read_figures(cast: Cast) -> None:
    make_profile(cast.agency)
    link = f'href="{PAGE}"'
    assert link in cast.client(cast.member).get(reverse("plan_staffing")).content.decode()
    supervisor = member(cast.agency, Role.SUPERVISOR, "supervisor")
    page = cast.client(supervisor).get(reverse("plan_staffing"))
    assert page.status_code == 200
    assert link not in page.content.decode()
