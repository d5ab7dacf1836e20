"""The call-taker's screen in the browser, keyboard only: answer the protocol, watch the
recommendation and its reasons change, send the CIT officer on duty, and land on the call.
A coordinator then reads the calls, the routing rules and the duty board. axe checks every
page."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.dispatch import services
from pmhc.dispatch.models import Call
from pmhc.dispatch.tests.helpers import cit_officer_on_duty
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.testing.browser import axe_check, follow, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page: Page, target: Locator, limit: int = 120) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def test_call_taker_triages_with_the_keyboard_and_sends_a_cit_officer(
    page: Page, cast: Cast
) -> None:
    officer = cit_officer_on_duty(cast.agency, district="North", first_name="Ana")
    user = UserFactory.create(username="taker", password=PASSWORD)
    MembershipFactory.create(user=user, organization=cast.agency, role=Role.CALL_TAKER)
    sign_in(page, "taker", PASSWORD)

    visit(page, "/operate/")
    follow(page, page.get_by_role("link", name="Take a call").last)
    expect(page.get_by_role("heading", level=1)).to_have_text("Take a call")
    expect(page.locator("#duty-heading + h3 + ul")).to_contain_text(
        f"Ana {officer.last_name} ({officer.badge_number}) · North"
    )
    expect(page.locator("#duty-heading")).to_contain_text(officer.shift)
    expect(page.get_by_label("CAD event id")).to_be_focused()

    page.keyboard.type("K-2026-0001")
    tab_to(page, page.get_by_label("What is the person doing or saying?"))
    page.keyboard.type("Crying, says she cannot go on")
    # Suicide risk: one key per answer, and the focus moves on to the next question.
    page.keyboard.press("Tab")
    expect(
        page.get_by_role("group", name="Suicide risk").get_by_role(
            "radio", name="Not known", exact=True
        )
    ).to_be_focused()
    page.keyboard.press("2")
    expect(
        page.get_by_role("group", name="Suicide risk").get_by_role(
            "radio", name="Has a plan", exact=True
        )
    ).to_be_checked()
    expect(
        page.get_by_role("group", name="Danger to others?").get_by_role(
            "radio", name="Not known", exact=True
        )
    ).to_be_focused()
    # Danger to others: N; weapons: N for none.
    page.keyboard.press("n")
    page.keyboard.press("n")
    expect(
        page.get_by_role("group", name="Weapons?").get_by_role("radio", name="None", exact=True)
    ).to_be_checked()

    panel = page.locator("#recommendation")
    expect(panel).to_have_attribute("aria-live", "polite")
    expect(panel).to_contain_text(
        "Suicide risk beyond thoughts: a clinician, with an officer for safety."
    )
    expect(panel).to_contain_text("No co-responder unit is on duty now: a CIT officer instead.")
    expect(panel.locator("strong")).to_have_text("CIT officer")
    axe_check(page)

    send = page.get_by_role("checkbox", name=re.compile(f"Ana {officer.last_name}"))
    tab_to(page, send)
    page.keyboard.press("Space")
    expect(send).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Record and dispatch"))
    with page.expect_navigation(wait_until="load"):
        page.keyboard.press("Enter")
    axe_check(page)

    call = Call.objects.get(cad_event_id="K-2026-0001")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Call K-2026-0001")
    expect(page.get_by_role("status")).to_contain_text("recorded and triaged")
    units = page.get_by_role("table", name="Units sent to this call")
    expect(units).to_contain_text(f"Ana {officer.last_name}")
    expect(units.get_by_role("row").nth(1)).to_contain_text("Yes")
    expect(page.get_by_text("No co-responder unit is on duty now")).to_be_visible()
    assert call.decision == call.recommendation == "cit_officer"
    assert call.cit_dispatched and call.answers["danger_self"] == "plan"
    assert call.answers["danger_others"] == "no" and call.answers["weapons"] == "none"


def test_show_recommendation_button_works_without_htmx(page: Page, cast: Cast) -> None:
    # The button posts the whole form, as it does with JavaScript off; the recommendation
    # comes back in the full page and nothing is saved.
    user = UserFactory.create(username="taker2", password=PASSWORD)
    MembershipFactory.create(user=user, organization=cast.agency, role=Role.CALL_TAKER)
    sign_in(page, "taker2", PASSWORD)
    visit(page, "/operate/calls/new/")
    page.get_by_role("group", name="Crime in progress?").locator(
        "label", has_text="Violent, or danger to life"
    ).click()
    follow(page, page.get_by_role("button", name="Show recommendation"))
    expect(page.locator("#recommendation")).to_contain_text("A violent crime is in progress")
    assert Call.objects.count() == 0


def test_coordinator_reads_calls_rules_and_duty_board(page: Page, cast: Cast) -> None:
    sign_in(page, "member", PASSWORD)
    visit(page, "/operate/")
    follow(page, page.get_by_role("link", name="Routing rules"))
    expect(page.get_by_role("table", name="The product's starting rules")).to_contain_text(
        "Weapon with a threat"
    )
    follow(page, page.get_by_role("link", name="Try the rules"))
    page.get_by_role("group", name="Medical emergency?").locator("label", has_text="Yes").click()
    follow(page, page.get_by_role("button", name="Try"))
    expect(page.get_by_text("Medical emergency: send EMS.")).to_be_visible()
    visit(page, "/operate/rules/draft/")
    expect(page.get_by_role("group", name="Weapon with a threat")).to_be_visible()
    visit(page, "/operate/duty/")
    follow(page, page.get_by_role("link", name="Add a shift"))
    page.get_by_label("Shift", exact=True).fill("Night")
    page.get_by_label("Starts").fill("22:00")
    page.get_by_label("Ends").fill("06:00")
    follow(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_role("table", name="The agency's shifts")).to_contain_text("22:00")
    visit(page, "/operate/calls/")
    expect(page.get_by_role("table", name="0 calls")).to_be_visible()


def test_operate_home_for_responders_and_supervisors(page: Page, cast: Cast) -> None:
    officer = cit_officer_on_duty(cast.agency, user=cast.colleague, first_name="Kai")
    taker = UserFactory.create(username="taker3", password=PASSWORD)
    MembershipFactory.create(user=taker, organization=cast.agency, role=Role.CALL_TAKER)
    call = services.create_call(
        actor_for_user(taker),
        organization=cast.agency,
        cad_event_id="H-1",
        received_at=timezone.now(),
    )
    services.assign_unit(actor_for_user(taker), call=call, trainee=officer)
    supervisor = UserFactory.create(username="sergeant", password=PASSWORD)
    MembershipFactory.create(user=supervisor, organization=cast.agency, role=Role.SUPERVISOR)

    sign_in(page, "colleague", PASSWORD)
    visit(page, "/operate/")
    mine = page.get_by_role("region", name="Calls you were sent to")
    expect(mine.get_by_role("heading", name="H-1")).to_be_visible()
    expect(mine.get_by_role("link", name="File the encounter for H-1")).to_be_visible()
    sign_out(page)
    sign_in(page, "sergeant", PASSWORD)
    visit(page, "/operate/")
    expect(page.get_by_role("table", name="The latest calls")).to_contain_text("H-1")
    follow(page, page.get_by_role("link", name="H-1"))
    expect(page.get_by_role("table", name="Units sent to this call")).to_contain_text("Kai")
    visit(page, "/operate/duty/")
    sign_out(page)
    sign_in(page, "partner", PASSWORD)
    visit(page, "/operate/")
