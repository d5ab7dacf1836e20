"""A case manager of the police department opens a case from the high-utilizer list, logs an
outreach attempt, and finds the case on their caseload. axe checks every page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from pmhc.care.models import Case, CaseContact, ContactKind
from pmhc.care.tests.case_world import build
from pmhc.conftest import PASSWORD, Cast
from pmhc.people.identity_models import LinkageSettings
from pmhc.testing.browser import follow, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_case_manager_opens_a_case_from_the_high_utilizer_list(new_page: Any, cast: Cast) -> None:
    world = build(cast)
    LinkageSettings.objects.create(organization=cast.agency, utilizer_contacts=2, utilizer_days=30)
    world.manager.set_password(PASSWORD)
    world.manager.save()
    page = new_page()
    sign_in(page, world.manager.username, PASSWORD)
    visit(page, "/operate/people/frequent/")
    follow(page, page.get_by_role("link", name="Open a case for Okafor, Chidinma"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a case for Okafor, Chidinma")
    # A mistake first: the schedule is out of bounds.
    page.get_by_label("Contact every (days)").fill("0")
    follow(page, page.get_by_role("button", name="Open the case"))
    expect(page.get_by_role("alert").first).to_be_visible()
    page.get_by_label("Contact every (days)").fill("7")
    page.get_by_label("Goals").fill("Connect with the crisis clinic.")
    follow(page, page.get_by_role("button", name="Open the case"))
    expect(page.get_by_text("Case opened. The first contact is due today.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Case of Okafor, Chidinma")
    expect(page.get_by_test_id("case-timeline").get_by_role("link")).to_have_count(2)

    follow(page, page.get_by_role("link", name="Log a contact"))
    page.get_by_text("Outreach attempt", exact=True).click()
    page.get_by_label("Outcome").select_option("not_found")
    page.get_by_label("Note").fill("Knocked at the shelter; not there today.")
    follow(page, page.get_by_role("button", name="Log the contact"))
    expect(page.get_by_text("Contact logged.")).to_be_visible()
    expect(page.get_by_test_id("case-contacts")).to_contain_text("Outreach attempt")
    expect(page.get_by_test_id("case-contacts")).to_contain_text("Could not find the person")
    case = Case.objects.get(person=world.person)
    assert CaseContact.objects.get(case=case).kind == ContactKind.OUTREACH
    assert case.last_contact_at is not None

    follow(page, page.get_by_role("link", name="Caseload", exact=True))
    expect(page.get_by_test_id("group-others")).to_contain_text("Okafor, Chidinma")
    sign_out(page)
