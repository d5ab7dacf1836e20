"""A program coordinator downloads the de-identified calls and reports from Measure."""

from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from pmhc.conftest import PASSWORD
from pmhc.platform.dates import today_in
from pmhc.response.tests.factories import make_call
from pmhc.testing.browser import follow, primary_nav, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_coordinator_downloads_the_deidentified_rows(page, cast):
    for _ in range(3):
        make_call(cast.agency, hours_ago=30)
    sign_in(page, cast.member.username, PASSWORD)
    visit(page, "/")
    follow(page, primary_nav(page).get_by_role("link", name="Measure"))
    follow(page, page.get_by_role("link", name="De-identified calls and reports"))
    expect(page.get_by_role("heading", level=1)).to_have_text("De-identified calls and reports")
    expect(page.get_by_role("main")).to_contain_text("at least 11 calls in the period")

    today = today_in(cast.agency.time_zone)
    page.get_by_label("Calls received from").fill(today.isoformat())
    page.get_by_label("Calls received until").fill((today - dt.timedelta(days=2)).isoformat())
    follow(page, page.get_by_role("button", name="Download CSV"))
    link = page.locator(".pmhc-error-summary").get_by_role("link")
    expect(link).to_contain_text("The period ends before it starts.")

    page.get_by_label("Calls received from").fill((today - dt.timedelta(days=7)).isoformat())
    page.get_by_label("Calls received until").fill(today.isoformat())
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    path = download.value.path()
    lines = path.read_text().splitlines()
    assert lines[0].startswith("month,week_starting,district,")
    assert len(lines) == 4
