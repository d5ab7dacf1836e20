"""The text of the invitation a person receives when an administrator adds them by e-mail.

Every address gets the same message, so neither the organization's list of sent mail nor
anything else tells the administrator a new address from one that already has an account.
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
    """A link to choose a password, for an account an operator made (``pmhc bootstrap``)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return base_url.rstrip("/") + path


def invitation_subject(organization: Organization) -> str:
    return _("Invitation to join %(org)s on pmhc") % {"org": organization.name}


def invitation_message(
    *, invitation: MemberInvitation, token: str, base_url: str
) -> tuple[str, str]:
    """The one message every invited address gets, whether or not it has an account: the
    greeting names no one, and the link's page says what to do (sign in, or create the
    account)."""
    organization = invitation.organization
    link = base_url.rstrip("/") + reverse("invitation_accept", kwargs={"token": token})
    body = _(
        "Hello,\n\n"
        "An administrator of %(org)s invites you to join it on pmhc, the platform your agency "
        "and its mental health partners use for police–mental health collaboration, as "
        "%(role)s.\n\n"
        "Open this link (it works until %(expires)s):\n%(link)s\n\n"
        "If you already have a pmhc account with this address, sign in with it there to "
        "accept; it stays as it is unless you do. If you do not, you can create your account "
        "there.\n\n"
        "Once you join, the administrators of %(org)s will see your name, username and "
        "e-mail address, and can change your role in %(org)s or end your membership.\n\n"
        "If you did not expect this message, you can ignore it; the invitation then expires.\n"
    ) % {
        "org": organization.name,
        "role": invitation.get_role_display(),
        "expires": in_zone(invitation.expires_at, organization.time_zone),
        "link": link,
    }
    return invitation_subject(organization), body
