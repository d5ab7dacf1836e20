"""The demo coordinator plans in the browser: reads the profile, changes it, reads the advice,
the staffing model and the One Mind tracker; every page passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pmhc.testing.browser import DEMO_PASSWORD, follow, primary_nav, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def plan_nav(page):
    return page.get_by_role("navigation", name="Plan", exact=True)


def test_coordinator_plans_with_profile_advice_staffing_and_pledge(page, demo):
    sign_in(page, "coordinator", DEMO_PASSWORD)
    follow(page, primary_nav(page).get_by_role("link", name="Plan"))
    expect(page).to_have_url(re.compile(r"/plan/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Plan: Example County Police Department"
    )
    expect(page.get_by_role("main")).to_contain_text("Day, Evening, Night")

    # The demo has no receiving center: the advice counts it against CIT.
    follow(page, plan_nav(page).get_by_role("link", name="Program-type advice"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Program-type advice")
    rules = page.get_by_role("table", name="Advisor rules and whether each fired for this profile")
    row = rules.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="no-receiving-center")
    )
    expect(row.get_by_role("cell").last).to_have_text("Yes")

    # Change the profile: a receiving center opens.
    follow(page, page.get_by_role("link", name="Community profile"))
    follow(page, page.get_by_role("link", name="Change the community profile"))
    form = page.locator("form", has=page.get_by_role("button", name="Save profile"))
    expect(form.get_by_label("Shifts")).to_have_value("Day, Evening, Night")
    # USWDS hides the box itself and draws the label: click the label, as a person would.
    label = "A crisis receiving or stabilization center that accepts police drop-offs"
    form.locator("label", has_text=label).click()
    expect(form.get_by_label(label)).to_be_checked()
    follow(page, form.get_by_role("button", name="Save profile"))
    expect(page.get_by_role("status")).to_contain_text("Community profile saved.")

    follow(page, plan_nav(page).get_by_role("link", name="Program-type advice"))
    rules = page.get_by_role("table", name="Advisor rules and whether each fired for this profile")
    row = rules.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="receiving-center", exact=True)
    )
    expect(row.get_by_role("cell").last).to_have_text("Yes")

    # The staffing model: one section, chart and table per shift.
    follow(page, plan_nav(page).get_by_role("link", name="Staffing model"))
    for shift in ("Day", "Evening", "Night"):
        expect(page.get_by_role("heading", name=re.compile(f"^{shift} shift"))).to_be_visible()
        expect(page.get_by_role("table", name=f"Units on duty, {shift} shift")).to_be_visible()
    expect(
        page.get_by_role("img", name="Service level by units on duty, Day shift")
    ).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Units needed:")
    expect(page.get_by_role("main")).to_contain_text("CIT officers needed:")

    # The One Mind tracker: partnership and policy met in the demo, training in progress.
    follow(page, plan_nav(page).get_by_role("link", name="One Mind pledge"))
    table = page.get_by_role("table", name="One Mind requirements, their status and evidence")
    expect(table.get_by_role("row")).to_have_count(5)
    expect(page.locator("#requirement-partnership")).to_contain_text("Met")
    expect(page.locator("#requirement-policy")).to_contain_text("Met")
    expect(page.locator("#pledge-window")).to_contain_text("Pledge taken on")

    # The pledge date form.
    follow(page, page.get_by_role("link", name="Change the pledge date"))
    page.get_by_label("Pledge date").fill("2024-03-01")
    follow(page, page.get_by_role("button", name="Save pledge date"))
    expect(page.locator("#pledge-window")).to_contain_text("Pledge taken on 2024-03-01.")


def test_supervisor_reads_the_plan_but_cannot_change_it(page, demo):
    sign_in(page, "supervisor", DEMO_PASSWORD)
    follow(page, primary_nav(page).get_by_role("link", name="Plan"))
    expect(page.get_by_role("link", name="Change the community profile")).to_have_count(0)
    visit(page, "/plan/profile/", status=404)
