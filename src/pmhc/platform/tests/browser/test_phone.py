"""On a phone-sized screen the primary navigation folds behind the USWDS menu button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pmhc.conftest import PASSWORD
from pmhc.testing.browser import PHONE, axe_check, follow, primary_nav, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_menu(page):
    nav = primary_nav(page)
    expect(nav).to_be_hidden()
    page.get_by_role("button", name="Menu").click()
    expect(nav).to_be_visible()
    expect(nav).to_have_class(re.compile(r"\bis-visible\b"))
    return nav


def close_menu(page):
    primary_nav(page).get_by_role("button", name="Close").click()
    expect(primary_nav(page)).to_be_hidden()


def test_phone_menu_signed_out_and_signed_in(new_page, cast):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)

    visit(page, "/accounts/login/")
    nav = open_menu(page)
    expect(nav.get_by_role("link", name="Sign in")).to_be_visible()
    axe_check(page)  # with the menu open
    close_menu(page)

    page.get_by_label("Username").fill(cast.admin.username)
    page.get_by_label("Password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Sign in"))
    # An administrator of one organization lands on that organization's page.
    expect(page.get_by_role("heading", level=1)).to_have_text(cast.agency.name)

    nav = open_menu(page)
    expect(nav.get_by_role("link")).to_have_text(
        ["Learn", "Assess", "Plan", "Train", "Home Safe", "Measure", "Organization", "My account"]
    )
    expect(nav.get_by_role("button", name="Sign out")).to_be_visible()
    axe_check(page)
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
