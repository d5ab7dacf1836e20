"""Writes about signing in: logons, throttling, sign-outs, passwords, e-mail address,
two-factor devices.

CJIS Security Policy 5.4 asks for logons (success and failure), password changes and privileged
actions in the audit trail; failed logons are counted from the trail itself, so the throttle
holds across every server process without another store.

A signed-in session alone never changes how the account signs in or where its mail goes: a
stolen or unattended session would otherwise become a stolen account. Those changes take an
``IdentityConfirmed`` that only ``confirm_identity`` makes (the password and, with two-factor
sign-in on, a current code), and each one is e-mailed to the account's owner.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from pmhc.platform import account_notices, audit
from pmhc.platform.access import ANONYMOUS, Actor
from pmhc.platform.context import current as current_request
from pmhc.platform.models import AuditAction, Membership, Organization, Outcome, User

#: The first authenticator app's name when its owner gives none.
DEFAULT_DEVICE_NAME = "Authenticator app"
DEVICE_NAME_MAX = 64


@dataclass(frozen=True)
class Throttle:
    blocked: bool
    retry_after_minutes: int = 0


def _normal(username: str) -> str:
    return username.strip().lower()[:150]


def throttle_name(username: str) -> str:
    """The name the throttle counts failures under (and a known-device cookie names)."""
    return _normal(username)


def login_throttle(*, username: str, client_ip: str | None, known_device: bool = False) -> Throttle:
    """Too many recent failures for this account block the next try; so do too many recent
    failures from this address, whatever names they were for.

    The per-address limit holds for every name, so guessing one common password against many
    names (password spraying) gets ``LOGIN_FAILURE_LIMIT_PER_IP`` tries per window from an
    address, not one per name. Whether the name is a real account plays no part: refusing
    unknown names sooner would tell a guesser which names exist.

    Behind a proxy that pmhc does not trust (or a shared office NAT) every user has the same
    address, and made-up names could then lock them all out. ``known_device`` is the way
    through: the browser holds the signed cookie that a full sign-in to *this* account set
    (``account_views``), so its attempt skips the per-address limit. It never skips the
    account's own limit.
    """
    now = timezone.now()
    window = dt.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    since = now - window
    limit = settings.LOGIN_FAILURE_LIMIT
    by_account = audit.recent_times(
        AuditAction.LOGIN_FAILED, since=since, object_id=_normal(username), limit=limit
    )
    if len(by_account) >= limit:
        # The oldest of the last ``limit`` failures leaves the window first.
        return Throttle(True, _minutes_until(by_account[-1] + window, now))
    if known_device or not client_ip:
        return Throttle(False)
    per_ip = settings.LOGIN_FAILURE_LIMIT_PER_IP
    by_address = audit.recent_times(
        AuditAction.LOGIN_FAILED, since=since, client_ip=client_ip, limit=per_ip
    )
    if len(by_address) < per_ip:
        return Throttle(False)
    return Throttle(True, _minutes_until(by_address[-1] + window, now))


def _minutes_until(moment: dt.datetime, now: dt.datetime) -> int:
    return max(1, round((moment - now).total_seconds() / 60 + 0.5))


@transaction.atomic
def record_login(*, user: User, actor: Actor, second_factor: bool) -> None:
    audit.record(
        AuditAction.LOGIN_SUCCEEDED,
        actor=actor,
        organization_id=actor.organization_id,
        obj=user,
        detail="password and one-time code" if second_factor else "password",
    )


@transaction.atomic
def choose_acting_organization(actor: Actor, *, organization_id: int) -> None:
    """A member of several organizations chooses the one they act for (the header switch).
    Only one of their active memberships may be chosen; the caller keeps the choice in the
    session. The event goes to the chosen organization's trail."""
    if actor.kind != "user" or organization_id not in {
        m.organization_id for m in actor.memberships
    }:
        raise PermissionDenied("not one of the person's active memberships")
    audit.record(
        AuditAction.ACTING_ORGANIZATION_CHOSEN,
        actor=actor,
        organization_id=organization_id,
        object_type="platform.organization",
        object_id=organization_id,
        before={"organization_id": actor.organization_id},
        after={"organization_id": organization_id},
    )


