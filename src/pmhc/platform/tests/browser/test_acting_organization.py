"""A member of two organizations switches in the header and sees each one's calls, never a
mix. axe checks every page, the switch included."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from pmhc.conftest import PASSWORD, Cast
from pmhc.dispatch import services
from pmhc.platform.access import system_actor
from pmhc.platform.models import AuditAction, AuditEvent, Role
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.testing.browser import follow, primary_nav, sign_in, visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_of_two_organizations_switches_and_never_sees_a_mix(
    page: Page, cast: Cast
) -> None:
    # A crisis center with no agreement with the agency: whatever either shows is its own.
    center = OrganizationFactory.create(
        slug="valley", name="Valley Crisis Center", kind="behavioral_health"
    )
    user = UserFactory.create(username="two-hats", password=PASSWORD)
    MembershipFactory.create(user=user, organization=cast.agency, role=Role.OFFICER)
    MembershipFactory.create(user=user, organization=center, role=Role.CLINICIAN)
    seed = system_actor("test seed")
    now = timezone.now()
    for organization, cad_ids in ((cast.agency, ["PD-1001", "PD-1002"]), (center, ["VC-2001"])):
        for minutes, cad_id in enumerate(cad_ids):
            services.create_call(
                seed,
                organization=organization,
                cad_event_id=cad_id,
                received_at=now - dt.timedelta(minutes=minutes + 1),
            )

    sign_in(page, "two-hats", PASSWORD)
    visit(page, "/operate/calls/")
    switch = primary_nav(page).get_by_label("Acting for")
    expect(switch).to_have_value(str(cast.agency.pk))
    main = page.locator("main")
    for cad_id in ("PD-1001", "PD-1002"):
        expect(main).to_contain_text(cad_id)
    expect(main).not_to_contain_text("VC-2001")

    switch.select_option(label="Valley Crisis Center (Clinician)")
    follow(page, primary_nav(page).get_by_role("button", name="Switch"))
    assert page.url.endswith("/operate/calls/")
    expect(page.locator(".pmhc-messages")).to_contain_text("You now act for Valley Crisis Center.")
    expect(primary_nav(page).get_by_label("Acting for")).to_have_value(str(center.pk))
    expect(main).to_contain_text("VC-2001")
    for cad_id in ("PD-1001", "PD-1002"):
        expect(main).not_to_contain_text(cad_id)

    # The choice is remembered on the next page, and back again.
    visit(page, "/operate/calls/")
    expect(main).not_to_contain_text("PD-1001")
    primary_nav(page).get_by_label("Acting for").select_option(label="Agency PD (Officer)")
    follow(page, primary_nav(page).get_by_role("button", name="Switch"))
    expect(main).to_contain_text("PD-1001")
    expect(main).not_to_contain_text("VC-2001")

    switches = AuditEvent.objects.filter(action=AuditAction.ACTING_ORGANIZATION_CHOSEN)
    assert [e.organization_id for e in switches.order_by("sequence")] == [center.pk, cast.agency.pk]
