"""The done-when of consent, in a browser: the agency's coordinator records a person's consent
(the form's errors first), a case manager of the agency reads the mental health center's
clinical note under it and sees which consent allowed it, the coordinator revokes it, and the
case manager's next read is refused. Axe checks every page."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch import unit_services
from pmhc.dispatch.models import AssignmentStatus
from pmhc.dispatch.tests.units import crisis_team
from pmhc.people import services as people_services
from pmhc.people.models import Consent
from pmhc.platform.models import Purpose, Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory
from pmhc.response import contact_services
from pmhc.response.models import RiskLevel
from pmhc.testing.browser import follow, sign_in, sign_out, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOTE = "Agreed to meet the peer worker on Friday"


def tick(page: Page, label: str) -> None:
    """Check a USWDS checkbox by its label (the input itself is drawn by the label)."""
    page.locator("label.usa-checkbox__label").filter(
        has_text=re.compile(f"^{re.escape(label)}$")
    ).check()


def test_a_revoked_consent_stops_the_read_across_organizations(page: Page, cast: Cast) -> None:
    case_manager = UserFactory.create(username="casey", password=PASSWORD)
    MembershipFactory.create(user=case_manager, organization=cast.agency, role=Role.CASE_MANAGER)
    person = people_services.create_person(
        cast.actor(cast.colleague),
        organization=cast.agency,
        purpose=Purpose.ACTIVE_CALL,
        family_name="Okafor",
        given_name="Dee",
    )
    unit = crisis_team(cast)
    dispatch_services.link_person(
        cast.actor(cast.colleague), call=unit.call, person=person, role="subject"
    )
    unit_services.advance(
        cast.actor(cast.partner_user), assignment=unit.assignment, to=AssignmentStatus.ACCEPTED
    )
    # The mental health center's clinician on the team files the clinical note.
    note = contact_services.file_contact_note(
        cast.actor(cast.partner_user),
        assignment=unit.assignment,
        person=person,
        risk_level=RiskLevel.LOW,
        assessment_done=True,
        note=NOTE,
    )
    note_url = reverse("response_contact", args=[note.pk])

    # Without a consent the agency's case manager cannot read it.
    sign_in(page, "casey", PASSWORD)
    visit(page, note_url, status=404)
    sign_out(page)

    # The coordinator, who keeps the agency's consents, records one.
    sign_in(page, "member", PASSWORD)
    visit(page, reverse("people_consents", args=[person.pk]))
    expect(page.get_by_role("main")).to_contain_text("No consent recorded.")
    follow(page, page.get_by_role("link", name="Record a consent"))
    page.get_by_label("Given by").select_option("representative")
    tick(page, "Clinical records")
    tick(page, "Case management")
    follow(page, page.get_by_role("button", name="Record the consent"))
    summary = page.locator(".pmhc-error-summary")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link").first).to_contain_text("Representative's name")
    assert not Consent.objects.exists()

    page.get_by_label("Representative's name").fill("Ruth Okafor")
    page.get_by_label("Representative's relationship to the person").fill("Guardian")
    tick(page, "Agency PD")
    tick(page, "Clinical records")
    tick(page, "Case management")
    follow(page, page.get_by_role("button", name="Record the consent"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Consent of Okafor, Dee")
    expect(page.get_by_role("main")).to_contain_text("Ruth Okafor (Guardian)")
    consent = Consent.objects.get()
    sign_out(page)

    # The case manager reads the note, with the consent that allowed it named under it.
    sign_in(page, "casey", PASSWORD)
    visit(page, note_url)
    expect(page.get_by_role("main")).to_contain_text(NOTE)
    basis = page.get_by_role("note", name="Why this is shown")
    expect(basis).to_contain_text("Shared under consent of")
    expect(basis).to_contain_text("given by their legal representative, until revoked")
    sign_out(page)

    # The coordinator revokes it, after a confirmation.
    sign_in(page, "member", PASSWORD)
    visit(page, reverse("people_consent", args=[person.pk, consent.pk]))
    follow(page, page.get_by_role("link", name="Revoke"))
    follow(page, page.get_by_role("button", name="Revoke the consent"))
    expect(page.get_by_role("main")).to_contain_text("it no longer lets any data cross")
    sign_out(page)

    # The case manager's very next read is refused.
    sign_in(page, "casey", PASSWORD)
    visit(page, note_url, status=404)
    expect(page.get_by_role("main")).not_to_contain_text(NOTE)
