"""A visitor sends a policy with a PDF to the library; the demo TTA staff member publishes it
with its tags; the visitor finds it by searching the library and opens it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pmhc.platform.models import OutboundEmail
from pmhc.testing.browser import DEMO_PASSWORD, follow, primary_nav, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Wrenfield transport and handoff policy (synthetic)"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def success(page):
    return page.get_by_role("status").locator(".usa-alert--success")


def test_submitted_policy_is_reviewed_published_and_found(page, new_page, demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path

    # A visitor sends a policy with a PDF.
    visit(page, "/library/")
    follow(page, page.get_by_role("link", name="Send a resource or a question"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Send a resource or a question")
    follow(page, page.get_by_role("button", name="Send for review"))  # empty: refused
    expect(page.get_by_role("alert").first.get_by_role("heading")).to_have_text(
        "Please correct the fields marked below."
    )
    expect(page.get_by_label("What are you sending?")).to_have_accessible_description(
        "Choose what you are sending."
    )
    page.get_by_label("What are you sending?").select_option(label="Policy")
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Summary").fill("How officers hand a person over at the receiving facility.")
    page.get_by_label("File").set_input_files(
        files=[{"name": "wrenfield-policy.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_label("Your name").fill("Robin Example")
    page.get_by_label("Your e-mail address").fill("robin.example@demo.pmhc.invalid")
    page.get_by_label("Agency or organization").fill("Wrenfield Police Department (synthetic)")
    follow(page, page.get_by_role("button", name="Send for review"))
    expect(success(page)).to_contain_text(re.compile(r"Your reference is LIB-\d{4}-\d{6}\."))
    reference = re.search(r"LIB-\d{4}-\d{6}", success(page).inner_text())
    assert reference is not None
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Your submission {reference.group(0)}"
    )
    expect(page.get_by_role("main")).to_contain_text("Waiting for review")
    status_path = re.sub(r"^https?://[^/]+", "", page.url)
    # (The demo may hold library submissions of its own.)
    message = OutboundEmail.objects.get(
        purpose="library_submitted", subject__contains=reference.group(0)
    )
    assert message.to == ["robin.example@demo.pmhc.invalid"]
    assert status_path in message.body

    # Not yet in the library.
    visit(page, "/library/?q=Wrenfield")
    expect(page.get_by_role("heading", level=2, name="0 items match")).to_be_visible()

    # The TTA staff member publishes it with tags.
    staff = new_page()
    sign_in(staff, "tta_staff", DEMO_PASSWORD)
    follow(staff, primary_nav(staff).get_by_role("link", name="Library review"))
    expect(staff.get_by_role("heading", level=1)).to_have_text("Library review")
    row = staff.get_by_role("row").filter(has=staff.get_by_role("rowheader", name=TITLE))
    expect(row).to_contain_text(reference.group(0))
    follow(staff, row.get_by_role("link", name=TITLE))
    expect(staff.get_by_role("main")).to_contain_text("robin.example@demo.pmhc.invalid")
    staff.get_by_label("Kind of resource").select_option(label="Policy")
    elements = staff.get_by_role("group", name="Essential elements")
    elements.get_by_text("6. Transportation and Custodial Transfer", exact=True).click()
    expect(elements.get_by_role("checkbox", name="6. Transportation")).to_be_checked()
    programs = staff.get_by_role("group", name="Program types")
    programs.get_by_text("Co-responder team", exact=True).click()
    expect(programs.get_by_role("checkbox", name="Co-responder team")).to_be_checked()
    follow(staff, staff.get_by_role("button", name="Publish"))
    expect(success(staff)).to_have_text(
        f"{reference.group(0)} is published; the submitter is told."
    )
    published = OutboundEmail.objects.get(
        purpose="library_published", subject__contains=reference.group(0)
    )
    assert published.to == ["robin.example@demo.pmhc.invalid"]

    # The visitor finds it by searching, filtered by its element, and opens it.
    visit(page, "/library/")
    page.get_by_label("Search words").fill("Wrenfield handoff")
    page.get_by_label("Essential element").select_option(value="6")
    follow(page, page.get_by_role("button", name="Search"))
    expect(page.get_by_role("heading", level=2, name="1 item matches")).to_be_visible()
    follow(page, page.get_by_role("link", name=TITLE))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    main = page.get_by_role("main")
    expect(main).to_contain_text("Wrenfield Police Department (synthetic)")
    expect(main).to_contain_text("6. Transportation and Custodial Transfer")
    expect(main).to_contain_text("Co-responder team")
    expect(main).not_to_contain_text("robin.example@demo.pmhc.invalid")
    expect(main).not_to_contain_text("Robin Example")
    download = page.get_by_role("link", name="Download wrenfield-policy.pdf")
    href = download.get_attribute("href")
    assert href is not None
    response = page.request.get(href)
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.body() == PDF

    # The private status page says it is published.
    visit(page, status_path)
    expect(page.get_by_role("main")).to_contain_text("It is published in the library.")
