"""The coordinator's Measure pages in a browser, each checked by axe: the quarterly report with
its narratives, and the what-if reached from Plan's staffing page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pmhc.conftest import PASSWORD
from pmhc.evaluation.tests import world
from pmhc.evaluation.tests.helpers import last_full_months, rollup
from pmhc.evaluation.tests.test_what_if import NIGHT, build_facts, clinician_call
from pmhc.planning.tests.conftest import make_profile
from pmhc.testing.browser import follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_coordinator_writes_the_report_and_asks_what_if(page, cast):
    months = last_full_months(cast.agency)
    for month in months:
        rollup(cast.agency, month, district="North", mental_health=30, reported=20, connected=9)
    world.utc_org(cast.agency)
    world.shifts(cast.agency)
    for i in range(30):  # 12 of 30 went to police instead of the recommended team
        clinician_call(cast.agency, months[i % 12], NIGHT, i % 7, to_police=i < 12)
    build_facts(cast.agency)
    make_profile(cast.agency)

    sign_in(page, cast.member.username, PASSWORD)
    visit(page, "/measure/reports/")
    page.get_by_label("Narrative: People served").fill("We served the people we planned to.")
    page.get_by_label("Narrative: Outcomes").fill("x" * 4001)
    follow(page, page.get_by_role("button", name="Save the narratives"))
    expect(page.get_by_role("alert").first).to_contain_text("4000")
    expect(page.get_by_label("Narrative: People served")).to_have_value(
        "We served the people we planned to."
    )
    page.get_by_label("Narrative: Outcomes").fill("Fewer arrests where diversion fits.")
    follow(page, page.get_by_role("button", name="Save the narratives"))
    expect(page.get_by_text("Narratives saved.")).to_be_visible()
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()

    visit(page, "/plan/staffing/")
    follow(page, page.get_by_role("link", name="What if one more team were on shift"))
    expect(page.locator("#shift-table")).to_contain_text("Night")
    expect(page.locator("#shift-table tbody tr").first).to_contain_text("12")
    expect(page.get_by_text("does not say whether a team was free").first).to_be_visible()
    page.get_by_label("One more team on the shift").select_option("Night")
    follow(page, page.get_by_role("button", name="Estimate"))
    expect(page.locator("#estimate")).to_contain_text("the staffing model says")
