"""The coordinator reads the four outcomes on Measure; the analyst downloads them and finds no
one in the file."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from playwright.sync_api import expect

from pmhc.conftest import PASSWORD
from pmhc.evaluation import dashboard_selectors as selectors
from pmhc.evaluation import metrics
from pmhc.evaluation.models import TOTAL, Grain, Rollup
from pmhc.evaluation.tests.test_dashboard import rollup, this_month
from pmhc.platform.models import Role
from pmhc.response.tests.factories import member
from pmhc.testing.browser import follow, primary_nav, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _expected(cast, key):
    """The period's figure of a measure, from the rollups directly (not through the page)."""
    current = this_month(cast)
    metric = metrics.BY_KEY[key]
    sums = Rollup.objects.filter(
        organization=cast.agency,
        grain=Grain.MONTH,
        breakdown=TOTAL,
        period__gte=selectors.add_months(current, -12),
        period__lte=current,
    ).aggregate(n=Sum(metric.numerator), d=Sum(metric.denominator))
    figure = metrics.value(metric, sums["n"], sums["d"])
    assert figure is not None
    return selectors.format_figure(metric, round(figure, 1))


def test_the_coordinator_reads_the_outcomes_and_the_analyst_downloads_them(page, cast):
    current = this_month(cast)
    for back in range(13):
        rollup(
            cast.agency,
            selectors.add_months(current, -back),
            district="North",
            calls=60,
            mental_health=50,
            reported=40 + back,
            connected=18 + back,
            arrest_eligible=20,
            diverted=14,
            repeat_90d=12,
            force_above_presence=11,
        )
    sign_in(page, cast.member.username, PASSWORD)
    visit(page, "/")
    follow(page, primary_nav(page).get_by_role("link", name="Measure"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Measure")
    for key in metrics.HEADLINE:
        name = str(metrics.BY_KEY[key].name)
        section = page.locator(f"section[aria-labelledby='measure-{key}']")
        expect(section.get_by_role("heading", level=3)).to_contain_text(name)
        expect(section).to_contain_text(f"This period: {_expected(cast, key)}")
        expect(section.get_by_role("img")).to_have_count(1)
        expect(section.get_by_role("table").first).to_contain_text(f"{current:%b %Y}")
    section = page.locator("section[aria-labelledby='measure-connected']")
    section.get_by_text("How this is counted").click()
    expect(section).to_contain_text(str(metrics.BY_KEY["connected"].meaning))

    # A breakdown: a table per measure, by district.
    page.get_by_label("Break down by").select_option("district")
    follow(page, page.get_by_role("button", name="Show"))
    expect(section.get_by_role("table", name="Connected to services by District")).to_contain_text(
        "North"
    )
    sign_out(page)

    analyst = member(cast.agency, Role.ANALYST)
    sign_in(page, analyst.username, PASSWORD)
    # The analyst lands on the dashboard.
    expect(page.get_by_role("heading", level=1)).to_have_text("Measure")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    text = download.value.path().read_text()
    lines = text.splitlines()
    assert lines[0] == ",".join(selectors.HEADER)
    for personal in ("name", "address", "birth", "person", "phone", "narrative", "call_id"):
        assert personal not in lines[0]
    for who in (cast.member.username, analyst.username, cast.member.last_name or "-none-"):
        assert who not in text
    assert "Connected to services" in text
