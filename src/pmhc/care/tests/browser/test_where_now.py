"""Where can I take this person now, on a phone: the crisis center's own staff give its open
chairs, then an officer on a scene finds the nearest open crisis center that takes police
drop-off first, with the figure and how fresh it is. axe checks every page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from pmhc.care.models import CapacityUpdate
from pmhc.care.tests.directory_helpers import SCENE, service
from pmhc.conftest import PASSWORD, Cast
from pmhc.platform.models import Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.testing.browser import PHONE, follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_give_chairs_and_an_officer_finds_the_nearest_open_crisis_center(
    new_page: Any, cast: Cast
) -> None:
    officer = UserFactory.create(username="patrol", password=PASSWORD)
    MembershipFactory.create(user=officer, organization=cast.agency, role=Role.OFFICER)
    center = service(
        cast.agency,
        name="Lakeside Crisis Stabilization Center",
        provider=cast.partner,
        latitude=SCENE[0] + 0.02,
        capacity_total=16,
    )
    service(cast.agency, name="Hilltop Crisis Center", latitude=SCENE[0] + 0.2)
    service(
        cast.agency, name="Corner Walk-in Clinic", latitude=SCENE[0] + 0.001, police_drop_off=False
    )

    # The center's staff (the provider's clinician) give the chairs open, from a phone.
    staff = new_page(viewport=PHONE)
    sign_in(staff, "partner", PASSWORD)
    visit(staff, f"/operate/care/directory/{center.pk}/")
    follow(staff, staff.get_by_role("link", name="Update open beds or chairs"))
    staff.get_by_label("Open now").fill("5")
    staff.get_by_label("Wait in minutes").fill("10")
    follow(staff, staff.get_by_role("button", name="Save"))
    expect(staff.get_by_text("Saved: 5 open now")).to_be_visible()
    staff.close()
    assert CapacityUpdate.objects.get(service=center).capacity_open == 5

    # The officer, on the scene, asks where to take the person.
    page = new_page(
        viewport=PHONE,
        geolocation={"latitude": SCENE[0], "longitude": SCENE[1]},
        permissions=["geolocation"],
    )
    sign_in(page, "patrol", PASSWORD)
    visit(page, "/operate/")
    follow(page, page.get_by_role("link", name="Find a place now"))
    page.get_by_label("Age of the person").fill("34")
    page.locator("label[for=id_police_drop_off]").click()
    expect(page.get_by_label("Police are bringing the person (police drop-off)")).to_be_checked()
    page.get_by_role("button", name="Use my location").click()
    expect(page.get_by_label("Latitude of the scene")).to_have_value(f"{SCENE[0]:.6f}")
    follow(page, page.get_by_role("button", name="Find places"))
    first = page.get_by_test_id("place").first
    expect(first).to_contain_text("Lakeside Crisis Stabilization Center")
    expect(first.get_by_test_id("capacity-open")).to_have_text("5 open")
    expect(first).to_contain_text("takes police drop-off")
    expect(page.get_by_test_id("places")).not_to_contain_text("Corner Walk-in Clinic")
    expect(page.get_by_test_id("place").nth(1)).to_contain_text("Hilltop Crisis Center")
    # The figure's age is one of the two the minute allows.
    text = first.get_by_test_id("freshness").inner_text()
    assert text in {"(updated just now)", "(updated 1 minute ago)"}, text


def test_a_coordinator_adds_a_service_and_sees_the_import_page(new_page: Any, cast: Cast) -> None:
    page = new_page()
    sign_in(page, "member", PASSWORD)
    visit(page, "/operate/care/directory/")
    follow(page, page.get_by_role("link", name="Add a service"))
    page.get_by_label("Name", exact=True).fill("Harbor Crisis Center")
    page.get_by_label("Directory identifier", exact=True).fill("HCC-1")
    page.get_by_label("Kind", exact=True).select_option("crisis_center")
    page.locator("#id_latitude").fill("40.01")
    follow(page, page.get_by_role("button", name="Save"))
    expect(page.locator("[data-error-summary]")).to_contain_text("Give both latitude")
    page.locator("#id_longitude").fill("-90.01")
    follow(page, page.get_by_role("button", name="Save"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Harbor Crisis Center")
    visit(page, "/operate/care/directory/import/")
    expect(page.get_by_role("link", name="Download a template")).to_be_visible()
