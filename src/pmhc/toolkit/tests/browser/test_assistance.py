"""Technical assistance in the browser: a visitor asks a learning site for a visit, gets the
reference and the e-mail; TTA staff confirm, match and schedule it; the SLA board counts it as
confirmed within 36 hours; the visitor's private link shows each step. axe checks every page.

The test makes its own (synthetic) learning site rather than rely on the migrated ones: a
serialized rollback cannot restore them after another transactional test has emptied the
database (Django re-creates content types on flush, and the restore then collides with them).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import Page, expect

from pmhc.platform.models import OutboundEmail
from pmhc.testing.browser import DEMO_PASSWORD, follow, primary_nav, sign_in, visit
from pmhc.toolkit.models import LearningSite, TARequest, TAStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SITE = "Synthetic Learning Site PD (test)"
EMAIL = "casey.requester@example.org"
REFERENCE = re.compile(r"TA-\d{4}-\d{6}")


def sla_counts(page: Page) -> tuple[int, int]:
    """(confirmed within 36 hours, counted) as the SLA board states them."""
    visit(page, "/assistance/sla/")
    card = page.locator(".usa-card").filter(
        has=page.get_by_role("heading", name="Confirmed within 36 hours")
    )
    found = re.search(r"(\d+) of (\d+) requests", card.inner_text())
    assert found, card.inner_text()
    return int(found.group(1)), int(found.group(2))


def test_visitor_requests_a_visit_and_tta_staff_confirm_match_and_schedule_it(page, new_page, demo):
    site = LearningSite.objects.create(
        agency=SITE, city="Testville", state="AZ", program_types=["mobile-crisis"]
    )

    # The visitor starts from the learning site's page.
    visit(page, f"/learn/sites/{site.pk}/")
    follow(page, page.get_by_role("link", name="Request a visit or a call with this site"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Request technical assistance")
    expect(page.get_by_role("region", name="Confirmed within 36 hours")).to_be_visible()
    expect(page.get_by_label("Preferred learning site")).to_have_value(str(site.pk))
    # The spam trap is invisible and out of reach.
    expect(page.get_by_label("Leave this empty")).to_be_hidden()

    # Sent empty: clear messages, each by its field, and nothing saved.
    requests_before = TARequest.objects.count()
    follow(page, page.get_by_role("button", name="Send request"))
    expect(page.get_by_role("alert").first.get_by_role("heading")).to_have_text(
        "Please correct the fields marked below."
    )
    expect(page.get_by_label("Jurisdiction name")).to_have_accessible_description(
        re.compile("Enter the name of your jurisdiction.")
    )
    expect(page.locator("#id_consent_to_contact-error")).to_contain_text(
        "Tick this box to let us contact you"
    )
    assert TARequest.objects.count() == requests_before

    page.get_by_label("Jurisdiction name").fill("Testville (synthetic)")
    page.get_by_label("Type of jurisdiction").select_option(label="City or town")
    page.get_by_label("State", exact=True).select_option(label="Arizona")
    page.get_by_label("Your name").fill("Casey Requester")
    page.get_by_label("Your title (optional)").fill("CIT coordinator")
    page.get_by_label("Agency or organization", exact=True).fill("Testville PD (synthetic)")
    page.get_by_label("E-mail address").fill(EMAIL)
    page.get_by_label("Describe your request").fill("We would like to see a crisis center.")
    page.get_by_role("group", name="Program types you are interested in").get_by_text(
        "Mobile crisis team"
    ).click()
    page.get_by_role("group", name="How would you like to be helped?").get_by_text(
        "A site visit"
    ).click()
    page.locator("label[for=id_consent_to_contact]").click()
    follow(page, page.get_by_role("button", name="Send request"))

    # The confirmation: the reference and the private link.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Your request for technical assistance"
    )
    expect(page.get_by_role("status").first).to_contain_text("Thank you: we received your request")
    reference = page.get_by_test_id("ta-reference").inner_text()
    assert REFERENCE.fullmatch(reference)
    link = page.locator(".pmhc-secret").inner_text().strip()
    assert re.search(r"/assistance/status/[\w-]+/$", link)
    ta_request = TARequest.objects.get(reference=reference)
    assert ta_request.preferred_site == site
    assert ta_request.program_types == ["mobile-crisis"]

    # The e-mail is saved at once, and the worker sends it.
    message = OutboundEmail.objects.get(purpose="ta_received", to=[EMAIL])
    assert reference in message.subject and link in message.body
    call_command("worker", "--batch")
    sent = [m for m in mail.outbox if m.to == [EMAIL]]
    assert len(sent) == 1 and link in sent[0].body

    # TTA staff find it in their queue.
    staff = new_page()
    sign_in(staff, "tta_staff", DEMO_PASSWORD)
    on_time_before, counted_before = sla_counts(staff)
    follow(staff, primary_nav(staff).get_by_role("link", name="TA requests"))
    expect(staff.get_by_role("heading", level=1)).to_have_text("Technical assistance requests")
    row = staff.get_by_role("row").filter(has=staff.get_by_role("rowheader", name=reference))
    expect(row).to_contain_text("Testville (synthetic) (AZ)")
    expect(row).to_contain_text("Received")
    follow(staff, row.get_by_role("link", name=reference))
    expect(staff.get_by_role("main")).to_contain_text(EMAIL)

    follow(staff, staff.get_by_role("button", name="Confirm request"))
    expect(staff.get_by_role("status")).to_contain_text("Request confirmed")

    staff.get_by_label("Learning site", exact=True).select_option(str(site.pk))
    follow(staff, staff.get_by_role("button", name="Match", exact=True))
    expect(staff.get_by_role("status")).to_contain_text("Matched to the learning site")

    day = timezone.localdate() + dt.timedelta(days=14)
    staff.get_by_label("Date of the visit, call or training").fill(day.isoformat())
    follow(staff, staff.get_by_role("button", name="Save date"))
    expect(staff.get_by_role("status")).to_contain_text("Date saved")
    ta_request.refresh_from_db()
    assert ta_request.status == TAStatus.SCHEDULED
    assert ta_request.matched_site == site and ta_request.scheduled_for == day
    assert {m.purpose for m in OutboundEmail.objects.filter(to=[EMAIL])} == {
        "ta_received",
        "ta_confirmed",
        "ta_matched",
        "ta_scheduled",
    }

    # The SLA board counts it as confirmed within 36 hours.
    assert sla_counts(staff) == (on_time_before + 1, counted_before + 1)

    # The visitor's private link shows each step, and no staff notes or contact details.
    visit(page, link)
    expect(page.get_by_role("region", name=re.compile("Current status"))).to_contain_text(
        "Scheduled"
    )
    history = page.get_by_role("table", name="History of your request")
    expect(history.get_by_role("rowheader")).to_have_text(
        ["Received", "Confirmed", "Matched to a learning site", "Scheduled"]
    )
    expect(page.get_by_role("main")).not_to_contain_text(EMAIL)
    expect(page.get_by_role("main")).to_contain_text(SITE)
