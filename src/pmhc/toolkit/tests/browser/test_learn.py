"""Learn in the browser: a new visitor reads a program type, compares the five and opens an
element; a TTA staff member edits a page and sees the change. axe checks every page.

The pages' text comes from a data migration, and browser tests empty the database after they
run (and Django's serialized rollback cannot restore it while Playwright's event loop runs), so
the ``learn_content`` fixture loads it again through the migration's own function.
"""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from pmhc.testing.browser import DEMO_PASSWORD, follow, primary_nav, sign_in, visit
from pmhc.toolkit.models import ProgramTypeCode

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("learn_content"),
]

FIVE = [
    "Crisis Intervention Team (CIT)",
    "Co-responder team",
    "Mobile crisis team",
    "Case management team",
    "Tailored approach",
]


@pytest.fixture
def learn_content(transactional_db):
    """The program types and elements as migration 0002 loads them (it skips what exists)."""
    migration = import_module("pmhc.toolkit.migrations.0002_program_and_element_content")
    migration.load(apps, None)


def main(page):
    return page.get_by_role("main")


def test_new_visitor_reads_compares_and_opens_an_element(page, demo):
    visit(page, "/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("police–mental health")
    starts = main(page).get_by_role("region", name="Where to start")
    expect(starts.get_by_role("link", name="Find a learning site")).to_be_visible()
    expect(starts.get_by_role("link", name="Request assistance")).to_be_visible()
    expect(starts.get_by_role("link", name="Take the self-assessment")).to_have_attribute(
        "href", "/assess/"
    )
    benefits = page.get_by_role("table", name="Each expected benefit and the key outcome")
    expect(
        benefits.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name="Fewer uses of force")
        )
    ).to_contain_text("Less use of force and injury")
    expect(
        benefits.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name="Fewer civil lawsuits")
        )
    ).to_contain_text("Also reported")

    # Read a program type.
    follow(page, main(page).get_by_role("link", name="Co-responder team"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Co-responder team")
    glance = page.get_by_role("region", name="At a glance")
    expect(glance).to_contain_text("A specially trained officer and a mental health crisis worker")
    expect(page.get_by_role("heading", name="How it works")).to_be_visible()
    expect(page.get_by_role("link", name="Edit this page")).to_have_count(0)
    side = page.get_by_role("navigation", name="Program types")
    expect(side.get_by_role("link", name="Co-responder team")).to_have_attribute(
        "aria-current", "page"
    )

    # Compare the five.
    follow(page, side.get_by_role("link", name="Compare the five"))
    table = page.get_by_role("table", name="The five program types side by side")
    expect(table.get_by_role("columnheader")).to_have_text(FIVE)
    expect(table.get_by_role("rowheader")).to_have_text(
        ["Who responds", "Training", "Staffing", "Depends on", "Fits"]
    )
    training = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Training"))
    expect(training.get_by_role("cell").first).to_contain_text("40-hour course")

    # Open an element, through the Learn section.
    follow(page, primary_nav(page).get_by_role("link", name="Learn"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Learn about police–mental health collaboration"
    )
    follow(page, main(page).get_by_role("link", name="The 10 essential elements"))
    expect(
        main(page).get_by_role("listitem").filter(has=page.get_by_role("heading"))
    ).to_have_count(10)
    follow(page, main(page).get_by_role("link", name="4. Call-Taker and Dispatcher Protocols"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Call-Taker and Dispatcher Protocols")
    expect(page.get_by_role("region", name="Intent")).to_contain_text(
        "Call takers and dispatchers identify critical information"
    )
    expect(page.get_by_role("heading", name="What good looks like")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Questions for your planning committee")
    ).to_be_visible()
    # Element 4's module is built: the page links to it.
    expect(main(page).get_by_role("link", name="Dispatch: calls for service")).to_have_attribute(
        "href", "/operate/"
    )


def test_every_program_type_and_element_page_passes_axe(page):
    for slug in ProgramTypeCode.values:
        visit(page, f"/learn/programs/{slug}/")
        expect(page.get_by_role("heading", level=1)).not_to_be_empty()
    for number in range(1, 11):
        visit(page, f"/learn/elements/{number}/")
        expect(page.get_by_role("heading", level=1)).not_to_be_empty()
    visit(page, "/learn/programs/")
    expect(main(page).get_by_role("heading", level=2)).to_have_text(FIVE)


def test_tta_staff_edit_a_page_and_see_the_change(page, demo):
    sign_in(page, "tta_staff", DEMO_PASSWORD)
    visit(page, "/learn/programs/mobile-crisis/")
    follow(page, page.get_by_role("link", name="Edit this page"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit: Mobile crisis team")
    history = page.get_by_role("table", name="Version history")
    expect(history.get_by_role("row")).to_have_count(2)  # header and version 1

    # A mistake is explained, and nothing is saved.
    page.get_by_label("Title").fill("")
    follow(page, page.get_by_role("button", name="Save a new version"))
    expect(page.get_by_label("Title")).to_have_accessible_description(
        "Up to 200 characters. Enter a title."
    )

    page.get_by_label("Title").fill("Mobile crisis team")
    page.get_by_label("Summary").fill(
        "Mental health professionals respond when officers or the public ask for them."
    )
    page.get_by_label("Comparison: Fits").fill("Where one team serves police and public alike.")
    page.get_by_label("What changed").fill("Shorter summary")
    follow(page, page.get_by_role("button", name="Save a new version"))
    expect(page).to_have_url(re.compile(r"/learn/programs/mobile-crisis/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Saved. “Mobile crisis team” is now at version 2."
    )
    expect(page.locator(".usa-intro")).to_have_text(
        "Mental health professionals respond when officers or the public ask for them."
    )
    expect(page.get_by_role("region", name="At a glance")).to_contain_text(
        "Where one team serves police and public alike."
    )

    follow(page, page.get_by_role("link", name="Edit this page"))
    rows = page.get_by_role("table", name="Version history").get_by_role("row")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_contain_text("Shorter summary")
    expect(rows.nth(1).get_by_role("rowheader")).to_have_text("2")
