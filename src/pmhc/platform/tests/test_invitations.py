"""Adding a member by e-mail: the administrator learns nothing about an existing account, and
that account joins only when its owner accepts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from pmhc.platform import invitation_services, services
from pmhc.platform.models import (
    AuditAction,
    AuditEvent,
    MemberInvitation,
    Membership,
    OutboundEmail,
    User,
)


def members_url(cast) -> str:
    return reverse("member_list", kwargs={"slug": cast.agency.slug})


def invite(cast, email: str, **fields: str):
    data = {"email": email, "role": "officer", "shift": "Night", "district": "North", **fields}
    return cast.client(cast.admin).post(members_url(cast), data, follow=True)


def link_in(message: OutboundEmail) -> str:
    found = re.search(r"https?://[^/\s]+(/accounts/invitations/[^/\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def invitation_link(email: str) -> str:
    return link_in(OutboundEmail.objects.filter(purpose="invitation", to=[email]).latest("pk"))


def test_adding_another_organizations_person_reveals_nothing_and_attaches_nothing(cast):
    """The reported finding: the page named the account ("Riley Rivers was added as Analyst")
    and the account was a member at once."""
    outsider = cast.outsider
    outsider.first_name, outsider.last_name = "Riley", "Rivers"
    outsider.username = "rrivers77"  # unlike the address, so that a leak of it shows
    outsider.save(update_fields=["first_name", "last_name", "username"])
    response = invite(cast, outsider.email.upper(), first_name="Someone", role="analyst")
    text = response.content.decode()
    assert response.status_code == 200
    assert "An invitation was sent to that address." in text
    assert "Riley" not in text and "Rivers" not in text and outsider.username not in text
    assert outsider.email in text  # the pending invitation, by the address typed
    assert not Membership.objects.filter(user=outsider, organization=cast.agency).exists()
    invitation = MemberInvitation.objects.get(organization=cast.agency)
    assert (invitation.email, invitation.role) == (outsider.email, "analyst")
    assert (invitation.shift, invitation.district) == ("", "")  # analysts have no post
    # Nothing about the account in the agency's trail or its list of sent mail.
    for event in AuditEvent.objects.filter(organization_id=cast.agency.pk):
        blob = f"{event.actor_name} {event.object_id} {event.before} {event.after} {event.detail}"
        assert "Rivers" not in blob and outsider.username not in blob
        assert event.object_type != "platform.user"
    mail_page = cast.client(cast.admin).get(reverse("email_list", args=[cast.agency.slug]))
    assert "Rivers" not in mail_page.content.decode()
    outsider.refresh_from_db()
    assert (outsider.first_name, outsider.last_name) == ("Riley", "Rivers")  # left as it was


def test_a_new_address_and_an_existing_one_read_the_same(cast):
    new = invite(cast, "brand.new@example.org", first_name="Nova", last_name="Reed")
    existing = invite(cast, cast.partner_user.email)
    messages = [
        re.findall(
            r'usa-alert--success.*?<p class="usa-alert__text">(.*?)</p>', r.content.decode(), re.S
        )
        for r in (new, existing)
    ]
    assert messages[0] == messages[1] == ["An invitation was sent to that address."]
    subjects = set(
        OutboundEmail.objects.filter(purpose="invitation").values_list("subject", flat=True)
    )
    assert subjects == {"Invitation to join Agency PD on pmhc"}
    # The new address got its account (and a link to choose a password) as before.
    assert Membership.objects.filter(user__email="brand.new@example.org").exists()


def test_the_invited_person_accepts_and_joins_on_the_terms_offered(cast):
    invite(cast, cast.outsider.email, role="supervisor", shift="Days", district="East")
    message = OutboundEmail.objects.get(purpose="invitation", to=[cast.outsider.email])
    assert "Hello,\n" in message.body  # named no one: the administrator typed an address
    assert "stays as it is unless you accept" in message.body
    link = link_in(message)
    client = cast.client(cast.outsider)
    page = client.get(link)
    assert page.status_code == 200
    assert "invites you to join it as Supervisor" in page.content.decode()
    assert not Membership.objects.filter(user=cast.outsider, organization=cast.agency).exists()

    response = client.post(link)
    assert response.status_code == 302
    membership = Membership.objects.get(user=cast.outsider, organization=cast.agency)
    assert (membership.role, membership.shift, membership.district, membership.is_active) == (
        "supervisor",
        "Days",
        "East",
        True,
    )
    invitation = MemberInvitation.objects.get()
    assert invitation.accepted_by == cast.outsider and invitation.accepted_at is not None
    event = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_CREATED)
    assert (event.organization_id, event.actor_id) == (cast.agency.pk, cast.outsider.pk)
    assert event.detail == f"accepted invitation {invitation.pk}"
    # The other membership is untouched, and the link does not work twice.
    assert cast.outsider.memberships.count() == 2
    again = client.post(link)
    assert again.status_code == 410
    assert Membership.objects.filter(user=cast.outsider).count() == 2
    # Now a member, the person appears by name in the list.
    listing = cast.client(cast.admin).get(members_url(cast)).content.decode()
    assert cast.outsider.display_name in listing


def test_another_signed_in_account_cannot_accept(cast):
    invite(cast, cast.outsider.email)
    link = invitation_link(cast.outsider.email)
    events = AuditEvent.objects.count()
    for user in (cast.member, cast.partner_user, cast.admin):
        client = cast.client(user)
        assert client.get(link).status_code == 404
        assert client.post(link).status_code == 404
    assert cast.client(None).get(link)["Location"].startswith(reverse("login"))
    assert not Membership.objects.filter(user=cast.outsider, organization=cast.agency).exists()
    assert not Membership.objects.filter(user=cast.partner_user, organization=cast.agency).exists()
    assert AuditEvent.objects.count() == events
    assert MemberInvitation.objects.get().accepted_at is None


def test_a_made_up_link_is_404(cast):
    client = cast.client(cast.outsider)
    url = reverse("invitation_accept", kwargs={"token": "not-a-real-token"})
    assert client.get(url).status_code == 404


def test_an_expired_invitation_cannot_be_accepted(cast, monkeypatch):
    invite(cast, cast.outsider.email)
    link = invitation_link(cast.outsider.email)
    later = timezone.now() + invitation_services.INVITATION_VALID_FOR + dt.timedelta(minutes=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client = cast.client(cast.outsider)
    page = client.get(link)
    assert page.status_code == 410
    assert "expired or was withdrawn" in page.content.decode()
    assert client.post(link).status_code == 410
    assert not Membership.objects.filter(user=cast.outsider, organization=cast.agency).exists()
    listing = cast.client(cast.admin).get(members_url(cast)).content.decode()
    assert "Expired" in listing
    # An expired invitation no longer stands in the way of a new one.
    assert (
        "An invitation was sent to that address."
        in invite(cast, cast.outsider.email).content.decode()
    )


def test_a_cancelled_invitation_stops_working_and_is_audited(cast):
    invite(cast, cast.outsider.email)
    link = invitation_link(cast.outsider.email)
    invitation = MemberInvitation.objects.get()
    url = reverse(
        "member_invitation_cancel", kwargs={"slug": cast.agency.slug, "pk": invitation.pk}
    )
    events = AuditEvent.objects.count()
    for user in (cast.member, cast.outsider):
        assert cast.client(user).post(url).status_code == 404
    assert AuditEvent.objects.count() == events
    assert cast.client(cast.admin).get(url).status_code == 405
    assert cast.client(cast.admin).post(url).status_code == 302
    invitation.refresh_from_db()
    assert invitation.cancelled_at is not None
    event = AuditEvent.objects.get(
        action=AuditAction.MEMBER_INVITATION_CANCELLED, object_type="platform.memberinvitation"
    )
    assert (event.organization_id, event.actor_id) == (cast.agency.pk, cast.admin.pk)
    assert cast.client(cast.outsider).post(link).status_code == 410
    assert not Membership.objects.filter(user=cast.outsider, organization=cast.agency).exists()
    assert (
        cast.outsider.email not in cast.client(cast.admin).get(members_url(cast)).content.decode()
    )


def test_a_second_invitation_while_one_waits_is_a_clear_error(cast):
    invite(cast, cast.outsider.email)
    response = invite(cast, cast.outsider.email)
    assert response.status_code == 400
    assert "already waiting for an answer" in response.content.decode()
    assert MemberInvitation.objects.count() == 1


def test_only_a_hash_of_the_link_is_kept(cast):
    invite(cast, cast.outsider.email)
    token = invitation_link(cast.outsider.email).rstrip("/").rsplit("/", 1)[1]
    invitation = MemberInvitation.objects.get()
    assert invitation.token_hash == invitation_services.hash_token(token)
    assert token not in invitation.token_hash


def test_add_member_no_longer_attaches_an_existing_account(cast):
    with pytest.raises(PermissionDenied):
        services.add_member(
            cast.actor(cast.admin),
            organization=cast.agency,
            email=cast.outsider.email,
            role="officer",
        )
    assert not Membership.objects.filter(user=cast.outsider, organization=cast.agency).exists()


def test_an_outsider_cannot_invite_and_nothing_is_written(cast):
    rows = (MemberInvitation.objects.count(), AuditEvent.objects.count(), User.objects.count())
    response = cast.client(cast.outsider).post(
        members_url(cast), {"email": cast.partner_user.email, "role": "officer"}
    )
    assert response.status_code == 404
    assert (
        MemberInvitation.objects.count(),
        AuditEvent.objects.count(),
        User.objects.count(),
    ) == rows
    assert not OutboundEmail.objects.exists()


def test_member_list_with_invitations_uses_a_fixed_number_of_queries(
    cast, django_assert_max_num_queries
):
    for i in range(8):
        user = User.objects.create(username=f"elsewhere{i}", email=f"elsewhere{i}@example.org")
        invitation_services.add_or_invite_member(
            cast.actor(cast.admin), organization=cast.agency, email=user.email, role="officer"
        )
    client = cast.client(cast.admin)
    with django_assert_max_num_queries(13):
        assert client.get(members_url(cast)).status_code == 200
