"""TTA staff remove a site's coordinator or withdraw an invitation; a site that left the
directory, or a declined request, no longer opens the request to the site."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from pmhc.platform.access import actor_for_user
from pmhc.platform.models import AuditEvent, MemberInvitation, Membership
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import TAStatus
from pmhc.toolkit.services import assistance, site_work
from pmhc.toolkit.tests.test_site_work import client_for, world  # noqa: F401


def test_tta_staff_remove_a_coordinator(cast, world):  # noqa: F811
    membership = Membership.objects.get(user=world.coordinator)
    url = reverse("sites_account_remove", args=[world.site.pk])
    data = {"membership": membership.pk}
    anonymous = Client().post(url, data)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    for user in (cast.admin, cast.member, world.coordinator, world.other_coordinator):
        assert client_for(user).post(url, data).status_code == 404, user.username
    membership.refresh_from_db()
    assert membership.is_active
    page = client_for(world.staff).get(reverse("sites_detail", args=[world.site.pk]))
    assert f"Remove {world.coordinator.display_name}" in page.content.decode()
    # Another site's coordinator cannot be removed from this site's page.
    other = Membership.objects.get(user=world.other_coordinator)
    refused = client_for(world.staff).post(url, {"membership": other.pk}, follow=True)
    assert "That person is not a coordinator of this site." in refused.content.decode()
    other.refresh_from_db()
    assert other.is_active
    response = client_for(world.staff).post(url, data)
    assert response.status_code == 302
    membership.refresh_from_db()
    assert not membership.is_active
    event = AuditEvent.objects.get(action=ToolkitAudit.SITE_ACCOUNT_REMOVED)
    assert (event.actor_id, event.organization_id) == (world.staff.pk, world.tta.pk)
    # The removed coordinator no longer reaches the site's requests; again changes nothing.
    gone = client_for(world.coordinator).get(reverse("site_request", args=[world.ta.reference]))
    assert gone.status_code in {403, 404}
    assert client_for(world.staff).post(url, data).status_code == 302
    assert AuditEvent.objects.filter(action=ToolkitAudit.SITE_ACCOUNT_REMOVED).count() == 1


def test_tta_staff_withdraw_an_invitation(cast, world):  # noqa: F811
    invite = reverse("sites_invite", args=[world.site.pk])
    assert client_for(world.staff).post(invite, {"email": "new@site.example.org"}).status_code
    invitation = MemberInvitation.objects.get(email="new@site.example.org")
    url = reverse("sites_invitation_cancel", args=[world.site.pk])
    for user in (cast.admin, world.coordinator):
        assert client_for(user).post(url, {"invitation": invitation.pk}).status_code == 404
    page = client_for(world.staff).get(reverse("sites_detail", args=[world.site.pk]))
    assert "Withdraw the invitation to new@site.example.org" in page.content.decode()
    assert client_for(world.staff).post(url, {"invitation": invitation.pk}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None
    assert AuditEvent.objects.filter(
        action=ToolkitAudit.SITE_ACCOUNT_REMOVED, detail="invitation withdrawn"
    ).exists()
    page = client_for(world.staff).get(reverse("sites_detail", args=[world.site.pk]))
    assert "new@site.example.org" not in page.content.decode()
    # Withdrawing it again is no failure.
    assert client_for(world.staff).post(url, {"invitation": invitation.pk}).status_code == 302


def test_a_site_that_left_or_a_declined_request_no_longer_opens_it(world):  # noqa: F811
    site_org = world.site.organization_id
    assert site_org in world.ta.access_organization_ids()
    world.site.is_active = False
    world.site.save(update_fields=["is_active"])
    world.ta.refresh_from_db()
    assert world.ta.access_organization_ids() == frozenset({world.tta.pk})
    world.site.is_active = True
    world.site.is_former = True
    world.site.save(update_fields=["is_active", "is_former"])
    world.ta.refresh_from_db()
    assert site_org not in world.ta.access_organization_ids()
    page = client_for(world.coordinator).get(reverse("site_requests"))
    assert world.ta.reference not in page.content.decode()
    world.site.is_former = False
    world.site.save(update_fields=["is_former"])
    world.ta.refresh_from_db()
    assert site_org in world.ta.access_organization_ids()
    declined = assistance.decline_request(
        actor_for_user(world.staff), ta_request=world.ta, reason="Out of scope."
    )
    assert declined.status == TAStatus.DECLINED
    assert site_org not in declined.access_organization_ids()
    url = reverse("site_request", args=[world.ta.reference])
    assert client_for(world.coordinator).get(url).status_code in {403, 404}
    assert world.ta.reference not in (
        client_for(world.coordinator).get(reverse("site_requests")).content.decode()
    )
    assert site_work.site_recipients(world.site) == [world.coordinator.email]
