"""Home Safe in the browser: a family member enrols a relative from a phone and confirms by
e-mail, the agency's coordinator approves, the worker asks for re-confirmation after six
months and hides the enrolment nobody re-confirmed. axe checks every page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from pmhc.homesafe.models import REMINDERS, Enrolment, EnrolmentStatus
from pmhc.homesafe.tasks import reconfirm_reminders_task
from pmhc.homesafe.tests.support import PNG_BYTES, link_in
from pmhc.testing.browser import (
    DEMO_PASSWORD,
    PHONE,
    follow,
    primary_nav,
    sign_in,
    visit,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL = "jordan.family@example.org"


def test_a_family_enrols_from_a_phone_the_agency_approves_and_the_worker_keeps_it_current(
    new_page, demo, monkeypatch
):
    phone = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    visit(phone, "/home-safe/")
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Home Safe")
    follow(phone, phone.get_by_role("link", name="Enrol with Example County Police Department"))

    # Sent with a photo that is not one: it says so, and keeps what was typed.
    phone.get_by_label("Who is filling in this form").select_option("family")
    phone.get_by_label("Full name").fill("Rowan Testfamily")
    phone.get_by_label("What calms them").fill("Humming an old song.")
    phone.locator("#id_photo").set_input_files(
        {"name": "face.png", "mimeType": "image/png", "buffer": b"<html>not a photo</html>"}
    )
    phone.locator("#id_caregiver_1_name").fill("Jordan Testfamily")
    phone.locator("#id_caregiver_1_phone").fill("555-010-0177")
    phone.get_by_label("Consent given by").select_option("guardian")
    phone.get_by_label("Name of who consents").fill("Jordan Testfamily")
    phone.locator("label[for=id_consent_confirmed]").click()
    phone.get_by_label("Your name").fill("Jordan Testfamily")
    phone.get_by_label("Your e-mail").fill(EMAIL)
    follow(phone, phone.get_by_role("button", name="Send enrolment"))
    summary = phone.locator(".pmhc-error-summary")
    expect(summary).to_contain_text("choose the photo again")
    expect(phone.get_by_label("Full name")).to_have_value("Rowan Testfamily")
    expect(phone.get_by_label("What calms them")).to_have_value("Humming an old song.")
    assert not Enrolment.objects.filter(submitter_email=EMAIL).exists()

    phone.locator("#id_photo").set_input_files(
        {"name": "face.png", "mimeType": "image/png", "buffer": PNG_BYTES}
    )
    # The consent ticked before the error is still ticked.
    expect(phone.locator("#id_consent_confirmed")).to_be_checked()
    follow(phone, phone.get_by_role("button", name="Send enrolment"))
    expect(phone.get_by_role("heading", level=1)).to_have_text("Check your e-mail")
    enrolment = Enrolment.objects.get(submitter_email=EMAIL)
    assert enrolment.status == EnrolmentStatus.UNCONFIRMED and enrolment.photo

    # The link in the e-mail: one click confirms the address.
    visit(phone, link_in("homesafe_confirm"))
    follow(phone, phone.get_by_role("button", name="Confirm my e-mail address"))
    expect(phone.get_by_role("region", name="Waiting for the agency's review")).to_be_visible()
    expect(phone.get_by_role("img", name="Photo of Rowan Testfamily")).to_be_visible()
    family_page = phone.url

    # The coordinator finds it in the review queue and approves it.
    agency = new_page()
    sign_in(agency, "coordinator", DEMO_PASSWORD)
    follow(agency, primary_nav(agency).get_by_role("link", name="Home Safe"))
    row = agency.get_by_role("row").filter(has_text="Rowan Testfamily")
    follow(agency, row.get_by_role("link", name=enrolment.reference))
    expect(agency.get_by_role("img", name="Photo of Rowan Testfamily")).to_be_visible()
    follow(agency, agency.get_by_role("button", name="Approve: add to the registry"))
    expect(agency.get_by_role("status")).to_contain_text("in the registry")
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE and enrolment.confirm_by
    visit(phone, family_page)
    expect(phone.get_by_role("region", name="In the registry")).to_be_visible()

    # Six months on, the worker asks for re-confirmation; nobody answers; it is hidden.
    real_now = timezone.now()
    due = enrolment.confirm_by

    def move_to(day: dt.date) -> None:
        at = real_now + (day - timezone.localdate(real_now))
        monkeypatch.setattr(timezone, "now", lambda: at)

    move_to(due - dt.timedelta(days=10))
    reconfirm_reminders_task.enqueue()
    call_command("worker", "--batch")
    asked = [m for m in mail.outbox if m.to == [EMAIL] and "please re-confirm" in m.subject]
    assert len(asked) == 1 and "/home-safe/mine/" in asked[0].body
    Enrolment.objects.filter(pk=enrolment.pk).update(reminders_sent=REMINDERS)
    move_to(due + dt.timedelta(days=20))
    reconfirm_reminders_task.enqueue()
    call_command("worker", "--batch")
    monkeypatch.undo()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.HIDDEN
    assert any("hidden from searches" in m.subject for m in mail.outbox if m.to == [EMAIL])

    # The agency sees it among the hidden, no longer in the registry.
    visit(agency, "/operate/home-safe/?show=active")
    expect(agency.get_by_role("main")).not_to_contain_text("Rowan Testfamily")
    visit(agency, "/operate/home-safe/?show=hidden")
    expect(agency.get_by_role("main")).to_contain_text("Rowan Testfamily")
