"""Every write of the platform: organizations, members, API keys, e-mail (agreements are in
``agreement_services``).

Each function takes ``actor`` first and keyword-only arguments, checks the access policy,
changes the data and appends its audit event in one transaction, and schedules side effects
(e-mail) with ``transaction.on_commit``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import (
    ROLES_WITH_POST,
    ApiKey,
    AuditAction,
    EmailStatus,
    Membership,
    Organization,
    OutboundEmail,
    Purpose,
    Role,
    User,
    allowed_roles,
)

MEMBERSHIP_FIELDS = ("user", "organization", "role", "shift", "district", "is_active")
ORGANIZATION_FIELDS = ("slug", "name", "kind", "time_zone", "is_synthetic")

#: What an API key may be allowed to do. Later modules add theirs here.
API_SCOPES: dict[str, str] = {
    "organization:read": "Read the organization's own profile and members' public roles",
    "calls:read": "Read calls for service and their triage",
    "calls:write": "Record calls for service and triage them (a CAD interface)",
    "consents:read": "Read people's consents to share as FHIR Consent resources",
    "consents:write": "Record people's consents to share from FHIR Consent resources",
    "referrals:read": "Read referrals sent or received as FHIR ServiceRequest and Task",
    "referrals:write": "Update referrals received by sending their FHIR Task",
}

EMAIL_MAX_ATTEMPTS = 5


def _require(decision: Any) -> None:
    if not decision:
        raise PermissionDenied(decision.reason)


# --- Organizations --------------------------------------------------------------------------


@transaction.atomic
def create_organization(
    actor: Actor,
    *,
    slug: str,
    name: str,
    kind: str,
    time_zone: str = "America/Chicago",
    is_synthetic: bool = False,
) -> Organization:
    if not actor.is_system:
        raise PermissionDenied(_("Organizations are created by a platform operator."))
    organization = Organization(
        slug=slug, name=name, kind=kind, time_zone=time_zone, is_synthetic=is_synthetic
    )
    organization.full_clean()
    organization.save()
    audit.record(
        AuditAction.ORGANIZATION_CREATED,
        actor=actor,
        organization_id=organization.pk,
        obj=organization,
        after=audit.snapshot(organization, ORGANIZATION_FIELDS),
    )
    return organization


@transaction.atomic
def update_organization(
    actor: Actor, *, organization: Organization, name: str, time_zone: str
) -> Organization:
    _require(decide(actor, Action.MANAGE, organization, Purpose.ADMINISTRATION))
    before = audit.snapshot(organization, ORGANIZATION_FIELDS)
    organization.name = name
    organization.time_zone = time_zone
    organization.full_clean()
    organization.save(update_fields=["name", "time_zone"])
    audit.record(
        AuditAction.ORGANIZATION_CHANGED,
        actor=actor,
        organization_id=organization.pk,
        obj=organization,
        before=before,
        after=audit.snapshot(organization, ORGANIZATION_FIELDS),
    )
    return organization


# --- Members --------------------------------------------------------------------------------


def check_role(organization: Organization, role: str) -> None:
    """Refuse a role that ``organization``'s kind does not give (see ``ROLES_BY_KIND``)."""
    if Role(role) not in allowed_roles(organization.kind):
        raise ValidationError(
            {
                "role": _("%(org)s (%(kind)s) cannot give the role “%(role)s”.")
                % {
                    "org": organization.name,
                    "kind": organization.get_kind_display(),
                    "role": Role(role).label,
                }
            }
        )


def _clean_post(role: str, shift: str, district: str) -> tuple[str, str]:
    if Role(role) not in ROLES_WITH_POST:
        return "", ""
    return shift.strip(), district.strip()


