"""Writes about joining an organization by e-mail: add or invite, accept, cancel.

An administrator types an address. If no account has it, the account is made and its owner
gets a link to choose a password (``services.add_member``). If an account has it, that account
may belong to someone working elsewhere: the administrator must learn nothing about it (not
even that it exists) and must not attach it without its owner's consent. So the owner gets an
invitation instead, and the membership begins only when they accept, signed in as themselves.
The administrator is told the same thing either way.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit, services
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.invitation_selectors import addressed_to, hash_token
from pmhc.platform.invitations import existing_account_invitation_message
from pmhc.platform.models import (
    AuditAction,
    MemberInvitation,
    Membership,
    Organization,
    Purpose,
    Role,
    User,
)

INVITATION_VALID_FOR = dt.timedelta(days=7)
INVITATION_FIELDS = ("organization", "email", "role", "shift", "district", "expires_at")


def _require(decision: object) -> None:
    if not decision:
        raise PermissionDenied(getattr(decision, "reason", ""))


@transaction.atomic
def add_or_invite_member(
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
    invite_base_url: str = "",
) -> None:
    """Add the person at ``email`` to ``organization``: a new account with a link to choose a
    password, or, for an address that has an account, an invitation its owner accepts. Returns
    nothing, so that a caller cannot tell the administrator which it was."""
    _require(decide(actor, Action.MANAGE, organization, Purpose.ADMINISTRATION))
    email = email.strip().lower()
    accounts = User.objects.filter(email__iexact=email)
    if not accounts.exists():
        services.add_member(
            actor,
            organization=organization,
            email=email,
            role=role,
            first_name=first_name,
            last_name=last_name,
            username=username,
            shift=shift,
            district=district,
            invite_base_url=invite_base_url,
        )
        return
    # The organization's own members and invitations are already on its pages; saying so
    # reveals nothing about anyone else.
    if Membership.objects.filter(organization=organization, user__in=accounts).exists():
        raise ValidationError(
            {
                "email": _(
                    "Someone with this address is already a member of %(org)s. To change their "
                    "role, use “Change” in the list of members."
                )
                % {"org": organization.name}
            }
        )
    now = timezone.now()
    if MemberInvitation.objects.filter(
        organization=organization,
        email=email,
        accepted_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=now,
    ).exists():
        raise ValidationError(
            {
                "email": _(
                    "An invitation to this address is already waiting for an answer. To send a "
                    "new one, cancel it first in the list of invitations."
                )
            }
        )
    role = Role(role)
    shift, district = services._clean_post(role, shift, district)
    token = secrets.token_urlsafe(32)
    invitation = MemberInvitation(
        organization=organization,
        email=email,
        role=role,
        shift=shift,
        district=district,
        token_hash=hash_token(token),
        invited_by_id=actor.user_id,
        expires_at=now + INVITATION_VALID_FOR,
    )
    invitation.full_clean()
    invitation.save()
    audit.record(
        AuditAction.MEMBER_INVITED,
        actor=actor,
        organization_id=organization.pk,
        obj=invitation,
        after=audit.snapshot(invitation, INVITATION_FIELDS),
        detail="invitation to join sent",
    )
    base_url = invite_base_url or str(getattr(settings, "PUBLIC_BASE_URL", "") or "")
    subject, body = existing_account_invitation_message(
        invitation=invitation, token=token, base_url=base_url
    )
    services.queue_email(
        actor,
        organization=organization,
        to=[email],
        subject=subject,
        body=body,
        purpose="invitation",
    )


@transaction.atomic
def accept_invitation(actor: Actor, *, user: User, token: str) -> Membership:
    """The invited person, signed in as themselves, joins the organization on the terms the
    administrator chose. Recorded in the inviting organization's trail."""
    if not actor.is_authenticated or actor.user_id != user.pk:
        raise PermissionDenied("only the invited person may accept")
    invitation = (
        MemberInvitation.objects.select_for_update()
        .select_related("organization")
        .filter(token_hash=hash_token(token))
        .first()
    )
    # No such link and someone else's link look the same to the caller.
    if invitation is None or not addressed_to(invitation, user):
        raise PermissionDenied("no invitation for this account")
    organization = invitation.organization
    if not invitation.is_pending():
        raise ValidationError(
            _(
                "This invitation has expired or was withdrawn. Ask an administrator of %(org)s "
                "to send you a new one."
            )
            % {"org": organization.name}
        )
    if Membership.objects.filter(user=user, organization=organization).exists():
        raise ValidationError(
            _("You are already a member of %(org)s.") % {"org": organization.name}
        )
    membership = Membership(
        user=user,
        organization=organization,
        role=invitation.role,
        shift=invitation.shift,
        district=invitation.district,
    )
    membership.full_clean()
    membership.save()
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit.record(
        AuditAction.MEMBERSHIP_CREATED,
        actor=actor,
        organization_id=organization.pk,
        obj=membership,
        after=audit.snapshot(membership, services.MEMBERSHIP_FIELDS),
        detail=f"accepted invitation {invitation.pk}",
    )
    return membership


@transaction.atomic
def cancel_invitation(actor: Actor, *, invitation: MemberInvitation) -> MemberInvitation:
    """Withdraw an invitation that is still open; its link stops working at once."""
    _require(decide(actor, Action.MANAGE, invitation, Purpose.ADMINISTRATION))
    # Locked, so that an acceptance at the same moment either happens first or not at all.
    invitation = MemberInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.is_open:
        invitation.cancelled_at = timezone.now()
        invitation.save(update_fields=["cancelled_at"])
        audit.record(
            AuditAction.MEMBER_INVITATION_CANCELLED,
            actor=actor,
            organization_id=invitation.organization_id,
            obj=invitation,
            before={"cancelled_at": None},
            after={"cancelled_at": invitation.cancelled_at.isoformat()},
            detail="invitation to join cancelled",
        )
    return invitation