@transaction.atomic
def record_login_failure(*, username: str, throttled: bool = False, reason: str = "") -> None:
    # Attributed to the account's first organization when the name is known, so that its
    # administrators see attempts against their members.
    organization_id = (
        Membership.objects.filter(user__username__iexact=username.strip(), is_active=True)
        .order_by("created_at", "pk")
        .values_list("organization_id", flat=True)
        .first()
    )
    audit.record(
        AuditAction.LOGIN_THROTTLED if throttled else AuditAction.LOGIN_FAILED,
        actor=ANONYMOUS,
        organization_id=organization_id,
        actor_name=f"sign-in as {_normal(username)}",
        object_type="account",
        object_id=_normal(username),
        outcome=Outcome.FAILURE,
        detail=reason,
    )


@transaction.atomic
def record_logout(*, actor: Actor) -> None:
    if actor.is_authenticated:
        audit.record(
            AuditAction.LOGOUT,
            actor=actor,
            organization_id=actor.organization_id,
            object_type="platform.user",
            object_id=str(actor.user_id),
        )


# --- Proving it is the account's owner, not only their session ------------------------------


@dataclass(frozen=True)
class IdentityConfirmed:
    """The signed-in person has just given their password and, if they use two-factor sign-in,
    a current code. Made only by ``confirm_identity``; the services below refuse without it."""

    user_id: int
    with_code: bool


@dataclass(frozen=True)
class IdentityRefused:
    #: The form field the message belongs to, or "" for the form as a whole.
    field: str
    message: str