@transaction.atomic
def add_member(
    actor: Actor,
    *,
    organization: Organization,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    username: str = "",
    shift: str = "",
    district: str = "",
) -> Membership:
    """Add a person to ``organization`` at once, making their account if the address has none.

    For the system only (the demo, ``pmhc bootstrap``): it would tell an administrator whether
    an address has an account, and attach that account without its owner's consent. People add
    members with ``invitation_services.invite_member``."""
    if not actor.is_system:
        raise PermissionDenied(_("Members join only by accepting an invitation."))
    _require(decide(actor, Action.MANAGE, organization, Purpose.ADMINISTRATION))
    check_role(organization, role)
    role = Role(role)
    shift, district = _clean_post(role, shift, district)
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(
            username=(username or email).strip(),
            email=email,
            first_name=first_name.strip(),
            last_name=last_name.strip(),
        )
        user.set_unusable_password()
        user.full_clean()
        user.save()
        audit.record(
            AuditAction.USER_CREATED,
            actor=actor,
            organization_id=organization.pk,
            obj=user,
            after={"username": user.username, "email": user.email},
        )
    if Membership.objects.filter(user=user, organization=organization).exists():
        raise ValidationError(
            _("%(user)s is already a member of %(org)s; change their membership instead.")
            % {"user": user.display_name, "org": organization.name}
        )
    membership = Membership(
        user=user, organization=organization, role=role, shift=shift, district=district
    )
    membership.full_clean()
    membership.save()
    audit.record(
        AuditAction.MEMBERSHIP_CREATED,
        actor=actor,
        organization_id=organization.pk,
        obj=membership,
        after=audit.snapshot(membership, MEMBERSHIP_FIELDS),
    )
    return membership


@transaction.atomic
def change_membership(
    actor: Actor,
    *,
    membership: Membership,
    role: str,
    shift: str = "",
    district: str = "",
    is_active: bool = True,
) -> Membership:
    organization = membership.organization
    _require(decide(actor, Action.MANAGE, organization, Purpose.ADMINISTRATION))
    if membership.user_id == actor.user_id and (role != membership.role or not is_active):
        raise ValidationError(
            _("You cannot change your own role or deactivate yourself; ask another administrator.")
        )
    if role != membership.role:
        check_role(organization, role)
    before = audit.snapshot(membership, MEMBERSHIP_FIELDS)
    membership.role = Role(role)
    membership.shift, membership.district = _clean_post(role, shift, district)
    membership.is_active = is_active
    membership.full_clean()
    membership.save()
    action = (
        AuditAction.MEMBERSHIP_DEACTIVATED
        if before["is_active"] and not is_active
        else AuditAction.MEMBERSHIP_CHANGED
    )
    audit.record(
        action,
        actor=actor,
        organization_id=organization.pk,
        obj=membership,
        before=before,
        after=audit.snapshot(membership, MEMBERSHIP_FIELDS),
    )
    return membership


# --- API keys -------------------------------------------------------------------------------


def hash_api_key(raw_key: str) -> str:
    # Keys are 256-bit random values, so a fast hash is enough to make a stolen table useless.
    return hashlib.sha256(raw_key.encode()).hexdigest()


@transaction.atomic
def create_api_key(
    actor: Actor, *, organization: Organization, name: str, scopes: Sequence[str]
) -> tuple[ApiKey, str]:
    """Create a key and return it with its secret, which is never stored or shown again."""
    _require(decide(actor, Action.MANAGE, organization, Purpose.ADMINISTRATION))
    unknown = set(scopes) - set(API_SCOPES)
    if unknown:
        raise ValidationError({"scopes": _("Unknown scopes: %s") % ", ".join(sorted(unknown))})
    prefix = secrets.token_hex(4)
    raw_key = f"pmhc_{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        organization=organization,
        name=name,
        prefix=prefix,
        key_hash=hash_api_key(raw_key),
        scopes=sorted(set(scopes)),
        created_by_id=actor.user_id,
    )
    key.full_clean()
    key.save()
    audit.record(
        AuditAction.API_KEY_CREATED,
        actor=actor,
        organization_id=organization.pk,
        obj=key,
        after={"name": name, "prefix": prefix, "scopes": key.scopes},
    )
    return key, raw_key


