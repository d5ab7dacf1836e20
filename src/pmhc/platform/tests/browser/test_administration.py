"""The demo administrator runs their organization in the browser: members, agreements,
API keys and the audit trail."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pmhc.demo.generator import TIME_ZONE
from pmhc.platform.models import OutboundEmail
from pmhc.testing.browser import DEMO_PASSWORD, follow, primary_nav, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ORG = "Example County Police Department"
HOSPITAL = "Example County General Hospital"


def org_nav(page):
    return page.get_by_role("navigation", name="Organization administration")


def success(page):
    return page.get_by_role("status").locator(".usa-alert--success")


def test_administrator_manages_members_agreements_keys_and_audit(page, demo):
    sign_in(page, "administrator", DEMO_PASSWORD)
    follow(page, primary_nav(page).get_by_role("link", name="Organization"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ORG)

    # Members: add one, see them, change their role.
    follow(page, org_nav(page).get_by_role("link", name="Members"))
    expect(org_nav(page).get_by_role("link", name="Members")).to_have_attribute(
        "aria-current", "page"
    )
    form = page.locator("form", has=page.get_by_role("button", name="Add member"))
    form.get_by_label("E-mail address").fill("rowan.testwell@demo.pmhc.invalid")
    form.get_by_label("First name").fill("Rowan")
    form.get_by_label("Last name").fill("Testwell")
    form.get_by_label("Role").select_option(label="Officer")
    form.get_by_label("Shift").fill("Night")
    form.get_by_label("District or beat").fill("North")
    follow(page, form.get_by_role("button", name="Add member"))
    # The same words, and the same row, whether or not the address had an account
    # (test_invitations.py): the typed names are only suggestions to the invitee.
    expect(success(page)).to_have_text("An invitation was sent to that address.")
    waiting = page.get_by_role("table", name="Invitations waiting for an answer")
    expect(
        waiting.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name="rowan.testwell@demo.pmhc.invalid")
        )
    ).to_contain_text("Officer")
    expect(page.get_by_role("main")).not_to_contain_text("Testwell")
    sign_out(page)

    # The invitee has no account: they create one on the invitation's page, and join.
    message = OutboundEmail.objects.filter(
        purpose="invitation", to=["rowan.testwell@demo.pmhc.invalid"]
    ).latest("pk")
    found = re.search(r"(/accounts/invitations/[^/\s]+/)", message.body)
    assert found
    visit(page, found.group(1))
    expect(page.get_by_label("First name")).to_have_value("Rowan")
    expect(page.get_by_label("Last name")).to_have_value("Testwell")
    passphrase = "a-rather-long-invitee-passphrase"
    page.get_by_label("Username").fill("administrator")  # taken: told to the invitee only
    page.get_by_label("Password", exact=True).fill(passphrase)
    page.get_by_label("The same password again").fill(passphrase)
    follow(page, page.get_by_role("button", name="Create my account and join"))
    expect(page.get_by_role("main")).to_contain_text("That username is taken.")
    page.get_by_label("Username").fill("rtestwell")
    page.get_by_label("Password", exact=True).fill(passphrase)
    page.get_by_label("The same password again").fill(passphrase)
    follow(page, page.get_by_role("button", name="Create my account and join"))
    expect(success(page)).to_contain_text("Your account was created")

    sign_in(page, "administrator", DEMO_PASSWORD)
    follow(page, primary_nav(page).get_by_role("link", name="Organization"))
    follow(page, org_nav(page).get_by_role("link", name="Members"))
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="Rowan Testwell"))
    expect(row.get_by_role("cell")).to_have_text(
        [
            "rtestwell",
            "Officer",
            "Night",
            "North",
            "Active",
            "Change Rowan Testwell",  # "Rowan Testwell" is for screen readers only
        ]
    )
    follow(page, row.get_by_role("link", name="Change Rowan Testwell"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Rowan Testwell")
    expect(page.get_by_label("Role")).to_have_value("officer")
    page.get_by_label("Role").select_option(label="Supervisor")
    follow(page, page.get_by_role("button", name="Save"))
    expect(success(page)).to_have_text("Membership saved.")
    expect(row.get_by_role("cell").nth(1)).to_have_text("Supervisor")

    # Agreements: the hospital's renewal waits for us; we read it and accept it.
    follow(page, org_nav(page).get_by_role("link", name="Agreements"))
    renewal = "Emergency department handoff agreement, second term (synthetic)"
    waiting = page.get_by_role("region", name="Waiting for your acceptance")
    follow(page, waiting.get_by_role("link", name=renewal))
    expect(page.get_by_role("heading", level=1)).to_have_text(renewal)
    expect(page.get_by_role("main")).to_contain_text("This version waits for your acceptance")
    follow(page, page.get_by_role("button", name="Accept version 1"))
    expect(success(page)).to_have_text(
        "Accepted. Every party has now accepted: the agreement is in force."
    )
    expect(page.get_by_role("main")).to_contain_text("In force today")

    # Propose one with the hospital: it waits for the hospital's administrator.
    follow(page, org_nav(page).get_by_role("link", name="Agreements"))
    follow(page, page.get_by_role("link", name="Propose an agreement"))
    # The pages work in the organization's own time zone, which need not share the test's date.
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(TIME_ZONE))
    page.get_by_label("Title").fill("Hospital discharge planning agreement")
    follow(page, page.get_by_role("button", name="Propose the agreement"))  # incomplete
    expect(page.get_by_role("alert").first.get_by_role("heading")).to_have_text(
        "Please correct the fields marked below."
    )
    summary_link = page.get_by_role("alert").first.get_by_role(
        "link", name="Partner organizations: Choose at least one partner organization."
    )
    expect(summary_link).to_have_attribute("href", "#id_partners_0")
    expect(page.get_by_role("group", name="Partner organizations")).to_have_accessible_description(
        "Choose at least one partner organization."
    )
    expect(page.get_by_label("Effective on")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Title")).to_have_value("Hospital discharge planning agreement")
    partners = page.get_by_role("group", name="Partner organizations")
    partners.get_by_text(HOSPITAL, exact=True).click()
    expect(partners.get_by_role("checkbox", name=HOSPITAL)).to_be_checked()
    kinds = page.get_by_role("group", name="Data the agreement covers")
    kinds.get_by_text("Personal", exact=True).click()
    expect(kinds.get_by_role("checkbox", name="Personal")).to_be_checked()
    purposes = page.get_by_role("group", name="Purposes the agreement covers")
    purposes.get_by_text("Active call", exact=True).click()
    expect(purposes.get_by_role("checkbox", name="Active call")).to_be_checked()
    page.get_by_label("Effective on").fill(today.isoformat())
    page.get_by_label("Ends on").fill((today + dt.timedelta(days=365)).isoformat())
    follow(page, page.get_by_role("button", name="Propose the agreement"))
    expect(success(page)).to_contain_text("Agreement proposed.")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Hospital discharge planning agreement"
    )
    expect(page.get_by_role("main")).to_contain_text("Waiting for acceptance")
    follow(page, org_nav(page).get_by_role("link", name="Agreements"))
    row = (
        page.get_by_role("region", name="Waiting for the other parties")
        .get_by_role("row")
        .filter(has=page.get_by_role("rowheader", name="Hospital discharge planning agreement"))
    )
    expect(row).to_contain_text(HOSPITAL)
    expect(row).to_contain_text(f"{today.isoformat()} – {today + dt.timedelta(days=365):%Y-%m-%d}")
    expect(row.get_by_role("cell").last).to_have_text("Not yet accepted")

    # API keys: create one, see it once, revoke it.
    follow(page, org_nav(page).get_by_role("link", name="API keys"))
    page.get_by_label("Name").fill("CAD interface")
    page.get_by_text("Read the organization's own profile", exact=False).click()
    follow(page, page.get_by_role("button", name="Create key"))
    alert = page.get_by_role("alert")
    expect(alert.get_by_role("heading")).to_have_text("Copy this key now")
    expect(page.locator("#new-api-key")).to_have_text(re.compile(r"^pmhc_[0-9a-f]{8}_\S{40,}$"))
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="CAD interface"))
    questions: list[str] = []

    def accept(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    follow(page, row.get_by_role("button", name="Revoke CAD interface"))
    assert questions == ["Revoke this key? Systems using it will stop working at once."]
    expect(success(page)).to_have_text("API key “CAD interface” revoked.")
    expect(page.locator("#new-api-key")).to_have_count(0)
    expect(row.get_by_role("cell").last).to_have_text(f"Revoked {today:%Y-%m-%d}")

    # Audit trail: filter by event, see the member joining (they accepted), download the CSV.
    follow(page, org_nav(page).get_by_role("link", name="Audit trail"))
    page.get_by_role("combobox", name="Event").select_option(label="Member added")
    follow(page, page.get_by_role("button", name="Filter"))
    expect(page).to_have_url(re.compile(r"action=membership\.created"))
    expect(page.get_by_role("combobox", name="Event")).to_have_value("membership.created")
    rows = page.get_by_role("table").locator("tbody tr")
    expect(rows.first).to_contain_text("Rowan Testwell")
    expect(rows.first).to_contain_text("Member added")
    expect(rows.first).to_contain_text("accepted invitation")
    for event in rows.locator("td:nth-child(4)").all_inner_texts():
        assert event == "Member added"
    download = page.get_by_role("link", name="Download CSV")
    href = download.get_attribute("href")
    assert href is not None
    assert "action=membership.created" in href
    response = page.request.get(href)
    assert response.ok
    assert response.headers["content-type"].startswith("text/csv")
    lines = response.text().splitlines()
    assert lines[0].startswith("sequence,occurred_at_utc,actor_id,actor_name")
    assert all(",membership.created," in line for line in lines[1:])
    assert any("Rowan Testwell" in line for line in lines[1:])
