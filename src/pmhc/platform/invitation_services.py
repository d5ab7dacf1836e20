"""Writes about joining an organization by e-mail: invite, accept or join, cancel.

An administrator types an address, and the person at it always gets an invitation: the same
message, the same row under "Invitations waiting" on the member list, whether or not the
address has an account. An account that has it may belong to someone working elsewhere: the
administrator must learn nothing about it (not even that it exists) and must not attach it
without its owner's consent. So nothing happens until the invited person acts on the link:

- if accounts had the address when the invitation was made, it records them, and only one of
  them, signed in as itself, may accept (``accept_invitation``);
- if none had, the link's holder (who reads that mailbox) creates an account on the
  invitation's page, and it joins at once (``join_with_new_account``).

``services.add_member``, which adds at once, is for the system only (demo, bootstrap).
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Literal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit, services
from pmhc.platform.access import Action, Actor, actor_for_user, decide
from pmhc.platform.invitation_selectors import hash_token, may_accept
from pmhc.platform.invitations import invitation_message
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
CancelOutcome = Literal["cancelled", "already_cancelled", "accepted"]


def _require(decision: object) -> None:
    if not decision:
        raise PermissionDenied(getattr(decision, "reason", ""))


@transaction.atomic
def invite_member(
    actor: Actor,
    *,
    organization: Organization,
    email: str,
    role: str,
    first_name: str = "",
    last_name: str = "",
    shift: str = "",
    district: str = "",
    invite_base_url: str = "",
) -> None:
    """Invite the person at ``email`` to join ``organization`` as ``role``. The names are
    suggestions for an account they may create. Returns nothing, so that a caller cannot tell
    the administrator whether the address had an account."""
    _require(decide(actor, Action.MANAGE, organization, Purpose.ADMINISTRATION))
    email = email.strip().lower()
    accounts = list(User.objects.filter(email__iexact=email))
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
    services.check_role(organization, role)
    role = Role(role)
    shift, district = services._clean_post(role, shift, district)
    token = secrets.token_urlsafe(32)
    invitation = MemberInvitation(
        organization=organization,
        email=email,
        role=role,
        shift=shift,
        district=district,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        token_hash=hash_token(token),
        invited_by_id=actor.user_id,
        expires_at=now + INVITATION_VALID_FOR,
    )
    invitation.full_clean()
    invitation.save()
    invitation.accounts.set(accounts)
    # The organization's trail holds only what the administrator typed: never the accounts.
    audit.record(
        AuditAction.MEMBER_INVITED,
        actor=actor,
        organization_id=organization.pk,
        obj=invitation,
        after=audit.snapshot(invitation, INVITATION_FIELDS),
        detail="invitation to join sent",
    )
    base_url = invite_base_url or str(getattr(settings, "PUBLIC_BASE_URL", "") or "")
    subject, body = invitation_message(invitation=invitation, token=token, base_url=base_url)
    services.queue_email(
        actor,
        organization=organization,
        to=[email],
        subject=subject,
        body=body,
        purpose="invitation",
    )


def _locked(token: str) -> MemberInvitation | None:
    return (
        MemberInvitation.objects.select_for_update()
        .select_related("organization")
        .filter(token_hash=hash_token(token))
        .first()
    )


def _refuse_unless_pending(invitation: MemberInvitation) -> None:
    if not invitation.is_pending():
        raise ValidationError(
            _(
                "This invitation has expired or was withdrawn. Ask an administrator of %(org)s "
                "to send you a new one."
            )
            % {"org": invitation.organization.name}
        )


def _join(actor: Actor, invitation: MemberInvitation, user: User) -> Membership:
    membership = Membership(
        user=user,
        organization=invitation.organization,
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
        organization_id=invitation.organization_id,
        obj=membership,
        after=audit.snapshot(membership, services.MEMBERSHIP_FIELDS),
        detail=f"accepted invitation {invitation.pk}",
    )
    return membership


@transaction.atomic
def accept_invitation(actor: Actor, *, user: User, token: str) -> Membership:
    """One of the invited accounts, signed in as itself, joins the organization on the terms
    the administrator chose. Recorded in the inviting organization's trail."""
    if not actor.is_authenticated or actor.user_id != user.pk:
        raise PermissionDenied("only the invited person may accept")
    invitation = _locked(token)
    # No such link and someone else's link look the same to the caller.
    if invitation is None or not may_accept(invitation, user):
        raise PermissionDenied("no invitation for this account")
    organization = invitation.organization
    if invitation.accepted_by_id == user.pk:
        raise AlreadyMember(organization)
    _refuse_unless_pending(invitation)
    if Membership.objects.filter(user=user, organization=organization).exists():
        raise AlreadyMember(organization)
    return _join(actor, invitation, user)


class AlreadyMember(Exception):
    """The account is already a member of the organization (it may have accepted already)."""

    def __init__(self, organization: Organization) -> None:
        super().__init__(organization.name)
        self.organization = organization


@transaction.atomic
def join_with_new_account(
    actor: Actor,
    *,
    token: str,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
) -> Membership:
    """The holder of an invitation made for an address with no account creates the account,
    which joins the organization at once. Errors are for the invited person, who sees them on
    the invitation's page; the administrator never does."""
    if actor.is_authenticated:
        raise PermissionDenied("sign out to create a new account")
    invitation = _locked(token)
    if invitation is None or invitation.accounts.exists():
        raise PermissionDenied("no invitation for a new account")
    _refuse_unless_pending(invitation)
    username = username.strip()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("That username is taken. Choose another one.")})
    if User.objects.filter(email__iexact=invitation.email).exists():
        # Made since the invitation (by an operator): that account is not this invitation's.
        raise ValidationError(
            _(
                "An account with this e-mail address was made since the invitation was sent. "
                "Ask an administrator of %(org)s to send you a new invitation."
            )
            % {"org": invitation.organization.name}
        )
    user = User(
        username=username,
        email=invitation.email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    user.set_password(password)
    user.full_clean()
    user.save()
    # From here on the new person acts: the trail names them, not "anonymous".
    joiner = actor_for_user(user)
    audit.record(
        AuditAction.USER_CREATED,
        actor=joiner,
        organization_id=invitation.organization_id,
        obj=user,
        after={"username": user.username, "email": user.email},
        detail=f"account created from invitation {invitation.pk}",
    )
    return _join(joiner, invitation, user)


@transaction.atomic
def cancel_invitation(actor: Actor, *, invitation: MemberInvitation) -> CancelOutcome:
    """Withdraw an invitation that is still open; its link stops working at once. Says what
    happened: it may have been accepted or cancelled in the meantime."""
    _require(decide(actor, Action.MANAGE, invitation, Purpose.ADMINISTRATION))
    # Locked, so that an acceptance at the same moment either happens first or not at all.
    invitation = MemberInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        return "accepted"
    if invitation.cancelled_at is not None:
        return "already_cancelled"
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
    return "cancelled"
