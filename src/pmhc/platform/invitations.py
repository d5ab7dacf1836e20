"""The text of the invitation a new member receives (a link to choose a password)."""

from __future__ import annotations

from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from pmhc.platform.models import Organization, User


def password_link(*, user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return base_url.rstrip("/") + path


def invitation_message(*, user: User, organization: Organization, base_url: str) -> tuple[str, str]:
    subject = _("You have been added to %(org)s on pmhc") % {"org": organization.name}
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
    return subject, body
