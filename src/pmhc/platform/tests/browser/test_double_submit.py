"""A second click never shows a failure: each of the forms people are most likely to
double-click (an officer submitting a report, a supervisor accepting it, a call-taker
dispatching, TTA staff confirming a request) is double-clicked, and saves once and lands on
its result. Then the same with JavaScript off, where only the server holds the repeat back;
form errors start at their summary; and a 300-character word fits a phone screen. axe checks
every page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from pmhc.dispatch.models import Call
from pmhc.dispatch.services import create_call
from pmhc.platform.access import ANONYMOUS, actor_for_user
from pmhc.platform.models import AuditEvent, OrganizationKind, OutboundEmail, Role
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.models import EncounterReview, EncounterStatus
from pmhc.response.services import ensure_dispositions, start_encounter
from pmhc.testing.browser import axe_check, follow, sign_in, visit
from pmhc.toolkit.models import TARequest, TAStatus
from pmhc.toolkit.services import assistance as ta_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_375 = {"width": 375, "height": 812}
PASSWORD = "double-click-password-2026"
LONG_WORD = "W" * 300


def _member(org: Any, username: str, role: Role) -> Any:
    user = UserFactory.create(username=username, password=PASSWORD)
    MembershipFactory.create(user=user, organization=org, role=role)
    return user


def double_click(page: Page, button: Locator) -> None:
    """Click twice in quick succession, as an impatient finger does; wait for the page it
    leads to and check it: no error page, no error summary, axe passes."""
    with page.expect_navigation(wait_until="load") as navigation:
        button.dblclick()
    response = navigation.value
    assert response is None or response.status == 200, response and response.status
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("Server Error")
    axe_check(page)


@pytest.fixture
def agency(transactional_db: None) -> Any:
    return OrganizationFactory.create(slug="county-pd", name="County PD")


def _open_report(agency: Any, officer: Any) -> Any:
    admin = _member(agency, "boss", Role.ADMINISTRATOR)
    listed = {d.code: d for d in ensure_dispositions(actor_for_user(admin), organization=agency)}
    call = create_call(
        actor_for_user(officer),
        organization=agency,
        cad_event_id="25-007001",
        received_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2),
    )
    return start_encounter(actor_for_user(officer), call=call, disposition=listed["shelter"])


def test_report_submitted_and_accepted_with_double_clicks(new_page: Any, agency: Any) -> None:
    officer_user = _member(agency, "officer", Role.OFFICER)
    _member(agency, "sergeant", Role.SUPERVISOR)
    encounter = _open_report(agency, officer_user)

    officer = new_page(viewport=PHONE_375)
    sign_in(officer, "officer", PASSWORD)
    visit(officer, f"/operate/encounters/{encounter.pk}/")
    double_click(officer, officer.get_by_role("button", name="Save and submit"))
    expect(officer.get_by_role("status")).to_contain_text("Report submitted for review.")
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.SUBMITTED
    submitted = AuditEvent.objects.filter(action=ResponseAudit.ENCOUNTER_SUBMITTED)
    assert submitted.count() == 1

    sergeant = new_page(viewport=PHONE_375)
    sign_in(sergeant, "sergeant", PASSWORD)
    visit(sergeant, f"/operate/encounters/{encounter.pk}/")
    sergeant.get_by_label("Decision").select_option("accept")
    double_click(sergeant, sergeant.get_by_role("button", name="Record the review"))
    expect(sergeant.get_by_role("status")).to_contain_text("Report accepted.")
    expect(sergeant.locator("main")).to_contain_text("No report is waiting for review.")
    encounter.refresh_from_db()
    assert encounter.status == EncounterStatus.ACCEPTED
    assert EncounterReview.objects.filter(encounter=encounter).count() == 1


def test_call_taker_dispatch_with_a_double_click(page: Page, agency: Any) -> None:
    _member(agency, "taker", Role.CALL_TAKER)
    sign_in(page, "taker", PASSWORD)
    visit(page, "/operate/calls/new/")
    page.get_by_label("CAD event id").fill("K-2026-0777")
    double_click(page, page.get_by_role("button", name="Record and dispatch"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Call K-2026-0777")
    expect(page.get_by_role("status")).to_contain_text("recorded and triaged")
    assert Call.objects.filter(cad_event_id="K-2026-0777").count() == 1


@pytest.fixture
def tta(transactional_db: None, settings: Any) -> Any:
    org = OrganizationFactory.create(
        slug="tta", name="Example TA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    settings.TTA_ORGANIZATION = "tta"
    _member(org, "staff", Role.TTA_STAFF)
    return org


def _ta_request(**extra: Any) -> TARequest:
    ta_request, _token = ta_services.submit_request(
        ANONYMOUS,
        **{
            "jurisdiction_name": "Testville",
            "jurisdiction_type": "city",
            "state": "TX",
            "contact_name": "Robin Example",
            "agency": "Testville Police Department",
            "email": "robin@example.org",
            "description": "We want to start a co-responder team.",
            "consent_to_contact": True,
            **extra,
        },
    )
    return ta_request


def test_tta_staff_confirm_a_request_with_a_double_click(page: Page, tta: Any) -> None:
    ta_request = _ta_request()
    sign_in(page, "staff", PASSWORD)
    visit(page, f"/assistance/queue/{ta_request.reference}/")
    double_click(page, page.get_by_role("button", name="Confirm request"))
    expect(page.get_by_role("status")).to_contain_text("Request confirmed")
    ta_request.refresh_from_db()
    assert ta_request.status == TAStatus.CONFIRMED
    assert OutboundEmail.objects.filter(purpose="ta_confirmed").count() == 1


# The live server's threads share one in-memory SQLite connection, so two requests at once
# collide in its transactions there.
@pytest.mark.postgresql
def test_two_posts_at_once_from_the_browser_save_once(new_page: Any, tta: Any) -> None:
    """A browser that runs no script lets the second click through, and so may a slow network
    that resends: the server alone must hold the repeat back. The page sends its form twice at
    the same moment; both answers lead to the one request's status page."""
    visitor = new_page()
    visit(visitor, "/assistance/")
    visitor.get_by_label("Jurisdiction name").fill("Testville")
    form = visitor.locator("form.usa-form--large")
    for label, value in [
        ("Type of jurisdiction", "city"),
        ("State", "TX"),
    ]:
        form.get_by_label(label, exact=True).select_option(value)
    form.get_by_label("Your name", exact=True).fill("Robin Example")
    form.get_by_label("Agency or organization", exact=True).fill("Testville Police Department")
    form.get_by_label("E-mail address", exact=True).fill("robin@example.org")
    form.get_by_label("Describe your request", exact=True).fill("A co-responder team.")
    # USWDS draws its own box: the label is what a finger touches.
    form.locator("label[for=id_consent_to_contact]").click()
    answers = visitor.evaluate(
        """async () => {
          const form = document.querySelector("form.usa-form--large");
          const send = () => fetch(location.href, {method: "POST", body: new FormData(form)});
          const both = await Promise.all([send(), send()]);
          return both.map((answer) => [answer.status, answer.url]);
        }"""
    )
    ta_request = TARequest.objects.get()
    assert answers[0] == answers[1], answers
    status, url = answers[0]
    assert status == 200 and "/assistance/status/" in url
    visit(visitor, url)
    expect(visitor.locator("main")).to_contain_text(ta_request.reference)
    assert TARequest.objects.count() == 1


def test_errors_start_at_the_summary_which_links_to_each_field(page: Page, tta: Any) -> None:
    visit(page, "/assistance/")
    follow(page, page.get_by_role("button", name="Send request"))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter your e-mail address")
    expect(summary).to_contain_text("Describe what you need")
    expect(summary).not_to_contain_text("This field is required")
    summary.get_by_role("link", name="E-mail address:").click()
    expect(page.get_by_label("E-mail address", exact=True)).to_be_focused()
    axe_check(page)


def test_a_300_character_word_wraps_on_a_phone(new_page: Any, tta: Any) -> None:
    ta_request = _ta_request(description=f"See {LONG_WORD} for the plan.")
    staff = new_page(viewport=PHONE_375)
    sign_in(staff, "staff", PASSWORD)
    visit(staff, f"/assistance/queue/{ta_request.reference}/")
    expect(staff.locator("main")).to_contain_text(LONG_WORD)
    width = staff.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_375["width"], width
