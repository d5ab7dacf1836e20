"""A clinician's team at work, on a phone (375 px wide): the partner's clinician accepts a call
sent to the mobile crisis team, records en route and on scene, files the contact note with a
follow-up dated today, and the follow-up appears on the case manager's Operate page. A call
queued for the busy team is taken when the team clears its call. axe checks every page, and no
page scrolls sideways."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch import unit_services
from pmhc.dispatch.models import AssignmentStatus
from pmhc.dispatch.tests.helpers import member
from pmhc.dispatch.tests.units import crisis_team, make_call, queue_call
from pmhc.people import services as people_services
from pmhc.platform.models import Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.response.models import ContactNote
from pmhc.testing.browser import follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_375 = {"width": 375, "height": 812}


def _fits(page: Page) -> None:
    """No horizontal scroll at phone width."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_375["width"], page.url


def _tap(page: Page, name: str) -> None:
    follow(page, page.get_by_role("button", name=name))
    _fits(page)


def test_clinician_answers_a_call_and_the_follow_up_reaches_the_case_manager(
    new_page: Any, cast: Cast
) -> None:
    unit = crisis_team(cast, narrative="Caller says her brother has not slept for four days.")
    taker = cast.actor(member(cast.agency, Role.CALL_TAKER))
    person = people_services.create_person(
        taker,
        organization=cast.agency,
        purpose="active_call",
        given_name="Robin",
        family_name="Vale",
    )
    dispatch_services.link_person(taker, call=unit.call, person=person, role="subject")
    manager = UserFactory.create(username="manager", password=PASSWORD)
    MembershipFactory.create(user=manager, organization=cast.partner, role=Role.CASE_MANAGER)

    page = new_page(viewport=PHONE_375)
    sign_in(page, "partner", PASSWORD)
    visit(page, "/operate/")
    _fits(page)
    follow(page, page.get_by_role("link", name="Your team's calls"))
    _fits(page)
    expect(page.get_by_role("heading", level=2, name=unit.team.name)).to_be_visible()
    follow(page, page.get_by_role("link", name=f"Open the call {unit.call.cad_event_id}"))
    _fits(page)
    expect(page.get_by_text("12 Alder Street")).to_be_visible()
    expect(page.get_by_text("has not slept for four days")).to_be_visible()
    expect(page.get_by_text("Vale, Robin")).to_be_visible()
    button = page.get_by_role("button", name="Accept the call")
    assert button.bounding_box()["height"] >= 44  # a target a thumb can hit
    _tap(page, "Accept the call")
    expect(page.locator("#unit-status")).to_have_text("Accepted")
    _tap(page, "En route")
    expect(page.locator("#unit-status")).to_have_text("En route")
    _tap(page, "On scene")
    expect(page.locator("#unit-status")).to_have_text("On scene")
    unit.assignment.refresh_from_db()
    assert unit.assignment.on_scene_at is not None

    follow(page, page.get_by_role("link", name="File a contact note"))
    _fits(page)
    page.get_by_label("Person seen").select_option(label="Vale, Robin")
    page.get_by_role("group", name="Was an assessment done?").get_by_text("Yes").click()
    page.get_by_label("Risk level").select_option(label="Moderate")
    page.get_by_role("group", name="Was a safety plan made?").get_by_text("Yes").click()
    page.get_by_label("Follow-up with").fill("Riverside crisis clinic")
    page.get_by_label("Follow-up date").fill(timezone.localdate().isoformat())
    page.get_by_label("Note").fill("Agreed to visit the clinic tomorrow with his sister.")
    _tap(page, "File the note")
    expect(page.get_by_role("heading", level=1)).to_contain_text(unit.call.cad_event_id)
    expect(page.get_by_text("Agreed to visit the clinic tomorrow")).to_be_visible()
    note = ContactNote.objects.get()
    assert note.organization_id == cast.partner.pk and note.safety_plan

    desk = new_page(viewport=PHONE_375)
    sign_in(desk, "manager", PASSWORD)
    visit(desk, "/operate/")
    _fits(desk)
    section = desk.get_by_role("region", name="Follow-ups due")
    expect(section.get_by_role("heading", name="Vale, Robin")).to_be_visible()
    expect(section).to_contain_text("Riverside crisis clinic")
    follow(desk, section.get_by_role("button", name="Mark the follow-up done (Vale, Robin)"))
    _fits(desk)
    expect(desk.get_by_text("No follow-up is due.")).to_be_visible()
    note.refresh_from_db()
    assert note.follow_up_done_at is not None


def test_a_busy_team_takes_its_queued_call_when_it_clears(new_page: Any, cast: Cast) -> None:
    unit = crisis_team(cast)
    clinician = cast.actor(cast.partner_user)
    for step in (AssignmentStatus.ACCEPTED, AssignmentStatus.EN_ROUTE, AssignmentStatus.ON_SCENE):
        unit_services.advance(clinician, assignment=unit.assignment, to=step)
    waiting = queue_call(unit.team, make_call(cast, minutes_ago=4), minutes_ago=3)

    page = new_page(viewport=PHONE_375)
    sign_in(page, "partner", PASSWORD)
    visit(page, "/operate/unit/")
    _fits(page)
    expect(page.get_by_text("Waiting in your team's queue")).to_be_visible()
    expect(page.get_by_role("list").filter(has_text=waiting.call.cad_event_id).last).to_be_visible()
    follow(page, page.get_by_role("link", name=f"Open the call {unit.call.cad_event_id}"))
    _fits(page)
    _tap(page, "Clear the call")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your team's calls")
    expect(page.get_by_text("Waiting in your team's queue")).to_have_count(0)
    expect(
        page.get_by_role("link", name=f"Open the call {waiting.call.cad_event_id}")
    ).to_be_visible()
    waiting.refresh_from_db()
    assert waiting.status == AssignmentStatus.SENT
    unit.team.refresh_from_db()
    assert unit.team.status == "on_call"
    expect(page.get_by_text("Status: On a call")).to_be_visible()


def test_the_duty_board_and_team_form_pass_axe(new_page: Any, cast: Cast) -> None:
    unit = crisis_team(cast)
    page = new_page(viewport=PHONE_375)
    sign_in(page, "member", PASSWORD)
    visit(page, "/operate/duty/")
    follow(page, page.get_by_role("button", name=f"Set Out of service ({unit.team.name})"))
    expect(page.get_by_text(f"{unit.team.name}: Out of service.")).to_be_visible()
    visit(page, f"/operate/duty/teams/{unit.team.pk}/")
    expect(page.get_by_role("checkbox", name=re.compile("Partner Clinic"))).to_be_checked()
    _fits(page)
