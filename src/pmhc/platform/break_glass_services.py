"""Break-glass: start, end and review a use of emergency access.

A use opens the emergency purpose (``Purpose.EMERGENCY``) to its user in its organization
until it expires or they end it; the access policy reads it from the actor. Starting one
alerts the organization's active supervisors and administrators by e-mail, after the
transaction commits; a supervisor other than the user then marks it justified or not.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform.access import EMERGENCY_ROLES, Actor
from pmhc.platform.models import (
    AuditAction,
    BreakGlassUse,
    Membership,
    Organization,
    Purpose,
    Role,
)
from pmhc.platform.services import queue_email

#: Who is alerted when a member of their organization breaks the glass.
ALERTED_ROLES = frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR})
#: Who reviews a use.
REVIEWING_ROLES = frozenset({Role.SUPERVISOR})
AUDITED_FIELDS = (
    "user_id",
    "organization_id",
    "reason",
    "started_at",
    "expires_at",
    "ended_at",
    "reviewed_by_id",
    "reviewed_at",
    "justified",
    "review_note",
)


def time_box() -> dt.timedelta:
    return dt.timedelta(minutes=settings.BREAK_GLASS_MINUTES)


def _active_for_update(actor: Actor) -> BreakGlassUse | None:
    if actor.user_id is None:
        return None
    return (
        BreakGlassUse.objects.select_for_update()
        .filter(user_id=actor.user_id, ended_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-started_at", "-pk")
        .first()
    )


def _alert(actor: Actor, use: BreakGlassUse) -> None:
    recipients = sorted(
        set(
            Membership.objects.filter(
                organization_id=use.organization_id,
                is_active=True,
                role__in=sorted(ALERTED_ROLES),
                user__is_active=True,
            )
            .exclude(user_id=use.user_id)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )
    if not recipients:
        return
    # The reason stays in the product: the message says who and until when, and where to
    # review it, nothing about the person whose record may be read.
    body = _(
        "%(name)s started break-glass emergency access at %(organization)s. It ends at "
        "%(until)s (UTC) unless they end it sooner. Every read under it is audited.\n\n"
        "Review it: %(path)s"
    ) % {
        "name": actor.name,
        "organization": use.organization.name,
        "until": use.expires_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M"),
        "path": reverse("break_glass_reviews"),
    }
    queue_email(
        actor,
        to=recipients,
        subject=_("Break-glass emergency access started at %(organization)s")
        % {"organization": use.organization.name},
        body=body,
        purpose="break_glass",
        organization=use.organization,
    )


@transaction.atomic
def start_break_glass(actor: Actor, *, organization: Organization, reason: str) -> BreakGlassUse:
    """Open emergency access for ``actor`` in ``organization``. A second start while a use is
    active in the same organization gives that use back (a repeated submit never fails)."""
    if actor.kind != "user" or actor.user_id is None:
        raise PermissionDenied("Only a person may break the glass.")
    if actor.role_in(organization.pk) not in EMERGENCY_ROLES:
        raise PermissionDenied("This role has no emergency access here.")
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why you need emergency access.")})
    if len(reason) > BreakGlassUse.REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Keep the reason to %(max)d characters.")
                % {"max": BreakGlassUse.REASON_MAX_LENGTH}
            }
        )
    current = _active_for_update(actor)
    if current is not None:
        if current.organization_id == organization.pk:
            return current
        raise ValidationError(
            _("End your emergency access at the other organization before starting one here.")
        )
    now = timezone.now()
    use = BreakGlassUse.objects.create(
        user_id=actor.user_id,
        organization=organization,
        reason=reason,
        started_at=now,
        expires_at=now + time_box(),
    )
    audit.record(
        AuditAction.BREAK_GLASS_STARTED,
        actor=actor,
        organization_id=organization.pk,
        obj=use,
        purpose=Purpose.EMERGENCY,
        after=audit.snapshot(use, AUDITED_FIELDS),
        detail=f"break-glass use {use.pk}",
    )
    _alert(actor, use)
    return use


@transaction.atomic
def end_break_glass(actor: Actor) -> BreakGlassUse | None:
    """End the actor's active use now. With none active (ended twice, or expired), nothing
    changes and nothing is written."""
    if actor.kind != "user" or actor.user_id is None:
        raise PermissionDenied("Only a person may end their emergency access.")
    use = _active_for_update(actor)
    if use is None:
        return None
    before = audit.snapshot(use, AUDITED_FIELDS)
    use.ended_at = timezone.now()
    use.save(update_fields=["ended_at"])
    audit.record(
        AuditAction.BREAK_GLASS_ENDED,
        actor=actor,
        organization_id=use.organization_id,
        obj=use,
        purpose=Purpose.EMERGENCY,
        before=before,
        after=audit.snapshot(use, AUDITED_FIELDS),
        detail=f"break-glass use {use.pk}",
    )
    return use


@transaction.atomic
def review_break_glass(
    actor: Actor, *, use_id: int, justified: bool, note: str = ""
) -> BreakGlassUse:
    """A supervisor of the use's organization, not its user, marks it justified or not.
    Reviewing a use already reviewed changes nothing (a repeated submit never fails)."""
    use = BreakGlassUse.objects.select_for_update().filter(pk=use_id).first()
    if (
        use is None
        or actor.kind != "user"
        or actor.role_in(use.organization_id) not in REVIEWING_ROLES
        or use.user_id == actor.user_id
    ):
        raise PermissionDenied("No such break-glass use to review.")
    note = note.strip()
    if len(note) > BreakGlassUse.NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "note": _("Keep the note to %(max)d characters.")
                % {"max": BreakGlassUse.NOTE_MAX_LENGTH}
            }
        )
    if use.reviewed_at is not None:
        return use
    before = audit.snapshot(use, AUDITED_FIELDS)
    use.reviewed_by_id = actor.user_id
    use.reviewed_at = timezone.now()
    use.justified = justified
    use.review_note = note
    use.save(update_fields=["reviewed_by", "reviewed_at", "justified", "review_note"])
    audit.record(
        AuditAction.BREAK_GLASS_REVIEWED,
        actor=actor,
        organization_id=use.organization_id,
        obj=use,
        purpose=Purpose.ADMINISTRATION,
        before=before,
        after=audit.snapshot(use, AUDITED_FIELDS),
        detail=f"break-glass use {use.pk}",
    )
    return use
