"""The before-and-after and CIT comparison pages on facts with a known effect: what they
find, what they say when the data are too few, who may read them, and their queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.evaluation import analysis_selectors, change_services
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.metrics import BY_KEY
from pmhc.evaluation.models import CallFact, ProgramChange, ProgramChangeKind
from pmhc.evaluation.tests.stats_helpers import encounter_facts, weekly_facts
from pmhc.platform.dates import today_in
from pmhc.platform.models import AuditEvent, Role, User
from pmhc.platform.tests.factories import MembershipFactory, UserFactory

#: A Monday, so no week is part before and part after.
CHANGE_ON = dt.date(2025, 6, 2)


def _analyst(cast: Cast) -> User:
    user = UserFactory.create(username="analyst")
    MembershipFactory.create(user=user, organization=cast.agency, role=Role.ANALYST)
    return user


def _change(cast: Cast, started_on: dt.date = CHANGE_ON) -> ProgramChange:
    return change_services.save_change(
        cast.actor(cast.member),
        organization=cast.agency,
        kind=ProgramChangeKind.CO_RESPONDER,
        name="Co-responder team started",
        started_on=started_on,
    )


def test_the_series_finds_the_jump_it_was_made_with(cast: Cast) -> None:
    weekly_facts(
        cast.agency,
        change_on=CHANGE_ON,
        weeks_before=20,
        weeks_after=20,
        calls_per_week=60,
        base=0.05,
        jump=0.12,
    )
    # Another organization's calls are not counted.
    weekly_facts(
        cast.outsider_org,
        change_on=CHANGE_ON,
        weeks_before=20,
        weeks_after=20,
        calls_per_week=5,
        base=0.9,
        jump=-0.8,
    )
    change = _change(cast)
    analysis = analysis_selectors.before_after(
        cast.actor(cast.member), cast.agency.pk, change=change, metric=BY_KEY["clinician"]
    )
    result = analysis.result
    assert result.level_change is not None and result.level_change.contains(12.0)
    assert result.level_change.low > 0
    assert (result.periods_before, result.periods_after) == (20, 20)
    assert result.calls_before == result.calls_after == 20 * 60
    assert analysis.left_out is None
    assert [p.start for p in analysis.points][:2] == [
        CHANGE_ON - dt.timedelta(weeks=20),
        CHANGE_ON - dt.timedelta(weeks=19),
    ]
    assert sum(p.after for p in analysis.points) == 20
    event = AuditEvent.objects.get(action=EvaluationAudit.ANALYSIS_READ)
    assert event.object_id == str(change.pk) and "clinician" in event.detail


def test_a_change_inside_a_week_leaves_that_week_out(cast: Cast) -> None:
    weekly_facts(
        cast.agency,
        change_on=CHANGE_ON,
        weeks_before=12,
        weeks_after=12,
        calls_per_week=20,
        base=0.1,
        jump=0.2,
    )
    change = _change(cast, CHANGE_ON + dt.timedelta(days=3))
    analysis = analysis_selectors.before_after(
        cast.actor(cast.member), cast.agency.pk, change=change, metric=BY_KEY["clinician"]
    )
    assert analysis.left_out == CHANGE_ON
    assert CHANGE_ON not in {p.start for p in analysis.points}
    assert analysis.result.periods_after == 11


def test_by_month_too_few_periods_say_so_instead_of_a_number(cast: Cast) -> None:
    weekly_facts(
        cast.agency,
        change_on=CHANGE_ON,
        weeks_before=20,
        weeks_after=20,
        calls_per_week=60,
        base=0.05,
        jump=0.12,
    )
    change = _change(cast)
    response = cast.client(cast.member).get(
        reverse("evaluation_before_after"),
        {"change": str(change.pk), "metric": "clinician", "grain": "month"},
    )
    assert response.status_code == 200
    assert 'data-testid="not-enough"' in response.text
    assert "Not enough data before and after the change" in response.text
    assert 'data-testid="estimates"' not in response.text


def test_the_page_shows_the_estimate_the_chart_and_its_table(
    cast: Cast, django_assert_num_queries: object
) -> None:
    weekly_facts(
        cast.agency,
        change_on=CHANGE_ON,
        weeks_before=16,
        weeks_after=16,
        calls_per_week=50,
        base=0.05,
        jump=0.15,
    )
    _change(cast)
    client = cast.client(_analyst(cast))
    client.get(reverse("evaluation_before_after"))
    with django_assert_num_queries(QUERIES):  # type: ignore[operator]
        response = client.get(reverse("evaluation_before_after"))
    assert response.status_code == 200
    text = response.text
    assert 'data-testid="estimates"' in text and "<svg" in text and "stroke-dasharray" in text
    assert text.count('<tr><th scope="row">') >= 32  # one row a week in the table
    assert "What this can and cannot show" in text
    assert "percentage points" in text


QUERIES = 16


def test_with_no_change_recorded_the_page_says_so(cast: Cast) -> None:
    response = cast.client(cast.member).get(reverse("evaluation_before_after"))
    assert response.status_code == 200 and 'data-testid="no-changes"' in response.text


def test_the_cit_comparison_recovers_the_odds_ratio_and_warns(cast: Cast) -> None:
    day = dt.date(2025, 5, 5)
    encounter_facts(cast.agency, day=day, per_cell=150, odds_ratio=0.5)
    comparison = analysis_selectors.cit_comparison(
        cast.actor(cast.member),
        cast.agency.pk,
        since=day - dt.timedelta(days=30),
        until=day + dt.timedelta(days=30),
    )
    arrested = next(o for o in comparison.outcomes if o.key == "arrested").result
    assert arrested.odds_ratio is not None and arrested.odds_ratio.contains(0.5)
    assert arrested.odds_ratio.high < 1
    assert comparison.encounters == arrested.cit.encounters + arrested.other.encounters
    assert arrested.cit.encounters == 150 * 12
    response = cast.client(cast.member).get(
        reverse("evaluation_cit_comparison"),
        {"since": "2025-04-01", "until": "2025-06-01"},
    )
    assert response.status_code == 200
    assert 'data-testid="not-random"' in response.text
    assert 'data-testid="or-arrested"' in response.text
    # Outside the period there is nothing, and the page says so rather than a number.
    response = cast.client(cast.member).get(
        reverse("evaluation_cit_comparison"),
        {"since": "2024-01-01", "until": "2024-12-31"},
    )
    assert 'data-testid="no-estimate-arrested"' in response.text
    assert "each group needs at least 30" in response.text


def test_the_comparison_form_refuses_a_backward_or_long_period(cast: Cast) -> None:
    client = cast.client(cast.member)
    url = reverse("evaluation_cit_comparison")
    response = client.get(url, {"since": "2025-06-01", "until": "2025-01-01"})
    assert response.status_code == 400 and "The end is before the start." in response.text
    response = client.get(url, {"since": "2015-01-01", "until": "2025-01-01"})
    assert response.status_code == 400 and "longer than five years" in response.text


@pytest.mark.parametrize("name", ["evaluation_before_after", "evaluation_cit_comparison"])
def test_the_boundary(cast: Cast, name: str) -> None:
    change = _change(cast)
    url = reverse(name)
    query: dict[str, str] = {"change": str(change.pk)} if name == "evaluation_before_after" else {}
    response = cast.client(None).get(url)
    assert response.status_code == 302 and "login" in response["Location"]
    assert cast.client(cast.colleague).get(url).status_code == 404
    assert cast.client(cast.partner_user).get(url).status_code == 404
    # Another organization reads its own figures, never ours: our change is no choice there.
    outsider = cast.client(cast.outsider).get(url, query)
    assert "Co-responder team started" not in outsider.text
    assert outsider.status_code in {200, 400}
    assert cast.client(cast.member).get(url).status_code == 200
    assert cast.client(cast.admin).get(url).status_code == 200
    assert cast.client(_analyst(cast)).get(url).status_code == 200


def test_the_selectors_refuse_those_who_may_not_read(cast: Cast) -> None:
    from django.http import Http404

    change = _change(cast)
    with pytest.raises(Http404):
        analysis_selectors.before_after(
            cast.actor(cast.colleague), cast.agency.pk, change=change, metric=BY_KEY["clinician"]
        )
    with pytest.raises(Http404):
        analysis_selectors.cit_comparison(
            cast.actor(cast.outsider),
            cast.agency.pk,
            since=dt.date(2025, 1, 1),
            until=dt.date(2025, 2, 1),
        )
    assert not AuditEvent.objects.filter(action=EvaluationAudit.ANALYSIS_READ).exists()


def test_the_comparison_covers_the_last_year_up_to_the_organizations_today(
    cast: Cast, settings
) -> None:
    # 26 hours apart: the organization's date is never the server's.
    settings.TIME_ZONE = "Etc/GMT+12"
    cast.agency.time_zone = "Pacific/Kiritimati"
    cast.agency.save(update_fields=["time_zone"])
    response = cast.client(cast.member).get(reverse("evaluation_cit_comparison"))
    assert response.status_code == 200
    today = today_in("Pacific/Kiritimati")
    assert response.context["form"].data["until"] == today
    assert response.context["form"].data["since"] == today - dt.timedelta(days=365)


def test_the_comparison_leaves_out_encounters_without_an_officer(cast: Cast) -> None:
    day = dt.date(2025, 5, 5)
    with_officers = encounter_facts(cast.agency, day=day, per_cell=40, odds_ratio=0.5)
    # A mobile crisis team's clinician alone: neither a CIT officer nor another officer.
    CallFact.objects.bulk_create(
        CallFact(
            organization=cast.agency,
            call_id=100_000 + n,
            month=day.replace(day=1),
            day=day,
            reported=True,
            clinician=True,
            apco_type="MH",
            shift="Day",
            district="North",
        )
        for n in range(50)
    )
    comparison = analysis_selectors.cit_comparison(
        cast.actor(cast.member), cast.agency.pk, since=day, until=day
    )
    assert comparison.encounters == len(with_officers)
    arrested = next(o for o in comparison.outcomes if o.key == "arrested").result
    assert arrested.other.encounters == sum(not f.cit_responder for f in with_officers)
