"""On a phone, an officer searches the registry by description and area, finds the person,
opens a missing-person incident, prints the flyer and records that the person is found."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from pmhc.conftest import PASSWORD
from pmhc.homesafe.models import IncidentStatus, MissingIncident
from pmhc.homesafe.tests.search_helpers import born_years_ago, enrolment, program
from pmhc.platform.dates import zone
from pmhc.testing.browser import PHONE, follow, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def test_an_officer_finds_the_person_prints_the_flyer_and_records_found(new_page, cast):
    program(cast.agency, phone="555-0199")
    enrolment(
        cast.agency,
        full_name="Rosa Ortega",
        preferred_name="Rosie",
        date_of_birth=born_years_ago(81),
        area="North",
        hair="grey",
        description="Walks with a cane, red scarf",
        medical_needs="Insulin twice a day",
        photo=True,
        caregivers=[{"name": "Luis Ortega", "phone": "555-0101", "email": "luis@example.org"}],
    )
    enrolment(cast.agency, full_name="Sam Lee", area="South", description="red cap")
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, cast.colleague.username, PASSWORD)

    visit(page, "/operate/home-safe/search/")
    page.get_by_label("Description").fill("red scarf")
    page.get_by_label("Area").fill("North")
    follow(page, page.get_by_role("button", name="Search"))
    expect(page.get_by_role("heading", name="1 person found")).to_be_visible()
    expect(page.get_by_role("link", name="Call Luis Ortega: 555-0101")).to_have_attribute(
        "href", "tel:555-0101"
    )
    expect(page.get_by_text("Sam Lee")).to_have_count(0)

    follow(page, page.get_by_role("link", name="Rosa Ortega"))
    expect(page.get_by_text("Insulin twice a day")).to_be_visible()
    expect(page.get_by_role("img", name="Photo of Rosa Ortega")).to_be_visible()
    follow(page, page.get_by_role("link", name="Open a missing-person incident"))
    page.get_by_label("Last seen where").fill("Corner of Elm and 3rd")
    page.get_by_label("Wearing when last seen").fill("Blue raincoat, white sneakers")
    follow(page, page.get_by_role("button", name="Open the incident"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Missing: Rosa Ortega")
    expect(page.get_by_text("Search opened. The family contact has been told.")).to_be_visible()

    flyer = page.get_by_role("link", name="Print the flyer (PDF)")
    response = page.request.get(flyer.get_attribute("href") or "")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Rosa Ortega" in text and "Walks with a cane" in text and "Blue raincoat" in text
    assert "call 911" in text and "555-0199" in text
    assert "Insulin" not in text
    assert sum(len(p.images) for p in reader.pages) == 1

    # The form is read in the agency's own zone.
    now = timezone.localtime(timezone=zone(cast.agency.time_zone)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Seen at").fill(now)
    page.get_by_label("Where", exact=True).fill("Bus stop on Main")
    follow(page, page.get_by_role("button", name="Record the sighting"))
    expect(page.get_by_text("Bus stop on Main")).to_be_visible()

    page.get_by_label("Found at").fill(now)
    page.get_by_label("Found where").fill("Riverside park")
    # USWDS draws the radio button on its label.
    page.get_by_text("Unharmed", exact=True).click()
    follow(page, page.get_by_role("button", name="Record as found"))
    expect(page.get_by_text("Recorded as found. The search is closed.")).to_be_visible()
    expect(page.get_by_text("minutes from the report")).to_be_visible()
    incident = MissingIncident.objects.get()
    assert incident.status == IncidentStatus.FOUND and incident.minutes_to_found is not None

    visit(page, "/operate/home-safe/incidents/")
    expect(page.get_by_text("No search is open.")).to_be_visible()
