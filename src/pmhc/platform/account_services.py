"""Writes about signing in: logons, throttling, sign-outs, passwords, two-factor devices.

CJIS Security Policy 5.4 asks for logons (success and failure), password changes and privileged
actions in the audit trail; failed logons are counted from the trail itself, so the throttle
holds across every server process without another store.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from pmhc.platform import audit
from pmhc.platform.access import ANONYMOUS, Actor
from pmhc.platform.context import current as current_request
from pmhc.platform.models import AuditAction, Membership, Outcome, User


@dataclass(frozen=True)
class Throttle:
    blocked: bool
    retry_after_minutes: int = 0


def _normal(username: str) -> str:
    return username.strip().lower()[:150]


def login_throttle(*, username: str, client_ip: str | None) -> Throttle:
    """Too many recent failures for this account, or from this address, block the next try."""
    window = dt.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    since = timezone.now() - window
    limit = settings.LOGIN_FAILURE_LIMIT
    by_account = audit.recent_times(
        AuditAction.LOGIN_FAILED, since=since, object_id=_normal(username), limit=limit
    )
    if len(by_account) >= limit:
        # The oldest of the last ``limit`` failures leaves the window first.
        wait = (by_account[-1] + window - timezone.now()).total_seconds() / 60
        return Throttle(True, max(1, round(wait + 0.5)))
    per_ip = settings.LOGIN_FAILURE_LIMIT_PER_IP
    if (
        client_ip
        and len(
            audit.recent_times(
                AuditAction.LOGIN_FAILED, since=since, client_ip=client_ip, limit=per_ip
            )
        )
        >= per_ip
    ):
        return Throttle(True, settings.LOGIN_FAILURE_WINDOW_MINUTES)
    return Throttle(False)


@transaction.atomic
def record_login(*, user: User, actor: Actor, second_factor: bool) -> None:
    audit.record(
        AuditAction.LOGIN_SUCCEEDED,
        actor=actor,
        organization_id=actor.primary_organization_id,
        obj=user,
        detail="password and one-time code" if second_factor else "password",
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
            organization_id=actor.primary_organization_id,
            object_type="platform.user",
            object_id=str(actor.user_id),
        )


@transaction.atomic
def change_password(*, actor: Actor, user: User, new_password: str, via_reset: bool) -> None:
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(
        AuditAction.PASSWORD_RESET_COMPLETED if via_reset else AuditAction.PASSWORD_CHANGED,
        actor=actor,
        organization_id=actor.primary_organization_id,
        obj=user,
        actor_name=user.display_name if not actor.is_authenticated else None,
    )


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


@transaction.atomic
def start_totp_enrollment(*, actor: Actor, user: User) -> TOTPDevice:
    """An unconfirmed device to scan; it counts only after a code from it is entered."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def confirm_totp_enrollment(*, actor: Actor, user: User, device: TOTPDevice, token: str) -> bool:
    if device.user_id != user.pk or not device.verify_token(token):
        audit.record(
            AuditAction.TWO_FACTOR_FAILED,
            actor=actor,
            organization_id=actor.primary_organization_id,
            obj=user,
            outcome=Outcome.FAILURE,
            detail="enrollment code rejected",
        )
        return False
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record(
        AuditAction.TWO_FACTOR_ENABLED,
        actor=actor,
        organization_id=actor.primary_organization_id,
        obj=user,
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
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
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
def remove_totp(*, actor: Actor, user: User) -> None:
    deleted, _ = TOTPDevice.objects.filter(user=user).delete()
    if deleted:
        audit.record(
            AuditAction.TWO_FACTOR_DISABLED,
            actor=actor,
            organization_id=actor.primary_organization_id,
            obj=user,
        )


def client_ip() -> str | None:
    return current_request().client_ip
