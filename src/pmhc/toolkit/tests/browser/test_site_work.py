"""A learning site in the browser: its coordinator signs in, lands on the requests matched to
the site, accepts one and proposes a date; the requester's private status page shows the answer
and the date, and the requester chooses it. axe checks every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pmhc.platform.access import ANONYMOUS, actor_for_user
from pmhc.platform.models import User
from pmhc.testing.browser import DEMO_PASSWORD, follow, primary_nav, sign_in, visit
from pmhc.toolkit.models import LearningSite, TARequest, TAStatus
from pmhc.toolkit.services import assistance

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "jordan.requester@example.org"


def test_a_site_coordinator_accepts_a_matched_request_and_proposes_a_date(page, new_page, demo):
    site = LearningSite.objects.get(organization__slug="demo-learning-site")
    ta_request, token = assistance.submit_request(
        ANONYMOUS,
        jurisdiction_name="Brookfield (synthetic)",
        jurisdiction_type="city",
        state="NM",
        contact_name="Jordan Requester",
        agency="Brookfield PD (synthetic)",
        email=EMAIL,
        description="We would like to see a co-responder team at work.",
        consent_to_contact=True,
    )
    staff = actor_for_user(User.objects.get(username="tta_staff"))
    assistance.confirm_request(staff, ta_request=ta_request)
    assistance.match_request(staff, ta_request=ta_request, site=site)

    coordinator = new_page()
    sign_in(coordinator, "site_coordinator", DEMO_PASSWORD)
    expect(coordinator.get_by_role("heading", level=1)).to_have_text(
        "Requests matched to your site"
    )
    expect(primary_nav(coordinator).get_by_role("link", name="Site requests")).to_be_visible()
    row = coordinator.get_by_role("row").filter(
        has=coordinator.get_by_role("rowheader", name=ta_request.reference)
    )
    expect(row).to_contain_text("Waiting for your answer")
    follow(coordinator, row.get_by_role("link", name=ta_request.reference))
    expect(coordinator.get_by_role("main")).to_contain_text(EMAIL)

    # A date in the past is refused, with the reason at the top and by the field.
    coordinator.get_by_label("First date").fill(
        (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    )
    follow(coordinator, coordinator.get_by_role("button", name="Accept the request"))
    expect(coordinator.get_by_role("alert").first).to_contain_text(
        "Propose dates from today to a year from now."
    )

    day = timezone.localdate() + dt.timedelta(days=21)
    coordinator.get_by_label("First date").fill(day.isoformat())
    coordinator.get_by_label("Note to the requester (optional)").fill(
        "Plan for two days with our team."
    )
    follow(coordinator, coordinator.get_by_role("button", name="Accept the request"))
    expect(coordinator.get_by_role("status")).to_contain_text("Your answer is sent")
    ta_request.refresh_from_db()
    assert ta_request.proposed_dates == [day.isoformat()]

    # The requester's private page shows the answer and the date, and takes the choice.
    visit(page, f"/assistance/status/{token}/")
    main = page.get_by_role("main")
    expect(main).to_contain_text(f"{site.agency} has accepted your request.")
    expect(main).to_contain_text("Plan for two days with our team.")
    # USWDS draws its own radio button: the label is what a person clicks.
    page.locator("label.usa-radio__label", has_text=day.isoformat()).click()
    expect(page.get_by_label(day.isoformat())).to_be_checked()
    follow(page, page.get_by_role("button", name="Choose this date"))
    expect(page.get_by_role("status")).to_contain_text("Date chosen")
    expect(page.get_by_role("region", name="Current status: Scheduled")).to_be_visible()
    ta_request.refresh_from_db()
    assert (ta_request.status, ta_request.scheduled_for) == (TAStatus.SCHEDULED, day)
    assert TARequest.objects.filter(matched_site=site).count() >= 2
