"""Writing and approving a response plan in a real browser: the clinician writes a plan for a
person (a mistake first, summarized at the top), sends it for approval; the case manager finds
it among the plans waiting, approves it, and reads it in the history. axe checks every page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.people import services as people_services
from pmhc.people.plan_models import ResponsePlanVersion, VersionStatus
from pmhc.platform.models import Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.testing.browser import follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_plan_is_written_sent_and_approved_by_a_second_person(new_page: Any, cast: Cast) -> None:
    for username, role in (("clin", Role.CLINICIAN), ("manager", Role.CASE_MANAGER)):
        user = UserFactory.create(username=username, password=PASSWORD)
        MembershipFactory.create(user=user, organization=cast.agency, role=role)
    person = people_services.create_person(
        cast.actor(cast.colleague),
        organization=cast.agency,
        purpose="active_call",
        family_name="Marrow",
        given_name="Tobiah",
    )

    page = new_page()
    sign_in(page, "clin", PASSWORD)
    visit(page, f"/operate/people/{person.pk}/")
    follow(page, page.get_by_role("link", name="Response plan"))
    follow(page, page.get_by_role("link", name="Write a plan"))
    page.get_by_label("Safety concern").fill("Keeps a kitchen knife in his coat")
    page.get_by_label("What helps, in order").fill("Sit down at his level\nOffer a cigarette")
    page.get_by_label("Contacts").fill("Ada Marrow; mother")
    page.get_by_label("Review by").fill(timezone.localdate().isoformat())
    follow(page, page.get_by_role("button", name="Save the draft"))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Line 1: write the name; the relation; how to reach them.")
    expect(summary).to_contain_text("The review date must be after today.")
    page.get_by_label("Contacts").fill("Ada Marrow; mother; 555-0142")
    review_on = timezone.localdate() + dt.timedelta(days=120)
    page.get_by_label("Review by").fill(review_on.isoformat())
    follow(page, page.get_by_role("button", name="Save the draft"))
    expect(page.locator("#plan-status")).to_have_text("Draft, not yet approved")
    follow(page, page.get_by_role("button", name="Send for approval"))
    expect(page.get_by_text("its author cannot")).to_be_visible()
    page.close()

    second = new_page()
    sign_in(second, "manager", PASSWORD)
    visit(second, "/operate/people/plans/")
    version = ResponsePlanVersion.objects.get()
    follow(second, second.get_by_role("link", name=f"Plan {version.plan_id}, version 1"))
    follow(second, second.get_by_role("button", name="Approve this version"))
    expect(second.locator("#plan-status")).to_have_text("Approved")
    follow(second, second.get_by_role("link", name="1", exact=True))
    expect(second.get_by_text("Keeps a kitchen knife in his coat")).to_be_visible()
    second.close()
    version.refresh_from_db()
    assert version.status == VersionStatus.APPROVED
    assert version.author.username == "clin" and version.approver is not None
    assert version.approver.username == "manager"
