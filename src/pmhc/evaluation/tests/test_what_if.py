"""The what-if page: calls whose protocol recommended a clinician-led route but that went to
police instead, by shift and day, and the staffing model's estimate of one more team; who may
read it; Plan's link to it. The facts are built from calls by ``fact_builder``, as on a real
program."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.dispatch.models import Call, DatePrecision, Routing
from pmhc.evaluation import fact_builder, whatif_selectors
from pmhc.evaluation.tests import world
from pmhc.evaluation.tests.helpers import last_full_months, member
from pmhc.planning import erlang
from pmhc.planning.tests.conftest import make_profile
from pmhc.platform.models import Organization, Role

pytestmark = pytest.mark.django_db

PAGE = reverse("measure_what_if")
#: Hours (UTC) inside the test shifts: Night runs 23 to 7, Day 7 to 15.
NIGHT, DAY = 2, 12
_police = itertools.cycle([Routing.PATROL_PRIORITY, Routing.CIT_OFFICER])
_clinician = itertools.cycle([Routing.CO_RESPONDER, Routing.MOBILE_CRISIS])


def on_weekday(month: dt.date, weekday: int) -> dt.date:
    """The first day of ``month`` that falls on ``weekday`` (Monday is 0)."""
    return month + dt.timedelta(days=(weekday - month.weekday()) % 7)


def clinician_call(organization: Organization, month: dt.date, hour: int, weekday: int | None,
                   *, to_police: bool, decision: str = "") -> Call:  # fmt: skip
    """A call whose protocol recommended a clinician-led route; it went there unless
    ``to_police`` (then a patrol or CIT officer was decided) or another ``decision`` was made.
    Without a weekday the CAD gave only its month."""
    day = month if weekday is None else on_weekday(month, weekday)
    return world.call(
        organization,
        world.at(day.year, day.month, day.day, hour),
        received_precision=DatePrecision.MONTH if weekday is None else DatePrecision.DAY,
        recommendation=next(_clinician),
        decision=next(_police) if to_police else decision,
    )


def build_facts(*organizations: Organization) -> None:
    for organization in organizations:
        fact_builder.write_all_facts(organization)


def calls(cast: Cast) -> None:
    agency = world.utc_org(cast.agency)
    world.shifts(agency)
    months = last_full_months(agency)
    for i in range(40):  # Night: 40 recommended, 16 went to police (Fridays and Saturdays)
        clinician_call(agency, months[i % 12], NIGHT, 4 + i % 2, to_police=i < 16)
    for i in range(10):  # Day: 10 recommended on Mondays, 2 went to police, 1 to EMS
        clinician_call(agency, months[i % 12], DAY, 0, to_police=i < 2,
                       decision=Routing.EMS if i == 2 else "")  # fmt: skip
    # Of unknown day, so of no shift: recommended and went to police.
    clinician_call(agency, months[5], DAY, None, to_police=True)
    # Not counted: no clinician-led route recommended, before the window, another
    # organization's (one, went to police).
    world.call(agency, world.at(months[4].year, months[4].month, 3, DAY),
               recommendation=Routing.CIT_OFFICER, decision=Routing.PATROL_PRIORITY)  # fmt: skip
    world.call(agency, world.at(months[4].year, months[4].month, 3, DAY))
    early = months[0].replace(year=months[0].year - 2)
    clinician_call(agency, early, NIGHT, 0, to_police=True)
    clinician_call(cast.outsider_org, months[3], NIGHT, 0, to_police=True)
    build_facts(agency, cast.outsider_org)


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
    assert (night.recommended, night.unavailable) == (40, 16)
    assert night.by_weekday == [0, 0, 0, 0, 8, 8, 0]
    day = next(r for r in what.rows if r.shift == "Day")
    assert (day.recommended, day.unavailable, day.no_day) == (10, 2, 0)
    assert day.by_weekday == [2, 0, 0, 0, 0, 0, 0]
    unknown = next(r for r in what.rows if r.shift == "")
    assert (unknown.recommended, unknown.unavailable, unknown.no_day) == (1, 1, 1)
    assert what.total_unavailable == 19
    body = response.content.decode()
    assert "the call record does not say whether a team was free" in body
    assert "because no team was free" not in body


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
