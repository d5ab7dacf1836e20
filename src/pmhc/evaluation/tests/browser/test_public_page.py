"""The public page in a browser: the coordinator publishes it, and anyone reads it without
signing in, with a district of seven calls hidden and its complement hidden with it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pmhc.conftest import PASSWORD
from pmhc.evaluation.tests.helpers import last_full_months, rollup
from pmhc.testing.browser import follow, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_public_page_hides_a_district_with_7_calls_and_its_complement(page, cast):
    months = last_full_months(cast.agency)
    rollup(cast.agency, months[0], district="North", mental_health=3, reported=3, connected=1)
    rollup(cast.agency, months[1], district="North", mental_health=4, reported=4, connected=2)
    for i, month in enumerate(months):
        rollup(
            cast.agency, month, district="South", mental_health=30 + i, reported=25, connected=12
        )
        rollup(cast.agency, month, district="East", mental_health=20 + i, reported=18, connected=9)

    visit(page, f"/measure/public/{cast.agency.slug}/", status=404)

    sign_in(page, cast.member.username, PASSWORD)
    visit(page, "/measure/public-settings/")
    page.get_by_label("Smallest count shown").fill("11")
    page.locator("label", has_text="Publish a public page").check()
    page.locator("label", has_text="Connected to services").check()
    follow(page, page.get_by_role("button", name="Save the settings"))
    expect(page.get_by_text("Measure settings saved.")).to_be_visible()
    follow(page, page.get_by_role("link", name=f"/measure/public/{cast.agency.slug}/"))
    sign_out(page)

    visit(page, f"/measure/public/{cast.agency.slug}/")
    table = page.locator("#calls-table")
    north = table.get_by_role("row", name="North")
    expect(north).to_contain_text("hidden")
    expect(north.get_by_role("cell")).to_have_text(["hidden", "hidden"] + ["0"] * 10 + ["hidden"])
    east = table.get_by_role("row", name="East")
    # East's two months beside North's, and its total, are hidden with them.
    expect(east.get_by_role("cell").nth(0)).to_have_text("hidden")
    expect(east.get_by_role("cell").nth(1)).to_have_text("hidden")
    expect(east.get_by_role("cell").nth(12)).to_have_text("hidden")
    south = table.get_by_role("row", name="South")
    expect(south.get_by_role("cell").nth(12)).to_have_text(str(sum(30 + i for i in range(12))))
    expect(page.get_by_role("heading", name="Methods")).to_be_visible()
    expect(page.get_by_role("img", name="Connected to services by month")).to_be_visible()
