"""Changing how an account signs in, with the password and a current code, and joining a second
organization by accepting an invitation."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Page, expect

from pmhc.conftest import PASSWORD
from pmhc.platform.models import Membership, OutboundEmail
from pmhc.platform.tests.browser.test_two_factor import STEP, totp
from pmhc.testing.browser import follow, primary_nav, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def success(page: Page):
    return page.get_by_role("status").locator(".usa-alert--success")


def error_summary(page: Page, heading: str):
    return page.get_by_role("alert").filter(has=page.get_by_role("heading", name=heading))


def scanned_secret(page: Page) -> str:
    return page.locator("#totp-secret").inner_text()


def test_adding_and_removing_an_authenticator_app_asks_who_is_typing(page, cast):
    sign_in(page, cast.member.username, PASSWORD)
    follow(page, primary_nav(page).get_by_role("link", name="My account"))
    follow(page, page.get_by_role("link", name="Set up two-factor sign-in"))
    first = scanned_secret(page)
    now = int(time.time()) // STEP
    page.get_by_label("Six-digit code from your authenticator app").fill(totp(first, now))
    page.get_by_label("Name for this app").fill("Work phone")
    page.get_by_label("Your current password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Turn on two-factor sign-in"))
    expect(success(page)).to_have_text("Two-factor sign-in is on for your account.")

    # A second app: without a code from the first, nothing changes, and the summary at the
    # top says what is missing, with a link to the field.
    follow(page, page.get_by_role("link", name="Add another authenticator app"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add an authenticator app")
    second = scanned_secret(page)
    proof = page.get_by_role("group", name="Confirm it is you")
    page.get_by_label("Code from the new authenticator app").fill(totp(second, now))
    page.get_by_label("Name for this app").fill("Spare phone")
    proof.get_by_label("Your current password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Add this app"))
    summary = error_summary(page, "Nothing was changed yet")
    link = summary.get_by_role("link")
    expect(link).to_have_text(
        "Code from an app you already use: Enter the code your authenticator app shows now."
    )
    field = page.get_by_label("Code from an app you already use")
    expect(link).to_have_attribute("href", f"#{field.get_attribute('id')}")
    expect(field).to_have_attribute("aria-invalid", "true")
    # The same QR code is still on the page, so the new app's code still fits.
    assert scanned_secret(page) == second
    page.get_by_label("Code from the new authenticator app").fill(totp(second, now))
    page.get_by_label("Your current password").fill(PASSWORD)
    field.fill(totp(first, now + 1))
    follow(page, page.get_by_role("button", name="Add this app"))
    expect(success(page)).to_have_text(
        "“Spare phone” was added. Its codes now work for signing in."
    )
    expect(
        page.get_by_role("main").get_by_role("list").filter(has_text="Work phone")
    ).to_contain_text("Spare phone")

    follow(page, page.get_by_role("link", name="Remove an authenticator app"))
    page.get_by_label("Authenticator app to remove").select_option(label="Work phone")
    page.get_by_label("Your current password").fill(PASSWORD)
    page.get_by_label("Current code from your authenticator app").fill(totp(second, now + 1))
    follow(page, page.get_by_role("button", name="Remove"))
    expect(success(page)).to_have_text("The authenticator app was removed.")
    expect(page.get_by_role("main")).not_to_contain_text("Work phone")
    assert OutboundEmail.objects.filter(purpose="security_notice").count() == 3


def test_changing_password_and_email_asks_for_the_password(page, cast):
    sign_in(page, cast.member.username, PASSWORD)
    follow(page, primary_nav(page).get_by_role("link", name="My account"))
    follow(page, page.get_by_role("link", name="Change e-mail address"))
    page.get_by_label("New e-mail address").fill("member.new@example.org")
    page.get_by_label("Your current password").fill("not-my-password")
    follow(page, page.get_by_role("button", name="Change e-mail address"))
    summary = error_summary(page, "Your e-mail address was not changed")
    expect(summary.get_by_role("link")).to_have_text(
        "Your current password: That is not your current password. Check it and try again."
    )
    page.get_by_label("Your current password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Change e-mail address"))
    # Nothing changes until the link sent to the new address is opened.
    expect(success(page)).to_contain_text("A link to confirm the change was sent")
    expect(page.get_by_role("main")).not_to_contain_text("member.new@example.org")
    message = OutboundEmail.objects.filter(to=["member.new@example.org"]).latest("pk")
    found = re.search(r"(/accounts/email/confirm/[^/\s]+/)", message.body)
    assert found
    visit(page, found.group(1))
    follow(page, page.get_by_role("button", name="Change my e-mail address"))
    expect(success(page)).to_contain_text("Your e-mail address has been changed.")
    expect(page.get_by_role("main")).to_contain_text("member.new@example.org")

    follow(page, page.get_by_role("link", name="Change password"))
    new = "a-much-longer-new-passphrase"
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password again").fill(new)
    follow(page, page.get_by_role("button", name="Change password"))
    summary = error_summary(page, "Your password was not changed")
    expect(summary.get_by_role("link")).to_have_text(
        "Your current password: Enter your current password."
    )
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password again").fill(new)
    page.get_by_label("Your current password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Change password"))
    expect(success(page)).to_have_text("Your password has been changed.")


def test_an_invited_person_accepts_and_joins(page, cast):
    sign_in(page, cast.admin.username, PASSWORD)
    visit(page, f"/org/{cast.agency.slug}/members/")
    form = page.locator("form", has=page.get_by_role("button", name="Add member"))
    form.get_by_label("E-mail address").fill(cast.outsider.email)
    form.get_by_label("Role").select_option(label="Analyst")
    follow(page, form.get_by_role("button", name="Add member"))
    expect(success(page)).to_have_text("An invitation was sent to that address.")
    waiting = page.get_by_role("table", name="Invitations waiting for an answer")
    row = waiting.get_by_role("row").filter(
        has=page.get_by_role("rowheader", name=cast.outsider.email)
    )
    expect(row).to_contain_text("Analyst")
    expect(page.get_by_role("main")).not_to_contain_text(cast.outsider.display_name)
    sign_out(page)

    message = OutboundEmail.objects.get(purpose="invitation")
    found = re.search(r"(/accounts/invitations/[^/\s]+/)", message.body)
    assert found
    sign_in(page, cast.outsider.username, PASSWORD)
    visit(page, found.group(1))
    expect(page.get_by_role("heading", level=1)).to_have_text("Invitation to join Agency PD")
    follow(page, page.get_by_role("button", name="Accept the invitation"))
    expect(success(page)).to_have_text("You are now a member of Agency PD, as Analyst.")
    assert Membership.objects.filter(user=cast.outsider, organization=cast.agency).exists()
    # Opened again, the link says so truthfully (not "expired or withdrawn").
    visit(page, found.group(1))
    expect(page.get_by_role("status")).to_contain_text("You are already a member of Agency PD.")
