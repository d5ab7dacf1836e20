"""The rest of the toolkit page in the browser: a visitor finds the agency experiences and the
page on partnering with people with lived experience from the home page and searches the
frequently asked questions; a TTA staff member adds a question and publishes it. axe checks
every page.

The text comes from data migrations, which browser tests cannot rely on (the database is
emptied after each), so the ``content`` fixture loads it again through the migrations' own
functions.
"""

from __future__ import annotations

import re
from importlib import import_module

import pytest
from django.apps import apps
from playwright.sync_api import expect

from pmhc.testing.browser import DEMO_PASSWORD, follow, sign_in, visit

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("content"),
]


@pytest.fixture
def content(transactional_db):
    import_module("pmhc.toolkit.migrations.0002_program_and_element_content").load(apps, None)
    import_module("pmhc.toolkit.migrations.0006_questions_experiences_and_content_review").forwards(
        apps, None
    )


def main(page):
    return page.get_by_role("main")


def test_visitor_reads_experiences_lived_experience_and_searches_the_questions(page):
    visit(page, "/")
    follow(page, main(page).get_by_role("link", name="Agency experiences"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Agency experiences")
    for title in (
        "Charlotte-Mecklenburg Police Department: a Crisis Intervention Team",
        "One Mind: agencies take a pledge",
        "Home Safe: keeping people at risk of wandering safe",
    ):
        expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()

    visit(page, "/")
    follow(
        page,
        main(page).get_by_role(
            "link", name="Partnering with people with lived experience and their families"
        ),
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Partnering with people with lived experience and their families"
    )
    for step in ("Plan", "Train", "Respond", "Follow up", "Evaluate"):
        expect(page.get_by_role("heading", level=2, name=step, exact=True)).to_be_visible()
    expect(main(page).get_by_role("link", name="Self-assessment")).to_have_attribute(
        "href", "/assess/"
    )

    follow(page, main(page).get_by_role("link", name="Frequently asked questions"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Frequently asked questions")
    expect(page.get_by_role("heading", level=2, name="What is Home Safe?")).to_be_visible()
    search = page.get_by_role("search", name="Search the questions")
    search.get_by_label("Search the questions").fill("learning site visit")
    follow(page, search.get_by_role("button", name="Search"))
    expect(page).to_have_url(re.compile(r"/learn/faq/\?q=learning\+site\+visit$"))
    expect(main(page).get_by_role("heading", level=2)).to_have_text(["1 question matches"])
    expect(
        page.get_by_role("heading", level=3, name="How can we visit a learning site?")
    ).to_be_visible()
    search = page.get_by_role("search", name="Search the questions")
    search.get_by_label("Search the questions").fill("qwertyuiop")
    follow(page, search.get_by_role("button", name="Search"))
    expect(main(page).get_by_role("heading", level=2)).to_have_text(["No question matches"])


def test_tta_staff_add_a_question_and_publish_it(page, demo):
    sign_in(page, "tta_staff", DEMO_PASSWORD)
    visit(page, "/learn/faq/")
    follow(page, page.get_by_role("link", name="Manage the questions"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Manage: Frequently asked questions")
    follow(page, page.get_by_role("link", name="Add a question"))

    # A mistake is summarized at the top, and nothing is saved.
    follow(page, page.get_by_role("button", name="Add", exact=True))
    summary = page.locator(".pmhc-error-summary")
    expect(summary.get_by_role("link", name=re.compile("^Question:"))).to_be_visible()

    page.get_by_label("Question", exact=True).fill("Does a visit to a learning site cost money?")
    page.get_by_label("Short answer").fill("Ask for supplemental funds in your request.")
    page.get_by_label("Answer", exact=True).fill("Say so in your request for assistance.")
    follow(page, page.get_by_role("button", name="Add", exact=True))
    expect(page.get_by_role("status")).to_contain_text("It is not published yet.")
    row = page.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name="Does a visit to a learning site cost money?")
    )
    expect(row).to_contain_text("Not published")
    follow(page, row.get_by_role("button", name=re.compile("^Publish")))
    expect(page.get_by_role("status")).to_contain_text("is published")

    visit(page, "/learn/faq/")
    expect(
        page.get_by_role("heading", level=2, name="Does a visit to a learning site cost money?")
    ).to_be_visible()
