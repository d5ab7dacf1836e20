"""Reads of break-glass uses: the supervisors' review queue, and the actor's own active use."""

from __future__ import annotations

from django.db.models import QuerySet

from pmhc.platform.access import EMERGENCY_ROLES, Action, Actor, BreakGlass, restrict
from pmhc.platform.models import BreakGlassUse, Organization, Purpose, Role

#: How many uses the queue shows at once, oldest first; the rest wait their turn.
QUEUE_LIMIT = 50


def reviews_organization_ids(actor: Actor) -> frozenset[int]:
    """The organizations whose uses this actor reviews: where they are a supervisor."""
    return frozenset(g.organization_id for g in actor.grants if g.role == Role.SUPERVISOR)


def can_review(actor: Actor) -> bool:
    return bool(reviews_organization_ids(actor))


def _reviewable(actor: Actor) -> QuerySet[BreakGlassUse]:
    return (
        restrict(actor, BreakGlassUse.objects.all(), Action.VIEW, Purpose.ADMINISTRATION)
        .filter(organization_id__in=sorted(reviews_organization_ids(actor)))
        .exclude(user_id=actor.user_id or 0)
    )


def review_queue(actor: Actor, *, limit: int = QUEUE_LIMIT) -> list[BreakGlassUse]:
    """Uses waiting for review in the actor's organizations, oldest first, never their own."""
    if not can_review(actor):
        return []
    return list(
        _reviewable(actor)
        .filter(reviewed_at__isnull=True)
        .select_related("user", "organization")
        .order_by("started_at", "pk")[:limit]
    )


def recently_reviewed(actor: Actor, *, limit: int = 10) -> list[BreakGlassUse]:
    if not can_review(actor):
        return []
    return list(
        _reviewable(actor)
        .filter(reviewed_at__isnull=False)
        .select_related("user", "reviewed_by")
        .order_by("-reviewed_at", "-pk")[:limit]
    )


def my_active_use(actor: Actor) -> BreakGlass | None:
    """The actor's active use, as the actor carries it (no query)."""
    use = actor.break_glass
    return use if use is not None and use.is_open() else None


def break_glass_organizations(actor: Actor) -> list[Organization]:
    """The organizations where the actor may break the glass, in membership order."""
    ids = [g.organization_id for g in actor.grants if g.role in EMERGENCY_ROLES]
    if actor.kind != "user" or not ids:
        return []
    by_id = Organization.objects.in_bulk(ids)
    return [by_id[i] for i in dict.fromkeys(ids) if i in by_id]
