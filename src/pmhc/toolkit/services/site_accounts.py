"""TTA staff take a learning site's accounts away: a coordinator who leaves the site, or an
invitation sent to the wrong address. As with ``invite_coordinator``, the platform's operator
step (changing a membership in an organization TTA staff do not run) is taken for them under a
name that says who asked, and the site's page records what they did."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform import services as platform_services
from pmhc.platform.access import Action, Actor, system_actor
from pmhc.platform.invitation_services import CancelOutcome, cancel_invitation
from pmhc.platform.models import MemberInvitation, Membership, Purpose, Role
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import LearningSite
from pmhc.toolkit.services.sites import _authorize

ADMIN = Purpose.ADMINISTRATION


def _operator(actor: Actor) -> Actor:
    return system_actor(f"learning-site accounts ({actor.name})")


@transaction.atomic
def deactivate_coordinator(actor: Actor, *, site: LearningSite, membership_id: int) -> Membership:
    """End a coordinator's membership of ``site``'s organization: they no longer reach the
    site's requests or profile. Only TTA staff who keep the directory may; removing someone
    already removed changes nothing."""
    tta = _authorize(actor, Action.CHANGE)
    locked = LearningSite.objects.select_for_update().get(pk=site.pk)
    membership = (
        Membership.objects.select_for_update()
        .filter(
            pk=membership_id,
            organization_id=locked.organization_id,
            role=Role.SITE_COORDINATOR,
        )
        .first()
        if locked.organization_id
        else None
    )
    if membership is None:
        raise ValidationError(_("That person is not a coordinator of this site."))
    if not membership.is_active:
        return membership
    platform_services.change_membership(
        _operator(actor), membership=membership, role=membership.role, is_active=False
    )
    audit.record(
        ToolkitAudit.SITE_ACCOUNT_REMOVED,
        actor=actor,
        organization_id=tta.pk,
        obj=locked,
        purpose=ADMIN,
        before={"membership": membership.pk, "is_active": True},
        after={"membership": membership.pk, "is_active": False},
        detail="coordinator removed",
    )
    return membership


@transaction.atomic
def withdraw_invitation(actor: Actor, *, site: LearningSite, invitation_id: int) -> CancelOutcome:
    """Cancel an invitation to coordinate ``site`` that is still open. Says what happened: it
    may have been accepted or cancelled in the meantime."""
    tta = _authorize(actor, Action.CHANGE)
    locked = LearningSite.objects.select_for_update().get(pk=site.pk)
    invitation = (
        MemberInvitation.objects.filter(
            pk=invitation_id, organization_id=locked.organization_id
        ).first()
        if locked.organization_id
        else None
    )
    if invitation is None:
        raise ValidationError(_("That invitation is not one of this site's."))
    outcome = cancel_invitation(_operator(actor), invitation=invitation)
    if outcome == "cancelled":
        audit.record(
            ToolkitAudit.SITE_ACCOUNT_REMOVED,
            actor=actor,
            organization_id=tta.pk,
            obj=locked,
            purpose=ADMIN,
            before={"invitation": invitation.pk, "cancelled": False},
            after={"invitation": invitation.pk, "cancelled": True},
            detail="invitation withdrawn",
        )
    return outcome
