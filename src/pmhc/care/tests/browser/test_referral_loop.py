"""The referral loop in a browser: the officer refers the person from the encounter report;
the hospital's intake clinician accepts and schedules it from their own sign-in and the agency
sees the state change; the hospital's API key sends a FHIR Task that moves it to "attended"; a
referral that has not moved reminds its sender. axe checks every page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from pmhc.care import referral_fhir, referral_services
from pmhc.care.models import Referral, ReferralStatus
from pmhc.care.tests.referral_helpers import NARRATIVE, REASON, referral_world
from pmhc.conftest import PASSWORD
from pmhc.platform import services as platform_services
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import OutboundEmail, Role
from pmhc.response.tests.factories import member
from pmhc.testing.browser import follow, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_referral_loop_closes(new_page: Any, live_server: Any) -> None:
    w = referral_world()
    for user in (w.officer, w.intake):
        user.set_password(PASSWORD)
        user.save()
    w.consent()

    page = new_page()
    sign_in(page, w.officer.username, PASSWORD)
    visit(page, f"/operate/encounters/{w.encounter.pk}/")
    follow(page, page.get_by_role("link", name="Refer this person"))
    page.get_by_label("Person referred").select_option(label="Vale, Robin")
    page.get_by_label("Service").select_option(value=str(w.service.pk))
    page.get_by_label("Reason for the referral").fill(REASON)
    follow(page, page.get_by_role("button", name="Send the referral"))
    referral = Referral.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Referral {referral.pk}")
    expect(page.locator(".usa-tag").first).to_have_text("Sent")
    sign_out(page)

    sign_in(page, w.intake.username, PASSWORD)
    visit(page, "/operate/care/referrals/received/")
    follow(page, page.get_by_role("link", name=f"Referral {referral.pk}"))
    expect(page.get_by_text("Vale, Robin")).to_be_visible()
    expect(page.get_by_text(REASON)).to_be_visible()
    assert NARRATIVE not in page.content()
    follow(page, page.get_by_role("button", name="Accept"))
    expect(page.locator(".usa-tag").first).to_have_text("Accepted")
    day = (timezone.localtime(timezone.now(), w.hospital.zone) + dt.timedelta(days=2)).date()
    page.get_by_label("Appointment date and time").fill(f"{day}T10:30")
    follow(page, page.get_by_role("button", name="Schedule", exact=True))
    expect(page.locator(".usa-tag").first).to_have_text("Scheduled")
    sign_out(page)

    sign_in(page, w.officer.username, PASSWORD)
    visit(page, f"/operate/care/referrals/{referral.pk}/")
    expect(page.locator(".usa-tag").first).to_have_text("Scheduled")
    expect(page.get_by_text(f"{day} 10:30")).to_be_visible()

    # The hospital's records system moves it to "attended" with its own key.
    admin = member(w.hospital, Role.ADMINISTRATOR)
    _key, raw = platform_services.create_api_key(
        actor_for_user(admin), organization=w.hospital, name="EHR", scopes=["referrals:write"]
    )
    referral.refresh_from_db()
    task = referral_fhir.task(referral, person_name=None)
    task["businessStatus"] = {
        "coding": [{"system": referral_fhir.STATE_SYSTEM, "code": "attended"}]
    }
    answer = page.request.put(
        f"{live_server.url}/api/v1/care/fhir/Task/{referral.fhir_id}",
        data=task,
        headers={"Authorization": f"Api-Key {raw}", "Content-Type": "application/fhir+json"},
    )
    assert answer.status == 200, answer.text()
    visit(page, f"/operate/care/referrals/{referral.pk}/")
    expect(page.locator(".usa-tag").first).to_have_text("First appointment attended")

    # A referral that has not moved for eight days reminds its sender.
    stalled = w.send(consent=False)
    Referral.objects.filter(pk=stalled.pk).update(sent_at=timezone.now() - dt.timedelta(days=8))
    assert referral_services.remind_stalled() == 1
    for queued in OutboundEmail.objects.all():
        platform_services.deliver_email(message_id=queued.pk)
    assert [m.to for m in mail.outbox] == [[w.officer.email]]
    visit(page, "/operate/care/referrals/stalled/")
    expect(page.get_by_role("link", name=f"Referral {stalled.pk}")).to_be_visible()
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.ATTENDED
