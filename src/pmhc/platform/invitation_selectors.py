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


def addressed_to(invitation: MemberInvitation, user: User) -> bool:
    """Whether ``user`` is the person the invitation was sent to: their account has the
    address. The link alone is not enough, and neither is being signed in."""
    return bool(user.email) and user.email.strip().lower() == invitation.email


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


def invitation_for(user: User, token: str) -> MemberInvitation:
    """The invitation behind a link, for the person it was sent to.

    The invited person is not a member yet, so the policy has no grant to read it by; what
    admits them is holding the link and having the invited address on their account. Anyone
    else, like a link that does not exist, gets 404."""
    found = (
        MemberInvitation.objects.select_related("organization")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if found is None or not addressed_to(found, user):
        raise Http404("No such invitation")
    return found
