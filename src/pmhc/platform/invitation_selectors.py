"""Reads of invitations to join an organization, narrowed to what the actor may see."""

from __future__ import annotations

import hashlib

from django.db.models import QuerySet
from django.http import Http404

from pmhc.platform.access import Action, Actor, get_or_404, restrict
from pmhc.platform.models import MemberInvitation, Organization, Purpose, User

ADMIN = Purpose.ADMINISTRATION


def hash_token(token: str) -> str:
    # Tokens are 256-bit random values: a fast hash is enough to make a stolen table useless.
    return hashlib.sha256(token.encode()).hexdigest()


def may_accept(invitation: MemberInvitation, user: User) -> bool:
    """Whether ``user`` is one of the accounts the invitation was made for: those that had the
    address when it was made. The link alone is not enough, and neither is having the address
    now (it could have been typed in later)."""
    return invitation.accounts.filter(pk=user.pk).exists()


def for_new_account(invitation: MemberInvitation) -> bool:
    """No account had the address: the link's holder may create one."""
    return not invitation.accounts.exists()


def open_invitations(actor: Actor, organization: Organization) -> QuerySet[MemberInvitation]:
    """Invitations neither accepted nor cancelled (expired ones too, until cancelled)."""
    return (
        restrict(actor, MemberInvitation.objects.all(), Action.MANAGE, ADMIN)
        .filter(organization=organization, accepted_at__isnull=True, cancelled_at__isnull=True)
        .order_by("-created_at", "-pk")
    )


def invitation(actor: Actor, organization: Organization, pk: int) -> MemberInvitation:
    return get_or_404(
        actor,
        MemberInvitation.objects.filter(organization=organization),
        Action.MANAGE,
        ADMIN,
        pk=pk,
    )


def invitation_by_link(token: str) -> MemberInvitation:
    """The invitation behind a link, for whoever holds it.

    The invited person is not a member yet (or has no account yet), so the policy has no grant
    to read it by: holding the link is what admits them to its page, which shows only what the
    message itself said. Who may act on it is ``may_accept`` or ``for_new_account``. A link
    that does not exist gets 404."""
    found = (
        MemberInvitation.objects.select_related("organization")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if found is None:
        raise Http404("No such invitation")
    return found