@transaction.atomic
def revoke_api_key(actor: Actor, *, key: ApiKey) -> ApiKey:
    _require(decide(actor, Action.MANAGE, key, Purpose.ADMINISTRATION))
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit.record(
            AuditAction.API_KEY_REVOKED,
            actor=actor,
            organization_id=key.organization_id,
            obj=key,
            after={"revoked_at": key.revoked_at.isoformat()},
        )
    return key


def touch_api_key(key: ApiKey) -> None:
    """Note when a key was last used (not audited: the request it served is)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at > dt.timedelta(minutes=1):
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


# --- E-mail ---------------------------------------------------------------------------------


def queue_email(
    actor: Actor,
    *,
    to: Sequence[str],
    subject: str,
    body: str,
    purpose: str = "",
    organization: Organization | None = None,
) -> OutboundEmail:
    """Save the message, then hand it to the worker once the transaction commits."""
    from pmhc.platform.tasks import send_email

    with transaction.atomic():
        message = OutboundEmail.objects.create(
            organization=organization,
            to=list(to),
            subject=subject[:250],
            body=body,
            purpose=purpose,
        )
        transaction.on_commit(lambda: send_email.enqueue(message.pk))
    return message


def deliver_email(*, message_id: int) -> OutboundEmail:
    """Try to send one saved message; on failure keep it, note why, and say whether to retry.

    The message is claimed in one short transaction and the outcome saved in another, so a
    slow mail server never holds a database lock.
    """
    from django.core.mail import EmailMessage

    with transaction.atomic():
        message = OutboundEmail.objects.select_for_update().get(pk=message_id)
        if message.status in {EmailStatus.SENT, EmailStatus.FAILED}:
            return message
        message.attempts += 1
        message.status = EmailStatus.SENDING
        message.save(update_fields=["attempts", "status"])
    try:
        EmailMessage(subject=message.subject, body=message.body, to=message.to).send()
    except Exception as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        message.status = (
            EmailStatus.FAILED if message.attempts >= EMAIL_MAX_ATTEMPTS else EmailStatus.RETRYING
        )
    else:
        message.status = EmailStatus.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
        # Bodies may hold private links (password, status); once delivered, they are not kept.
        message.body = ""
    with transaction.atomic():
        message.save(update_fields=["last_error", "status", "sent_at", "body"])
    return message


@transaction.atomic
def retry_email(actor: Actor, *, message: OutboundEmail) -> OutboundEmail:
    """An administrator sends a failed message again (after fixing the mail settings, say)."""
    from pmhc.platform.tasks import send_email

    _require(decide(actor, Action.MANAGE, message, Purpose.ADMINISTRATION))
    if message.status in {EmailStatus.FAILED, EmailStatus.RETRYING}:
        before = {"status": message.status, "attempts": message.attempts}
        message.status = EmailStatus.QUEUED
        message.attempts = 0
        message.save(update_fields=["status", "attempts"])
        audit.record(
            AuditAction.RECORD_CHANGED,
            actor=actor,
            organization_id=message.organization_id,
            obj=message,
            before=before,
            after={"status": message.status, "attempts": 0},
            detail="e-mail sent again by hand",
        )
        transaction.on_commit(lambda: send_email.enqueue(message.pk))
    return message


def requeue_stalled_email(*, older_than: dt.timedelta = dt.timedelta(minutes=10)) -> int:
    """Hand messages back to the worker that no task is carrying any more (a worker stopped
    mid-send, or an enqueue was lost). Run when a worker starts."""
    from pmhc.platform.tasks import send_email

    cutoff = timezone.now() - older_than
    stalled = list(
        OutboundEmail.objects.filter(
            status__in=[EmailStatus.QUEUED, EmailStatus.SENDING, EmailStatus.RETRYING],
            created_at__lt=cutoff,
        ).values_list("pk", flat=True)
    )
    for pk in stalled:
        send_email.enqueue(pk)
    return len(stalled)
