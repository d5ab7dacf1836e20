"""An encounter report in the browser at phone size (375 x 812): an officer files it with a
voluntary transport and a custody handoff and submits it; a supervisor returns it with a
comment; the officer fixes it and submits again; the supervisor accepts it. axe checks every
page."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from playwright.sync_api import expect

from pmhc.dispatch.services import create_call
from pmhc.people.services import create_person
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import Purpose, Role
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.response.services import (
    add_person,
    ensure_dispositions,
    review_encounter,
    start_encounter,
    submit_encounter,
)
from pmhc.testing.browser import follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_375 = {"width": 375, "height": 812}
PASSWORD = "phone-report-password-2026"
ZONE = zoneinfo.ZoneInfo("America/Chicago")


def _member(org: Any, username: str, role: Role, first: str, last: str) -> Any:
    user = UserFactory.create(
        username=username, password=PASSWORD, first_name=first, last_name=last
    )
    MembershipFactory.create(user=user, organization=org, role=role)
    return user


def _local(moment: dt.datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%dT%H:%M")


def test_officer_files_supervisor_returns_then_accepts(new_page: Any) -> None:
    agency = OrganizationFactory.create(slug="county-pd", name="County PD", time_zone=ZONE.key)
    _member(agency, "officer", Role.OFFICER, "Avery", "Lee")
    _member(agency, "sergeant", Role.SUPERVISOR, "Morgan", "Diaz")
    taker = _member(agency, "taker", Role.CALL_TAKER, "Sam", "Ortiz")
    admin = _member(agency, "boss", Role.ADMINISTRATOR, "Pat", "Kim")
    ensure_dispositions(actor_for_user(admin), organization=agency)
    received = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    call = create_call(
        actor_for_user(taker),
        organization=agency,
        cad_event_id="25-004217",
        received_at=received,
        address="400 Elm St",
        is_mental_health=True,
    )

    officer = new_page(viewport=PHONE_375)
    sign_in(officer, "officer", PASSWORD)
    visit(officer, f"/operate/encounters/new/{call.pk}/")
    follow(officer, officer.get_by_role("button", name="Start the report"))
    expect(officer.get_by_role("heading", level=1)).to_have_text("Encounter on call 25-004217")
    expect(officer.get_by_role("region", name="Responders")).to_contain_text("Avery Lee")
    officer.get_by_label("Arrived on scene").fill(_local(received + dt.timedelta(minutes=9)))
    # USWDS draws its own box: the label is what a finger touches.
    officer.get_by_text("Calm verbal engagement", exact=True).click()
    officer.get_by_label("Transport", exact=True).select_option("voluntary")
    officer.get_by_label("Transported by").select_option("police")
    officer.get_by_label("Taken to").select_option("crisis_center")
    officer.get_by_label("Name of the facility").fill("County crisis stabilization unit")
    officer.get_by_label("Arrived at the facility").fill(
        _local(received + dt.timedelta(minutes=40))
    )
    officer.get_by_label("Handed off").fill(_local(received + dt.timedelta(minutes=55)))
    officer.locator("#id_back_in_service_at").fill(_local(received + dt.timedelta(minutes=60)))
    officer.get_by_label("How it ended").select_option(label="Voluntary transport to treatment")
    officer.get_by_label("Narrative").fill("Spoke with him at the door; he agreed to go.")
    # The page fits a phone: nothing wider than the screen.
    assert officer.evaluate("document.documentElement.scrollWidth") <= PHONE_375["width"]
    follow(officer, officer.get_by_role("button", name="Save and submit"))
    expect(officer.get_by_role("status")).to_contain_text("Report submitted for review.")
    expect(officer.locator("main")).to_contain_text("Waiting for review")

    sergeant = new_page(viewport=PHONE_375)
    sign_in(sergeant, "sergeant", PASSWORD)
    visit(sergeant, "/operate/encounters/review/")
    follow(sergeant, sergeant.get_by_role("link", name="25-004217"))
    expect(sergeant.locator("main")).to_contain_text("County crisis stabilization unit")
    sergeant.get_by_label("Decision").select_option("return")
    follow(sergeant, sergeant.get_by_role("button", name="Record the review"))
    expect(sergeant.get_by_label("Comments for the author")).to_be_visible()
    expect(sergeant.locator("main")).to_contain_text("Say what needs to change")
    sergeant.get_by_label("Decision").select_option("return")
    sergeant.get_by_label("Comments for the author").fill("Add whether he was a danger to self.")
    follow(sergeant, sergeant.get_by_role("button", name="Record the review"))
    expect(sergeant.get_by_role("status")).to_contain_text("Report returned to its author.")

    visit(officer, "/operate/encounters/")
    follow(officer, officer.get_by_role("link", name="25-004217"))
    expect(officer.get_by_role("region", name="Returned for changes")).to_contain_text(
        "danger to self"
    )
    officer.get_by_text("Danger to self", exact=True).click()
    follow(officer, officer.get_by_role("button", name="Save and submit"))
    expect(officer.get_by_role("status")).to_contain_text("Report submitted for review.")

    visit(sergeant, "/operate/encounters/review/")
    follow(sergeant, sergeant.get_by_role("link", name="25-004217"))
    sergeant.get_by_label("Decision").select_option("accept")
    follow(sergeant, sergeant.get_by_role("button", name="Record the review"))
    expect(sergeant.get_by_role("status")).to_contain_text("Report accepted.")
    expect(sergeant.locator("main")).to_contain_text("No report is waiting for review.")

    visit(officer, "/operate/encounters/")
    expect(officer.get_by_role("table")).to_contain_text("Accepted")


def test_lists_dispositions_amendment_and_people_pass_axe(new_page: Any) -> None:
    agency = OrganizationFactory.create(slug="county-pd", name="County PD", time_zone=ZONE.key)
    officer = _member(agency, "officer", Role.OFFICER, "Avery", "Lee")
    sergeant = _member(agency, "sergeant", Role.SUPERVISOR, "Morgan", "Diaz")
    admin = _member(agency, "boss", Role.ADMINISTRATOR, "Pat", "Kim")
    coordinator = _member(agency, "coord", Role.COORDINATOR, "Jo", "Reyes")
    listed = {d.code: d for d in ensure_dispositions(actor_for_user(admin), organization=agency)}
    received = dt.datetime.now(dt.UTC) - dt.timedelta(hours=5)
    call = create_call(
        actor_for_user(officer), organization=agency, cad_event_id="25-000100", received_at=received
    )
    person = create_person(
        actor_for_user(officer),
        organization=agency,
        purpose=Purpose.ACTIVE_CALL,
        family_name="Rivera",
        given_name="Ana",
        aliases=["Sunny"],
    )
    author = actor_for_user(officer)
    encounter = start_encounter(author, call=call, disposition=listed["shelter"])
    add_person(author, encounter=encounter, person=person)
    submit_encounter(author, encounter=encounter)
    review_encounter(actor_for_user(sergeant), encounter=encounter, accept=True)
    assert coordinator.pk

    page = new_page(viewport=PHONE_375)
    sign_in(page, "sergeant", PASSWORD)
    visit(page, "/operate/encounters/?scope=agency")
    follow(page, page.get_by_role("link", name="25-000100"))
    follow(page, page.get_by_role("link", name="Amend this report"))
    page.get_by_label("How it ended").select_option(label="Crisis clinic")
    page.get_by_label("Why the report is being corrected").fill("Chose the wrong entry.")
    follow(page, page.get_by_role("button", name="Save the amendment"))
    expect(page.get_by_role("region", name="History")).to_contain_text("Chose the wrong entry.")
    follow(page, page.get_by_role("link", name="Rivera, Ana"))
    expect(page.locator("main")).to_contain_text("Sunny")
    follow(page, page.get_by_role("link", name="People", exact=True))
    page.get_by_label("Name or alias").fill("sunny")
    follow(page, page.get_by_role("button", name="Search"))
    expect(page.locator("main")).to_contain_text("1 person found")
    follow(page, page.get_by_role("link", name="Rivera, Ana"))
    follow(page, page.get_by_role("link", name="Change the details"))
    page.get_by_label("Aliases").fill("Sunny\nAna R.")
    follow(page, page.get_by_role("button", name="Save"))
    expect(page.locator("main")).to_contain_text("Ana R.")

    desk = new_page()
    sign_in(desk, "coord", PASSWORD)
    visit(desk, "/operate/dispositions/")
    desk.get_by_label("Name").fill("Referred to peer support")
    desk.get_by_label("Counts as").select_option("connected")
    follow(desk, desk.get_by_role("button", name="Add", exact=True))
    expect(desk.get_by_role("table")).to_contain_text("Referred to peer support")
    follow(desk, desk.get_by_role("link", name="Change Shelter"))
    follow(desk, desk.get_by_role("button", name="Save"))
    follow(desk, desk.get_by_role("button", name="Move Shelter up"))
