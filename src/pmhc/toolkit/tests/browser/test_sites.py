"""Learning sites in the browser: a new visitor filters the directory, finds Tucson on the map
and in the list, opens it and asks for a visit; orders the sites by distance from their state;
TTA staff add a site. axe checks every page.

The sites come from a data migration, and other browser tests empty the database after they
run; each test here loads them again with the migration's own (idempotent) loader.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

import pytest
from django.apps import apps
from playwright.sync_api import expect

from pmhc.testing.browser import DEMO_PASSWORD, follow, sign_in, visit
from pmhc.toolkit.models import LearningSite

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TUCSON = "Tucson Police Department"


@pytest.fixture(autouse=True)
def learning_sites(transactional_db: Any) -> None:
    migration = importlib.import_module("pmhc.toolkit.migrations.0003_learning_sites")
    migration.load(apps, None)


def site_map(page):
    return page.get_by_role("group", name=re.compile(r"^Map of the United States"))


def site_list(page):
    return page.get_by_role("table", name=re.compile(r"^Learning sites"))


def row_headers(page):
    """The agency links that head the list's rows, in order."""
    return site_list(page).get_by_role("rowheader").get_by_role("link")


def test_new_visitor_finds_tucson_on_the_map_and_in_the_list_and_asks_for_a_visit(page, demo):
    # The demo provides the TTA organization that takes requests (the form needs one).
    tucson = LearningSite.objects.get(agency=TUCSON)
    visit(page, "/learn/sites/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Learning sites")

    search = page.get_by_role("search", name="Find learning sites")
    search.get_by_label("State (optional)", exact=True).select_option(label="Arizona")
    follow(page, search.get_by_role("button", name="Show sites"))
    expect(page).to_have_url(re.compile(r"/learn/sites/\?.*state=AZ"))
    expect(row_headers(page)).to_have_text([TUCSON, "Yavapai Justice and Mental Health Coalition"])
    expect(site_map(page).get_by_role("link")).to_have_count(2)

    # On the map: a link a keyboard reaches, named for the site.
    marker = site_map(page).get_by_role("link", name=re.compile(TUCSON))
    expect(marker).to_be_visible()
    marker.focus()
    expect(marker).to_be_focused()
    # In the list, with the same number as on the map.
    row = site_list(page).get_by_role("row").filter(has=page.get_by_role("rowheader", name=TUCSON))
    number = row.get_by_role("cell").first.inner_text().strip()
    expect(marker).to_have_accessible_name(re.compile(rf"^{number}\. {TUCSON}, Tucson, AZ$"))
    expect(row.get_by_role("link", name=TUCSON)).to_be_visible()

    follow(page, marker)
    expect(page).to_have_url(re.compile(rf"/learn/sites/{tucson.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TUCSON)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Tucson, Arizona")
    expect(main).to_contain_text("Crisis response center")

    follow(page, main.get_by_role("link", name="Request a visit or a call with this site"))
    expect(page).to_have_url(re.compile(rf"/assistance/\?site={tucson.pk}$"))
    # The assistance form (another part's) starts with this site chosen.
    expect(page.get_by_label("Preferred learning site")).to_have_value(str(tucson.pk))


def test_visitor_orders_the_sites_by_distance_from_their_state(page):
    visit(page, "/learn/sites/")
    search = page.get_by_role("search", name="Find learning sites")
    search.get_by_label("Your state (optional)", exact=True).select_option(label="Maine")
    follow(page, search.get_by_role("button", name="Show sites"))
    expect(site_list(page)).to_have_accessible_name("Learning sites, nearest first from Maine")
    first, second = row_headers(page).nth(0), row_headers(page).nth(1)
    expect(first).to_have_text("Portland Police Department")
    expect(second).to_have_text("Arlington Police Department")
    # The site that serves three counties has no position: last, distance unknown.
    last = site_list(page).get_by_role("row").last
    expect(last.get_by_role("rowheader").get_by_role("link")).to_have_text(
        "Gallia/Jackson/Meigs Counties Sheriff's Offices"
    )
    expect(last.get_by_role("cell").last).to_have_text("distance unknown")
    expect(site_list(page).get_by_role("row").nth(1).get_by_role("cell").last).to_have_text(
        re.compile(r"^\d[\d,]* miles$")
    )

    # A city the offline list does not know is explained, and the list stays whole.
    search.get_by_label("Your city (optional)", exact=True).fill("Atlantis")
    follow(page, search.get_by_role("button", name="Show sites"))
    expect(search.get_by_label("Your city (optional)", exact=True)).to_have_accessible_description(
        re.compile("“Atlantis” is not in the offline list")
    )
    expect(site_list(page)).to_have_accessible_name("Learning sites, by state")


def test_tta_staff_add_a_site_that_the_public_then_finds(page, new_page, demo):
    sign_in(page, "tta_staff", DEMO_PASSWORD)
    visit(page, "/learn/sites/")
    follow(page, page.get_by_role("link", name="Add a learning site"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a learning site")
    follow(page, page.get_by_role("button", name="Add site"))  # empty: refused
    expect(page.get_by_label("Agency", exact=True)).to_have_accessible_description(
        "Up to 200 characters. Enter the agency's name."
    )

    page.get_by_label("Agency", exact=True).fill("Synthetic Test Learning Site (demo)")
    page.get_by_label("City (optional)", exact=True).fill("Prescott")
    page.get_by_label("State", exact=True).select_option(label="Arizona")
    page.get_by_text("Find the map position from the city and state").click()
    specialties = page.get_by_role("group", name="Specialties")
    specialties.get_by_text("Dispatcher training", exact=True).click()
    # A program type no listed site practises, so that the filter finds this site alone.
    program_types = page.get_by_role("group", name="Program types it practises")
    program_types.get_by_text("Tailored approach", exact=True).click()
    follow(page, page.get_by_role("button", name="Add site"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Synthetic Test Learning Site (demo)")
    expect(page.get_by_role("status")).to_contain_text("Learning site added.")

    visitor = new_page()
    visit(visitor, "/learn/sites/?specialty=dispatcher_training&program_type=tailored")
    expect(row_headers(visitor)).to_have_text(["Synthetic Test Learning Site (demo)"])
    expect(
        site_map(visitor).get_by_role("link", name=re.compile("Synthetic Test Learning Site"))
    ).to_be_visible()
