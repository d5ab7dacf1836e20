"""The e-mail a person receives after a change to how their account signs in or where its mail
goes: what changed, when, and what to do if it was not them.

A stolen session or password shows itself here first, so the text is short and plain, and
says where to turn.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from pmhc.platform.models import User
from pmhc.platform.timefmt import in_zone


def masked(address: str) -> str:
    """``s…@example.org``: enough for the owner to recognise, not to hand an address on."""
    local, _at, domain = address.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def _reset_url() -> str:
    base = str(getattr(settings, "PUBLIC_BASE_URL", "") or "").rstrip("/")
    return base + reverse("password_reset")


def _body(*, user: User, what: str, when: dt.datetime, time_zone: str, if_not_you: str) -> str:
    return _(
        "Hello %(name)s,\n\n"
        "%(what)s\n\n"
        "When: %(when)s\n\n"
        "If this was you, there is nothing more to do.\n\n"
        "%(if_not_you)s\n"
    ) % {
        "name": user.display_name,
        "what": what,
        "when": in_zone(when, time_zone or "UTC"),
        "if_not_you": if_not_you,
    }


def _reset_advice() -> str:
    return _(
        "If it was not you, someone else may be using your account. Reset your password now "
        "at %(url)s, then tell the administrator of your organization in pmhc straight away, "
        "so they can check what was done in your name."
    ) % {"url": _reset_url()}


def password_changed(
    *, user: User, when: dt.datetime, time_zone: str, via_reset: bool
) -> tuple[str, str]:
    what = (
        _("The password of your pmhc account (username: %(username)s) was reset with a link.")
        if via_reset
        else _("The password of your pmhc account (username: %(username)s) was changed.")
    ) % {"username": user.username}
    return _("Your pmhc password was changed"), _body(
        user=user, what=what, when=when, time_zone=time_zone, if_not_you=_reset_advice()
    )


def authenticator_added(
    *, user: User, when: dt.datetime, time_zone: str, device: str, first: bool
) -> tuple[str, str]:
    what = (
        _(
            "Two-factor sign-in was turned on for your pmhc account (username: %(username)s), "
            "with the authenticator app “%(device)s”."
        )
        if first
        else _(
            "Another authenticator app, “%(device)s”, was added to your pmhc account "
            "(username: %(username)s). Its codes now work for signing in too."
        )
    ) % {"username": user.username, "device": device}
    return _("Two-factor sign-in changed on your pmhc account"), _body(
        user=user, what=what, when=when, time_zone=time_zone, if_not_you=_reset_advice()
    )


def authenticator_removed(
    *, user: User, when: dt.datetime, time_zone: str, devices: list[str], remaining: int
) -> tuple[str, str]:
    names = ", ".join(f"“{name}”" for name in devices)
    what = (
        _(
            "The authenticator app %(names)s was removed from your pmhc account "
            "(username: %(username)s). Your other authenticator apps still work."
        )
        if remaining
        else _(
            "Two-factor sign-in was turned off for your pmhc account (username: %(username)s): "
            "%(names)s removed. Signing in now needs only your password."
        )
    ) % {"username": user.username, "names": names}
    return _("Two-factor sign-in changed on your pmhc account"), _body(
        user=user, what=what, when=when, time_zone=time_zone, if_not_you=_reset_advice()
    )


def email_changed_to_old_address(
    *, user: User, when: dt.datetime, time_zone: str, new_email: str
) -> tuple[str, str]:
    what = _(
        "The e-mail address of your pmhc account (username: %(username)s) was changed from this "
        "address to %(new)s. Messages from pmhc, password reset links among them, now go there."
    ) % {"username": user.username, "new": masked(new_email)}
    # A reset link would now go to the new address, so only the administrator can help.
    if_not_you = _(
        "If it was not you, someone else may be using your account. Tell the administrator of "
        "your organization in pmhc straight away, so they can switch off the account's access "
        "and check what was done in your name."
    )
    return _("The e-mail address of your pmhc account was changed"), _body(
        user=user, what=what, when=when, time_zone=time_zone, if_not_you=if_not_you
    )


def email_changed_to_new_address(
    *, user: User, when: dt.datetime, time_zone: str, old_email: str
) -> tuple[str, str]:
    what = (
        _(
            "This is now the e-mail address of your pmhc account (username: %(username)s). "
            "It replaces %(old)s."
        )
        % {"username": user.username, "old": masked(old_email)}
        if old_email
        else _("This is now the e-mail address of your pmhc account (username: %(username)s).")
        % {"username": user.username}
    )
    return _("The e-mail address of your pmhc account was changed"), _body(
        user=user, what=what, when=when, time_zone=time_zone, if_not_you=_reset_advice()
    )


def email_change_confirmation(*, user: User, link: str, valid_hours: int) -> tuple[str, str]:
    """To the new address, before anything changes: the change waits for this link."""
    return _("Confirm the new e-mail address of your pmhc account"), _(
        "Hello,\n\n"
        "Someone signed in to the pmhc account %(username)s asked to make this the account's "
        "e-mail address. Nothing changes until you confirm. To confirm, sign in to pmhc as "
        "%(username)s and open this link (it works for %(hours)s hours):\n%(link)s\n\n"
        "If you did not ask for this, ignore this message: the address is not changed.\n"
    ) % {"username": user.username, "link": link, "hours": valid_hours}
