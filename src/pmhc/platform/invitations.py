"""The text of the invitations a person receives when an administrator adds them by e-mail.

Both kinds carry the same subject, so the organization's list of sent mail does not tell a
new address from one that already has an account.
"""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from pmhc.platform.models import MemberInvitation, Organization, User
from pmhc.platform.timefmt import in_zone


def password_link(*, user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return base_url.rstrip("/") + path


def invitation_subject(organization: Organization) -> str:
    return _("Invitation to join %(org)s on pmhc") % {"org": organization.name}


def invitation_message(*, user: User, organization: Organization, base_url: str) -> tuple[str, str]:
    """For an address new to pmhc: the account exists already, and only needs a password."""
    body = _(
        "Hello %(name)s,\n\n"
        "An administrator of %(org)s added you to pmhc, the platform your agency and its "
        "mental health partners use for police–mental health collaboration.\n\n"
        "Your username is: %(username)s\n\n"
        "Choose your password here (the link works once, for one hour):\n%(link)s\n\n"
        "If you did not expect this message, you can ignore it.\n"
    ) % {
        "name": user.display_name,
        "org": organization.name,
        "username": user.username,
        "link": password_link(user=user, base_url=base_url),
    }
    return invitation_subject(organization), body


def existing_account_invitation_message(
    *, invitation: MemberInvitation, token: str, base_url: str
) -> tuple[str, str]:
    """For an address that already has a pmhc account: nothing changes unless its owner
    accepts. The greeting names no one: the administrator typed only an address."""
    organization = invitation.organization
    link = base_url.rstrip("/") + reverse("invitation_accept", kwargs={"token": token})
    body = _(
        "Hello,\n\n"
        "An administrator of %(org)s invites you to join it on pmhc, as %(role)s.\n\n"
        "Your pmhc account stays as it is unless you accept. To accept, sign in to pmhc with "
        "your existing account and open this link (it works until %(expires)s):\n%(link)s\n\n"
        "Once you accept, the administrators of %(org)s will see your name, username and "
        "e-mail address, and can change your role in %(org)s or end your membership.\n\n"
        "If you did not expect this message, you can ignore it; the invitation then expires.\n"
    ) % {
        "org": organization.name,
        "role": invitation.get_role_display(),
        "expires": in_zone(invitation.expires_at, organization.time_zone),
        "link": link,
    }
    return invitation_subject(organization), body
