"""Adding a member by e-mail: always an invitation, the same whether or not the address has an
account; an existing account joins only when its owner accepts, and a new person creates their
account from the link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from pmhc.platform import invitation_services, services
from pmhc.platform.access import ANONYMOUS
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
    existing = invite(cast, cast.partner_user.email, first_name="Nova", last_name="Reed")
    messages = [
        re.findall(
            r'usa-alert--success.*?<p class="usa-alert__text">(.*?)</p>', r.content.decode(), re.S
        )
        for r in (new, existing)
    ]
    assert messages[0] == messages[1] == ["An invitation was sent to that address."]
    sent = OutboundEmail.objects.filter(purpose="invitation").order_by("pk")
    assert {m.subject for m in sent} == {"Invitation to join Agency PD on pmhc"}
    bodies = [re.sub(r"/accounts/invitations/[^/\s]+/", "LINK", m.body) for m in sent]
    assert bodies[0] == bodies[1]
    # Neither joins, and no account is made: both wait, listed the same way, by address.
    assert not User.objects.filter(email="brand.new@example.org").exists()
    assert not Membership.objects.filter(
        organization=cast.agency, user__email__in=["brand.new@example.org", cast.partner_user.email]
    ).exists()
    listing = cast.client(cast.admin).get(members_url(cast)).content.decode()
    rows = re.findall(r'<th scope="row">([^<]*@[^<]*)</th>(.*?)</tr>', listing, re.S)
    found = {
        email: re.sub(
            r"invitations/\d+/|(csrfmiddlewaretoken|pmhc_submit)\" value=\"[\w-]+|"
            + re.escape(email),
            "",
            row,
        )
        for email, row in rows
    }
    assert set(found) >= {"brand.new@example.org", cast.partner_user.email}
    assert found["brand.new@example.org"] == found[cast.partner_user.email]
    assert "Nova" not in listing and "Reed" not in listing
    # The administrator's only difference from before: none. The trail holds no account.
    for event in AuditEvent.objects.filter(action=AuditAction.MEMBER_INVITED):
        assert event.object_type == "platform.memberinvitation"


def test_the_invited_person_accepts_and_joins_on_the_terms_offered(cast):
    invite(cast, cast.outsider.email, role="supervisor", shift="Days", district="East")
    message = OutboundEmail.objects.get(purpose="invitation", to=[cast.outsider.email])
    assert "Hello,\n" in message.body  # named no one: the administrator typed an address
    assert "stays as it is unless you do" in message.body
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
    # The other membership is untouched, and the link does not work twice; opening it again
    # says so truthfully, not "expired or withdrawn".
    assert cast.outsider.memberships.count() == 2
    for again in (client.post(link, follow=True), client.get(link, follow=True)):
        assert again.status_code == 200
        text = again.content.decode()
        assert "You are already a member of Agency PD." in text
        assert "expired or was withdrawn" not in text
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
    # Signed out, the page asks for the invited account; posting does nothing.
    anonymous = cast.client(None)
    page = anonymous.get(link).content.decode()
    assert "Sign in to accept" in page and 'name="password1"' not in page
    assert anonymous.post(link).status_code == 200
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


def test_add_member_is_for_the_system_only(cast):
    """It adds at once, and said "username already exists" about another organization's
    account: people go through invitations."""
    for email in (cast.outsider.email, "brand.new@example.org"):
        with pytest.raises(PermissionDenied):
            services.add_member(
                cast.actor(cast.admin),
                organization=cast.agency,
                email=email,
                username=cast.outsider.username,
                role="officer",
            )
    assert not Membership.objects.filter(user=cast.outsider, organization=cast.agency).exists()
    assert not User.objects.filter(email="brand.new@example.org").exists()


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
        invitation_services.invite_member(
            cast.actor(cast.admin), organization=cast.agency, email=user.email, role="officer"
        )
    client = cast.client(cast.admin)
    with django_assert_max_num_queries(13):
        assert client.get(members_url(cast)).status_code == 200


def test_taking_the_invited_address_later_does_not_open_the_invitation(cast):
    """The review's finding: "mallory" set her address to the invited one with only her own
    password, then accepted. Only the accounts that had the address when it was made may."""
    invite(cast, cast.outsider.email)
    link = invitation_link(cast.outsider.email)
    mallory = cast.partner_user
    mallory.email = cast.outsider.email  # however she came by it
    mallory.save(update_fields=["email"])
    client = cast.client(mallory)
    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404
    assert not Membership.objects.filter(user=mallory, organization=cast.agency).exists()
    assert MemberInvitation.objects.get().accepted_at is None
    # The invited account still can.
    assert cast.client(cast.outsider).post(link).status_code == 302
    assert Membership.objects.filter(user=cast.outsider, organization=cast.agency).exists()


def test_an_invitation_records_every_account_that_had_the_address(cast):
    twin = User.objects.create(username="twin", email=cast.outsider.email.upper())
    invite(cast, cast.outsider.email)
    invitation = MemberInvitation.objects.get()
    assert set(invitation.accounts.all()) == {cast.outsider, twin}
    assert cast.client(twin).post(invitation_link(cast.outsider.email)).status_code == 302
    assert Membership.objects.filter(user=twin, organization=cast.agency).exists()


def signup(client, link: str, **fields: str):
    data = {"username": "nreed", "password1": "a long and unusual pass 42",
            "password2": "a long and unusual pass 42", **fields}  # fmt: skip
    return client.post(link, data)


def test_a_new_person_creates_their_account_from_the_link_and_joins(cast):
    invite(cast, "brand.new@example.org", first_name="Nova", last_name="Reed", role="officer")
    link = invitation_link("brand.new@example.org")
    client = cast.client(None)
    page = client.get(link).content.decode()
    assert 'name="password1"' in page and 'value="Nova"' in page and 'value="Reed"' in page
    # A taken username is a clear error, for the invitee only; nothing is made.
    taken = signup(client, link, username=cast.outsider.username.upper())
    assert taken.status_code == 400
    assert "That username is taken." in taken.content.decode()
    mismatch = signup(client, link, password2="something else entirely 1")
    assert mismatch.status_code == 400
    assert not User.objects.filter(email="brand.new@example.org").exists()
    response = signup(client, link, first_name="Nova", last_name="Reed-Ames")
    assert response.status_code == 302 and response["Location"] == reverse("login")
    user = User.objects.get(email="brand.new@example.org")
    assert (user.username, user.first_name, user.last_name) == ("nreed", "Nova", "Reed-Ames")
    assert user.check_password("a long and unusual pass 42")
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role, membership.shift) == (
        cast.agency, "officer", "Night"
    )  # fmt: skip
    invitation = MemberInvitation.objects.get()
    assert invitation.accepted_by == user
    assert set(
        AuditEvent.objects.filter(organization_id=cast.agency.pk).values_list("action", flat=True)
    ) >= {AuditAction.USER_CREATED, AuditAction.MEMBERSHIP_CREATED}
    joined = AuditEvent.objects.get(action=AuditAction.MEMBERSHIP_CREATED)
    assert (joined.actor_id, joined.detail) == (user.pk, f"accepted invitation {invitation.pk}")
    # The link does not make a second account.
    assert signup(cast.client(None), link, username="other").status_code == 410
    assert User.objects.filter(email="brand.new@example.org").count() == 1
    # Signed in, the new member is told they already belong.
    again = cast.client(user).get(link, follow=True).content.decode()
    assert "You are already a member of Agency PD." in again


def test_an_invitation_for_an_existing_account_cannot_make_a_new_one(cast):
    invite(cast, cast.outsider.email)
    link = invitation_link(cast.outsider.email)
    response = signup(cast.client(None), link, username="takeover")
    assert response.status_code == 200  # the sign-in page again; nothing made
    assert not User.objects.filter(username="takeover").exists()
    with pytest.raises(PermissionDenied):
        invitation_services.join_with_new_account(
            ANONYMOUS,
            token=link.rstrip("/").rsplit("/", 1)[1],
            username="takeover",
            password="a long and unusual pass 42",
        )
    assert not User.objects.filter(username="takeover").exists()


def test_a_new_account_invitation_asks_a_signed_in_person_to_sign_out(cast):
    invite(cast, "brand.new@example.org")
    link = invitation_link("brand.new@example.org")
    client = cast.client(cast.partner_user)
    page = client.get(link).content.decode()
    assert "sign out, then open the link again" in page and 'name="password1"' not in page
    assert signup(client, link).status_code == 200
    assert not User.objects.filter(email="brand.new@example.org").exists()
    assert not Membership.objects.filter(user=cast.partner_user, organization=cast.agency).exists()


def test_cancelling_an_accepted_invitation_says_so(cast):
    invite(cast, cast.outsider.email)
    cast.client(cast.outsider).post(invitation_link(cast.outsider.email))
    invitation = MemberInvitation.objects.get()
    url = reverse(
        "member_invitation_cancel", kwargs={"slug": cast.agency.slug, "pk": invitation.pk}
    )
    text = cast.client(cast.admin).post(url, follow=True).content.decode()
    assert "had already been accepted, so it was not cancelled" in text
    assert "was cancelled." not in text
    invitation.refresh_from_db()
    assert invitation.cancelled_at is None and invitation.accepted_at is not None
    assert not AuditEvent.objects.filter(action=AuditAction.MEMBER_INVITATION_CANCELLED).exists()
    # And twice: the second says it was already done.
    invite(cast, "brand.new@example.org")
    second = MemberInvitation.objects.get(email="brand.new@example.org")
    url = reverse("member_invitation_cancel", kwargs={"slug": cast.agency.slug, "pk": second.pk})
    assert "was cancelled." in cast.client(cast.admin).post(url, follow=True).content.decode()
    assert (
        "had already been cancelled"
        in cast.client(cast.admin).post(url, follow=True).content.decode()
    )
