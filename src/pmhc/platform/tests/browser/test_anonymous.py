"""What anyone sees without signing in."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pmhc.testing.browser import follow, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_public_pages(page, cast):
    visit(page, "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("police–mental health")
    nav = page.get_by_role("navigation", name="Primary navigation")
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    expect(nav.get_by_role("link", name="Organization")).to_have_count(0)

    visit(page, "/accounts/login/")
    page.get_by_label("Username").fill(cast.member.username)
    page.get_by_label("Password").fill("not-the-password")
    follow(page, page.get_by_role("button", name="Sign in"))
    expect(page.get_by_role("alert")).to_have_text(
        "The username or password is not right. Check both and try again."
    )
    expect(page.get_by_label("Username")).to_have_value(cast.member.username)

    follow(page, page.get_by_role("link", name="Forgot your password?"))
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/$"))
    page.get_by_label("Email").fill(cast.member.email)
    follow(page, page.get_by_role("button", name="Send the link"))
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/sent/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your e-mail")

    visit(page, "/api/docs/")
    expect(page.get_by_role("heading", level=1)).to_have_text("pmhc API")

    visit(page, "/no/such/page/", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
