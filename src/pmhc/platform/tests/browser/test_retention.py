"""The administrator sets how long records are kept, and the page refuses what the bounds do
not allow, saying so at the top with a link to the field."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pmhc.conftest import PASSWORD
from pmhc.dispatch.retention import CALLS
from pmhc.platform.models import RetentionSchedule
from pmhc.response.tests.factories import make_call
from pmhc.testing.browser import follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_administrator_sets_the_retention_schedule_within_bounds(page, cast):
    for _ in range(3):
        make_call(cast.agency, hours_ago=24 * 400)
    sign_in(page, cast.admin.username, PASSWORD)
    visit(page, f"/org/{cast.agency.slug}/")
    nav = page.get_by_role("navigation", name="Organization administration")
    follow(page, nav.get_by_role("link", name="Retention"))
    expect(page.get_by_role("heading", level=1)).to_have_text("How long records are kept")
    table = page.get_by_role("table", name="What a purge would remove now")
    calls_row = table.get_by_role("row", name="Calls for service")
    expect(calls_row).to_contain_text("2555 days")
    expect(calls_row.get_by_role("cell").nth(1)).to_have_text("0")

    field = page.get_by_label("Calls for service: keep for (days)")
    field.fill("30")
    follow(page, page.get_by_role("button", name="Save the schedule"))
    summary = page.locator(".pmhc-error-summary")
    link = summary.get_by_role("link")
    expect(link).to_have_text(
        "Calls for service: keep for (days): Calls for service: keep for at least 180 days."
    )
    expect(link).to_have_attribute("href", f"#{field.get_attribute('id')}")
    assert not RetentionSchedule.objects.exists()

    page.get_by_label("Calls for service: keep for (days)").fill("365")
    follow(page, page.get_by_role("button", name="Save the schedule"))
    expect(page.get_by_role("status").locator(".usa-alert--success")).to_have_text(
        "Retention schedule saved."
    )
    calls_row = page.get_by_role("table").get_by_role("row", name="Calls for service")
    expect(calls_row.get_by_role("cell").nth(1)).to_have_text("3")
    assert RetentionSchedule.objects.get(record_kind=CALLS).days == 365
