"""Every demo user signs in through the form and lands on the page of their work (axe-checked),
and the product's name in the header leads back there."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pmhc.demo.generator import DEMO_USERS
from pmhc.platform.models import Role
from pmhc.testing.browser import DEMO_PASSWORD, follow, primary_nav, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: Where each role lands, and the main heading of that page.
LANDS: dict[Role, tuple[str, str | re.Pattern[str]]] = {
    Role.ADMINISTRATOR: ("/org/example-county-pd/", re.compile("Police Department")),
    Role.COORDINATOR: ("/plan/", re.compile("^Plan: ")),
    Role.CALL_TAKER: ("/operate/calls/new/", "Take a call"),
    Role.OFFICER: ("/operate/", "Operate"),
    Role.SUPERVISOR: ("/operate/encounters/review/", "Reports waiting for review"),
    Role.CLINICIAN: ("/operate/", "Operate"),
    Role.CASE_MANAGER: ("/operate/people/review/", "Pairs to review"),
    Role.ANALYST: ("/measure/", "Measure"),
    Role.TTA_STAFF: ("/assistance/queue/", "Technical assistance requests"),
    Role.SITE_COORDINATOR: ("/site/requests/", "Requests matched to your site"),
}


def test_every_demo_user_lands_on_their_work(page, demo, live_server):
    assert {role for _u, _o, role, _s, _d in DEMO_USERS} == set(LANDS)
    for username, _org, role, _shift, _district in DEMO_USERS:
        path, heading = LANDS[role]
        sign_in(page, username, DEMO_PASSWORD)  # follows to the landing page and runs axe
        expect(page, f"{username} lands on their work").to_have_url(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        if role == Role.OFFICER:
            # The officer's calls say where each report stands.
            mine = page.get_by_role("region", name="Calls you were sent to")
            expect(mine.get_by_text(re.compile("^Report:")).first).to_be_visible()
        # From any page, the product's name leads back to the work.
        visit(page, "/learn/")
        follow(page, page.get_by_role("link", name="pmhc", exact=True))
        expect(page).to_have_url(live_server.url + path)
        sign_out(page)
        expect(primary_nav(page).get_by_role("link", name="Sign in")).to_be_visible()


def test_a_safe_next_wins_over_the_landing_page(page, demo, live_server):
    visit(page, "/accounts/login/?next=/learn/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    follow(page, page.get_by_role("button", name="Sign in"))
    expect(page).to_have_url(live_server.url + "/learn/")


def test_a_missing_page_is_the_products_own(page, demo, live_server):
    visit(page, "/no-such-page/", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.get_by_role("main")).not_to_contain_text("URLconf")
    follow(page, page.get_by_role("link", name="Go to the home page"))
    expect(page).to_have_url(live_server.url + "/")