def has_second_factor(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _match_code(user: User, token: str) -> TOTPDevice | None:
    """The confirmed device whose current code ``token`` is, if any (each code works once)."""
    devices = list(TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"))
    for device in devices:
        if device.verify_token(token):
            # Trying the code on the person's other apps counted as a wrong code on each of
            # them; a right code clears that, or every use of a second app would slow the first.
            for other in devices:
                if other.pk != device.pk and other.throttling_failure_count:
                    other.throttle_reset()
            return device
    return None


def _record_refusal(action: AuditAction, *, actor: Actor, user: User, detail: str) -> None:
    # Recorded like a failed sign-in (same object), so ``login_throttle`` counts it.
    audit.record(
        action,
        actor=actor,
        organization_id=actor.organization_id,
        object_type="account",
        object_id=_normal(user.username),
        outcome=Outcome.FAILURE,
        detail=detail,
    )


@transaction.atomic
def confirm_identity(
    *, actor: Actor, user: User, password: str, code: str, change: str
) -> IdentityConfirmed | IdentityRefused:
    """Check the password and, with two-factor sign-in on, a current code, before ``change``
    (words for the audit trail). Failures count towards the sign-in throttle and are audited;
    they are returned, not raised, so that their record is kept."""
    if not actor.is_authenticated or actor.user_id != user.pk:
        raise PermissionDenied("only the account's owner may confirm their identity")
    throttle = login_throttle(username=user.username, client_ip=client_ip())
    if throttle.blocked:
        _record_refusal(
            AuditAction.LOGIN_THROTTLED,
            actor=actor,
            user=user,
            detail=f"{change}: refused after too many failures",
        )
        return IdentityRefused(
            "",
            _(
                "Too many wrong passwords or codes. For your account's safety, try again in "
                "%(minutes)s minutes."
            )
            % {"minutes": throttle.retry_after_minutes},
        )
    if not user.check_password(password):
        _record_refusal(
            AuditAction.LOGIN_FAILED, actor=actor, user=user, detail=f"{change}: wrong password"
        )
        return IdentityRefused(
            "current_password", _("That is not your current password. Check it and try again.")
        )
    with_code = has_second_factor(user)
    if with_code:
        if second_factor_wait(user=user):
            # Not a failure: the code was not even checked. Say so rather than "wrong code".
            return IdentityRefused(
                "current_code",
                _("Wait a few seconds after a wrong code, then enter the current one."),
            )
        if _match_code(user, code) is None:
            _record_refusal(
                AuditAction.TWO_FACTOR_FAILED,
                actor=actor,
                user=user,
                detail=f"{change}: wrong code",
            )
            _record_refusal(
                AuditAction.LOGIN_FAILED,
                actor=actor,
                user=user,
                detail=f"{change}: wrong one-time code",
            )
            return IdentityRefused(
                "current_code",
                _("That code is not right or has expired. Enter the one your app shows now."),
            )
    return IdentityConfirmed(user_id=user.pk, with_code=with_code)


def _require_proof(actor: Actor, user: User, proof: IdentityConfirmed | None) -> None:
    if (
        proof is None
        or not actor.is_authenticated
        or proof.user_id != user.pk
        or actor.user_id != user.pk
    ):
        raise PermissionDenied("this change needs the account's password and a current code")
    if not proof.with_code and has_second_factor(user):
        # A device was confirmed since the check: the proof no longer covers this account.
        raise PermissionDenied("this change needs a current code from the authenticator app")


def _home_organization(actor: Actor, user: User) -> Organization | None:
    """Where a notice to ``user`` is listed (and can be sent again if the mail server fails):
    the organization they act for, or, when someone else acts (a reset by e-mail), the one
    they would act for by default, their oldest active membership."""
    if actor.user_id == user.pk and actor.organization_id is not None:
        return Organization.objects.filter(pk=actor.organization_id).first()
    return (
        Organization.objects.filter(memberships__user=user, memberships__is_active=True)
        .order_by("memberships__created_at", "memberships__pk")
        .first()
    )


def _notify(actor: Actor, user: User, *, to: str, message: tuple[str, str]) -> None:
    from pmhc.platform.services import queue_email

    if not to:
        return
    subject, body = message
    queue_email(
        actor,
        organization=_home_organization(actor, user),
        to=[to],
        subject=subject,
        body=body,
        purpose="security_notice",
    )


def _zone(actor: Actor, user: User) -> str:
    if actor.time_zone:
        return actor.time_zone
    organization = _home_organization(actor, user)
    return organization.time_zone if organization is not None else "UTC"


# --- Passwords and e-mail address ------------------------------------------------------------


@transaction.atomic
def change_password(
    *,
    actor: Actor,
    user: User,
    new_password: str,
    via_reset: bool,
    proof: IdentityConfirmed | None = None,
) -> None:
    """Set a new password. A reset proves itself with its link (checked by Django's view) and
    the system sets demo passwords; a signed-in person proves it is them with ``proof``."""
    if not via_reset and not actor.is_system:
        _require_proof(actor, user, proof)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(
        AuditAction.PASSWORD_RESET_COMPLETED if via_reset else AuditAction.PASSWORD_CHANGED,
        actor=actor,
        organization_id=actor.organization_id,
        obj=user,
        actor_name=user.display_name if not actor.is_authenticated else None,
    )
    if not actor.is_system:
        _notify(
            actor,
            user,
            to=user.email,
            message=account_notices.password_changed(
                user=user, when=timezone.now(), time_zone=_zone(actor, user), via_reset=via_reset
            ),
        )


EMAIL_CHANGE_SALT = "pmhc.platform.email-change"
EMAIL_CHANGE_VALID_HOURS = 24


def _email_in_use(email: str, *, besides: User) -> bool:
    return User.objects.filter(email__iexact=email).exclude(pk=besides.pk).exists()


@transaction.atomic
def change_email(
    *,
    actor: Actor,
    user: User,
    new_email: str,
    proof: IdentityConfirmed | None,
    base_url: str = "",
) -> None:
    """Ask to move the account's mail (password resets among it) to ``new_email``: nothing
    changes until a link sent there is opened (``confirm_email_change``), so no one can claim
    an address they do not read (an invitation to it, say). An address another account uses is
    refused without a word: the caller says the same thing whatever happened, so that it does
    not tell who else has an account."""
    _require_proof(actor, user, proof)
    new_email = new_email.strip().lower()
    if new_email == user.email.strip().lower():
        raise ValidationError({"email": _("That is already your e-mail address.")})
    try:
        validate_email(new_email)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from exc
    if _email_in_use(new_email, besides=user):
        return
    token = signing.dumps(
        {"user": user.pk, "old": user.email.strip().lower(), "new": new_email},
        salt=EMAIL_CHANGE_SALT,
        compress=True,
    )
    base_url = base_url or str(getattr(settings, "PUBLIC_BASE_URL", "") or "")
    link = base_url.rstrip("/") + reverse("email_change_confirm", kwargs={"token": token})
    _notify(
        actor,
        user,
        to=new_email,
        message=account_notices.email_change_confirmation(
            user=user, link=link, valid_hours=EMAIL_CHANGE_VALID_HOURS
        ),
    )


def email_change_requested(*, user: User, token: str) -> str | None:
    """The new address a confirmation link asks ``user``'s account to take, or None when the
    link is not this account's, is stale (the address changed since) or has expired."""
    try:
        data = signing.loads(
            token, salt=EMAIL_CHANGE_SALT, max_age=dt.timedelta(hours=EMAIL_CHANGE_VALID_HOURS)
        )
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("user") != user.pk:
        return None
    if data.get("old") != user.email.strip().lower():
        return None
    new_email = data.get("new")
    return new_email if isinstance(new_email, str) else None


@transaction.atomic
def confirm_email_change(*, actor: Actor, user: User, token: str) -> bool:
    """Make the change a link sent to the new address confirms; both the old and the new
    address are told. False when the link does not work (or the address is taken since)."""
    if not actor.is_authenticated or actor.user_id != user.pk:
        raise PermissionDenied("only the account's owner may confirm")
    user = User.objects.select_for_update().get(pk=user.pk)
    new_email = email_change_requested(user=user, token=token)
    if new_email is None or _email_in_use(new_email, besides=user):
        return False
    old_email = user.email
    user.email = new_email
    user.full_clean(validate_unique=False, exclude=["password", "username"])
    user.save(update_fields=["email"])
    audit.record(
        AuditAction.EMAIL_CHANGED,
        actor=actor,
        organization_id=actor.organization_id,
        obj=user,
        before={"email": old_email},
        after={"email": new_email},
        detail="e-mail address changed by the account's owner, confirmed from the new address",
    )
    now, zone = timezone.now(), _zone(actor, user)
    _notify(
        actor,
        user,
        to=old_email,
        message=account_notices.email_changed_to_old_address(
            user=user, when=now, time_zone=zone, new_email=new_email
        ),
    )
    _notify(
        actor,
        user,
        to=new_email,
        message=account_notices.email_changed_to_new_address(
            user=user, when=now, time_zone=zone, old_email=old_email
        ),
    )
    return True


@transaction.atomic
def record_password_reset_request(*, email: str, matched: bool) -> None:
    # The requester is not told whether the address matched; the trail is.
    audit.record(
        AuditAction.PASSWORD_RESET_REQUESTED,
        actor=ANONYMOUS,
        actor_name=f"reset for {email.strip().lower()[:150]}",
        object_type="account",
        object_id=email.strip().lower()[:150],
        outcome=Outcome.SUCCESS if matched else Outcome.FAILURE,
        detail="" if matched else "no active account with this address",
    )


# --- Two-factor devices ----------------------------------------------------------------------


@transaction.atomic
def start_totp_enrollment(*, actor: Actor, user: User) -> TOTPDevice:
    """An unconfirmed device to scan; it counts only after a code from it is entered."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEFAULT_DEVICE_NAME, confirmed=False)


@transaction.atomic
def confirm_totp_enrollment(
    *,
    actor: Actor,
    user: User,
    device: TOTPDevice,
    token: str,
    proof: IdentityConfirmed | None,
    name: str = "",
) -> bool:
    """Confirm ``device`` with a code from it. Apps already set up stay: a second one is a
    spare, and only removing one (with the password and a code) takes one away."""
    _require_proof(actor, user, proof)
    if len(name.strip()) > DEVICE_NAME_MAX:
        raise ValidationError(
            {"name": _("Keep the name to %(n)d characters.") % {"n": DEVICE_NAME_MAX}}
        )
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token):
        audit.record(
            AuditAction.TWO_FACTOR_FAILED,
            actor=actor,
            organization_id=actor.organization_id,
            obj=user,
            outcome=Outcome.FAILURE,
            detail="enrollment code rejected",
        )
        return False
    existing = TOTPDevice.objects.filter(user=user, confirmed=True).count()
    device.name = name.strip() or DEFAULT_DEVICE_NAME
    if not name.strip() and existing:
        device.name = f"{DEFAULT_DEVICE_NAME} {existing + 1}"
    device.confirmed = True
    device.save(update_fields=["confirmed", "name"])
    audit.record(
        AuditAction.TWO_FACTOR_ENABLED,
        actor=actor,
        organization_id=actor.organization_id,
        obj=user,
        after={"count": existing + 1},
        detail="first authenticator app" if not existing else "another authenticator app added",
    )
    _notify(
        actor,
        user,
        to=user.email,
        message=account_notices.authenticator_added(
            user=user,
            when=timezone.now(),
            time_zone=_zone(actor, user),
            device=device.name,
            first=not existing,
        ),
    )
    return True


def second_factor_wait(*, user: User) -> bool:
    """True while the authenticator's own guard (seconds after a wrong code) refuses checks."""
    return any(
        not device.verify_is_allowed()[0]
        for device in TOTPDevice.objects.filter(user=user, confirmed=True)
    )


@transaction.atomic
def verify_second_factor(*, actor: Actor, user: User, token: str) -> TOTPDevice | None:
    device = _match_code(user, token)
    if device is not None:
        return device
    audit.record(
        AuditAction.TWO_FACTOR_FAILED,
        actor=actor,
        actor_name=user.display_name,
        object_type="account",
        object_id=_normal(user.username),
        outcome=Outcome.FAILURE,
        detail="sign-in code rejected",
    )
    # A wrong code counts towards the sign-in throttle like a wrong password.
    record_login_failure(username=user.username, reason="wrong one-time code")
    return None


@transaction.atomic
def remove_totp(
    *, actor: Actor, user: User, proof: IdentityConfirmed | None, device_id: int | None = None
) -> int:
    """Remove one authenticator app (``device_id``) or all of them; returns how many went."""
    _require_proof(actor, user, proof)
    devices = TOTPDevice.objects.filter(user=user)
    if device_id is not None:
        devices = devices.filter(pk=device_id, confirmed=True)
    names = list(devices.filter(confirmed=True).order_by("pk").values_list("name", flat=True))
    devices.delete()
    if not names:
        return 0
    remaining = TOTPDevice.objects.filter(user=user, confirmed=True).count()
    audit.record(
        AuditAction.TWO_FACTOR_DISABLED,
        actor=actor,
        organization_id=actor.organization_id,
        obj=user,
        after={"count": remaining},
        detail="authenticator app removed" if remaining else "two-factor sign-in turned off",
    )
    _notify(
        actor,
        user,
        to=user.email,
        message=account_notices.authenticator_removed(
            user=user,
            when=timezone.now(),
            time_zone=_zone(actor, user),
            devices=names,
            remaining=remaining,
        ),
    )
    return len(names)


def client_ip() -> str | None:
    return current_request().client_ip
