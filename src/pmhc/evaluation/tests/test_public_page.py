"""The public page and the settings that publish it: who may change them, what is audited, and
what the page shows anyone without signing in (suppressed counts only)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.evaluation import public_selectors
from pmhc.evaluation.audit_codes import EvaluationAudit
from pmhc.evaluation.models import MeasureSettings
from pmhc.evaluation.suppression import TOTAL
from pmhc.evaluation.tests.helpers import last_full_months, member, rollup
from pmhc.platform.models import AuditEvent, Role

pytestmark = pytest.mark.django_db

SETTINGS = "measure_public_settings"


def publish(cast: Cast, *keys: str, minimum: int = 11) -> MeasureSettings:
    return MeasureSettings.objects.create(
        organization=cast.agency, public=True, public_metrics=list(keys), min_cell_size=minimum
    )


def seven_call_district(cast: Cast) -> None:
    """North has 7 calls in the period (3 and 4); South and East have many."""
    months = last_full_months(cast.agency)
    rollup(cast.agency, months[0], district="North", mental_health=3, reported=3, connected=1)
    rollup(cast.agency, months[1], district="North", mental_health=4, reported=4, connected=2)
    for i, month in enumerate(months):
        rollup(
            cast.agency, month, district="South", mental_health=30 + i, reported=25, connected=12
        )
        rollup(cast.agency, month, district="East", mental_health=20 + i, reported=18, connected=9)


# --- the settings page -------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(cast: Cast) -> None:
    response = cast.client(None).get(reverse(SETTINGS))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_an_officer_and_an_analyst_get_not_found(cast: Cast) -> None:
    analyst = member(cast.agency, Role.ANALYST, "analyst")
    for user in (cast.colleague, analyst):
        client = cast.client(user)
        assert client.get(reverse(SETTINGS)).status_code == 404
        response = client.post(reverse(SETTINGS), {"min_cell_size": 20, "public": "on"})
        assert response.status_code == 404
    assert not MeasureSettings.objects.exists()


def test_another_organization_changes_only_its_own_settings(cast: Cast) -> None:
    client = cast.client(cast.outsider)
    response = client.post(
        reverse(SETTINGS), {"min_cell_size": 15, "public": "on", "public_metrics": ["connected"]}
    )
    assert response.status_code == 302
    assert not MeasureSettings.objects.filter(organization=cast.agency).exists()
    assert MeasureSettings.objects.get(organization=cast.outsider_org).public


def test_the_coordinator_publishes_and_each_change_is_audited(cast: Cast) -> None:
    client = cast.client(cast.member)
    page = client.get(reverse(SETTINGS))
    assert page.status_code == 200
    assert "from 11 to 100" in page.content.decode()
    response = client.post(
        reverse(SETTINGS),
        {"min_cell_size": 20, "public": "on", "public_metrics": ["force", "connected"]},
    )
    assert response.status_code == 302
    saved = MeasureSettings.objects.get(organization=cast.agency)
    assert (saved.min_cell_size, saved.public) == (20, True)
    assert saved.public_metrics == ["connected", "force"]  # in the definitions' order
    assert saved.published_at is not None
    events = {e.action: e for e in AuditEvent.objects.filter(organization_id=cast.agency.pk)}
    assert events[EvaluationAudit.SETTINGS_CHANGED].after == {"min_cell_size": 20}
    assert events[EvaluationAudit.PUBLIC_PAGE_CHANGED].after == {
        "public": True,
        "public_metrics": ["connected", "force"],
    }


@pytest.mark.parametrize("value", ["10", "101", "5", "abc"])
def test_a_minimum_outside_its_bounds_is_refused_and_typed_input_kept(
    cast: Cast, value: str
) -> None:
    response = cast.client(cast.admin).post(
        reverse(SETTINGS), {"min_cell_size": value, "public_metrics": ["arrested"]}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "usa-alert--error" in body
    assert (
        'value="arrested" class="usa-checkbox__input" id="id_public_metrics_4" checked' in body
        or (re.search(r'value="arrested"[^>]*checked', body))
    )
    assert not MeasureSettings.objects.exists()


def test_publishing_without_a_measure_is_refused(cast: Cast) -> None:
    response = cast.client(cast.member).post(
        reverse(SETTINGS), {"min_cell_size": 11, "public": "on"}
    )
    assert response.status_code == 400
    assert "Choose at least one measure to publish." in response.content.decode()
    assert not MeasureSettings.objects.exists()


# --- the public page ---------------------------------------------------------------------


def test_an_unpublished_page_is_the_same_not_found_as_a_missing_one(cast: Cast) -> None:
    seven_call_district(cast)
    client = cast.client(None)
    missing = client.get(reverse("measure_public", args=["no-such-agency"]))
    unpublished = client.get(reverse("measure_public", args=[cast.agency.slug]))
    assert missing.status_code == unpublished.status_code == 404
    assert missing.content == unpublished.content
    MeasureSettings.objects.create(
        organization=cast.agency, public=False, public_metrics=["arrested"]
    )
    assert client.get(reverse("measure_public", args=[cast.agency.slug])).status_code == 404
    # A member of the organization sees no more than anyone else.
    assert (
        cast.client(cast.member).get(reverse("measure_public", args=["agency"])).status_code == 404
    )


def test_the_public_page_hides_a_district_with_seven_calls_and_its_complement(cast: Cast) -> None:
    seven_call_district(cast)
    publish(cast, "connected")
    page = public_selectors.public_page(cast.agency.slug)
    calls = page.calls
    assert calls is not None
    assert calls.counts[("North", TOTAL)] == 7
    assert calls.shown(("North", TOTAL)) is None
    # Its complement among the districts' totals, and in each of its two months.
    assert calls.shown(("East", TOTAL)) is None
    for month in page.months[:2]:
        assert calls.shown(("North", month)) is None
        assert calls.shown(("East", month)) is None
    assert calls.shown((TOTAL, TOTAL)) == calls.counts[(TOTAL, TOTAL)]
    assert calls.shown(("South", TOTAL)) is not None
    response = cast.client(None).get(reverse("measure_public", args=[cast.agency.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    table = body[
        body.index('id="calls-table"') : body.index("</table>", body.index('id="calls-table"'))
    ]
    found = re.search(r"<th scope=\"row\">North</th>(.*?)</tr>", table)
    assert found is not None
    north = found.group(1)
    assert ">7<" not in north and ">3<" not in north and ">4<" not in north
    assert north.count("hidden") == 3  # two months and the total
    assert "Data as of" in body or "have not been computed" in body
    assert "Methods" in body and "definition version 1" in body


def test_a_rate_is_hidden_with_its_count(cast: Cast) -> None:
    seven_call_district(cast)
    publish(cast, "connected")
    view = public_selectors.public_page(cast.agency.slug).metrics[0]
    north = next(f for f in view.by_district if f.label == "North")
    assert north.value is None and north.missing == "withheld"
    assert north.numerator is None  # 3 connected in North
    shown = [f for f in view.by_month if f.value is not None]
    assert shown, "months with enough calls show their figure"
    for figure in view.by_month:
        if figure.numerator is None or figure.denominator is None:
            assert figure.value is None


def test_a_count_is_hidden_where_what_it_is_counted_out_of_leaves_too_few(cast: Cast) -> None:
    """15 reports of which 12 connected would show the 3 not connected."""
    months = last_full_months(cast.agency)
    rollup(cast.agency, months[0], district="South", mental_health=30, reported=15, connected=12)
    for month in months[1:]:
        rollup(cast.agency, month, district="South", mental_health=50, reported=40, connected=15)
    publish(cast, "connected", "arrested")
    page = public_selectors.public_page(cast.agency.slug)
    connected = page.metrics[0]
    first = connected.by_month[0]
    assert (first.numerator, first.value, first.missing) == (None, None, "withheld")
    assert first.denominator == 15
    # Its month is not given back by the months' total: another month is hidden with it.
    hidden = [f for f in connected.by_month if f.numerator is None]
    assert len(hidden) == 2
    assert connected.overall.value is not None
    for view in page.metrics:
        for figure in (*view.by_month, *view.by_district, view.overall):
            if figure.numerator is not None and figure.denominator is not None:
                assert not 0 < figure.denominator - figure.numerator < page.minimum
    body = cast.client(None).get(reverse("measure_public", args=[cast.agency.slug])).content
    assert ">12<" not in body.decode()


def test_the_page_states_its_district_limit(cast: Cast) -> None:
    seven_call_district(cast)
    publish(cast, "connected")
    body = cast.client(None).get(reverse("measure_public", args=[cast.agency.slug])).content
    text = body.decode()
    assert f"at most {public_selectors.MAX_DISTRICTS} districts" in text
    assert "whether or not the call was marked as involving mental health" in text


def test_a_higher_minimum_hides_more_and_never_goes_below_eleven(cast: Cast) -> None:
    seven_call_district(cast)
    settings = publish(cast, "connected", minimum=40)
    page = public_selectors.public_page(cast.agency.slug)
    assert page.minimum == 40
    assert page.calls is not None
    assert page.calls.shown(("East", page.months[-1])) is None  # 31 < 40
    settings.min_cell_size = 5
    settings.save()
    assert public_selectors.public_page(cast.agency.slug).minimum == 11


def test_the_public_page_reads_in_three_queries_and_may_be_cached(
    cast: Cast, django_assert_num_queries
) -> None:
    seven_call_district(cast)
    publish(cast, "connected", "force", "minutes_to_scene", "cit_or_clinician")
    client = cast.client(None)
    url = reverse("measure_public", args=[cast.agency.slug])
    client.get(url)
    with django_assert_num_queries(3):
        response = client.get(url)
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert not response.cookies
