"""Reads of the registry by the agency that holds it: the review queue with its counts, one
enrolment with its caregivers, and its photo. Each read of what the registry says about a
person is audited."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.http import Http404, QueryDict

from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import (
    ENROLMENT_REVIEWERS,
    CorrectionRequest,
    CorrectionStatus,
    Enrolment,
    EnrolmentStatus,
)
from pmhc.homesafe.registry_common import PURPOSE
from pmhc.platform import audit, keyset
from pmhc.platform.access import Action, Actor, decide, restrict

PAGE_SIZE = 25
#: Counts on the queue's tabs stop at this bound ("100+").
COUNT_BOUND = 100
ORDER = ("submitted_at", "pk")

#: The queue's lists: what each holds, in the agency's words.
LISTS = ("review", "changed", "hidden", "active", "requests")


def _changed() -> Q:
    return Q(status=EnrolmentStatus.ACTIVE, updated_at__gt=F("reviewed_at"))


def _filters() -> dict[str, Q]:
    return {
        "review": Q(status=EnrolmentStatus.IN_REVIEW),
        "changed": _changed(),
        "hidden": Q(status=EnrolmentStatus.HIDDEN),
        "active": Q(status=EnrolmentStatus.ACTIVE),
    }


def reviewed_organization_ids(actor: Actor) -> list[int]:
    """The organizations whose enrolments the actor reviews (coordinator or supervisor)."""
    return sorted(
        grant.organization_id for grant in actor.grants if grant.role in ENROLMENT_REVIEWERS
    )


def is_reviewer(actor: Actor) -> bool:
    return bool(reviewed_organization_ids(actor))


def _reviewable(actor: Actor) -> QuerySet[Enrolment]:
    ids = reviewed_organization_ids(actor)
    if not ids:
        return Enrolment.objects.none()
    return restrict(actor, Enrolment.objects.all(), Action.CHANGE, PURPOSE).filter(
        organization_id__in=ids
    )


@dataclass(frozen=True)
class Queue:
    show: str
    counts: dict[str, tuple[int, bool]]
    page: keyset.KeysetPage[Enrolment] | None
    requests: keyset.KeysetPage[CorrectionRequest] | None


def queue(actor: Actor, *, show: str, params: QueryDict) -> Queue:
    """One list of the review queue, a page at a time, with the count of each list (counted
    up to ``COUNT_BOUND``). Only coordinators and supervisors of the holding agency."""
    if not is_reviewer(actor):
        raise Http404("Not found")
    show = show if show in LISTS else "review"
    base = _reviewable(actor)
    counts = {
        name: keyset.count_up_to(base.filter(condition), COUNT_BOUND, order=ORDER)
        for name, condition in _filters().items()
    }
    requests_base = restrict(actor, CorrectionRequest.objects.all(), Action.VIEW, PURPOSE).filter(
        organization_id__in=reviewed_organization_ids(actor)
    )
    counts["requests"] = keyset.count_up_to(
        requests_base.filter(status=CorrectionStatus.OPEN), COUNT_BOUND, order=("pk",)
    )
    if show == "requests":
        requests = keyset.paginate(
            requests_base.order_by(),
            params,
            order=("-received_at", "-pk"),
            kinds=(dt.datetime, int),
            size=PAGE_SIZE,
        )
        _audit_list(actor, show, len(requests))
        return Queue(show, counts, None, requests)
    page = keyset.paginate(
        base.filter(_filters()[show]),
        params,
        order=ORDER,
        kinds=(dt.datetime, int),
        size=PAGE_SIZE,
    )
    _audit_list(actor, show, len(page))
    return Queue(show, counts, page, None)


def _audit_list(actor: Actor, show: str, rows: int) -> None:
    if rows:
        audit.record_read(
            HomeSafeAudit.ENROLMENT_READ,
            actor=actor,
            organization_id=actor.organization_id,
            purpose=PURPOSE,
            object_type="homesafe.enrolment",
            detail=f"review queue: {show}, {rows} rows",
        )


def enrolment_for_review(actor: Actor, reference: str) -> Enrolment:
    """One enrolment, with its caregivers, for a coordinator or supervisor of its agency."""
    enrolment = (
        _reviewable(actor)
        .select_related("organization", "reviewed_by", "enrolled_by_user")
        .prefetch_related("caregivers")
        .filter(reference=reference)
        .first()
    )
    if enrolment is None or not decide(actor, Action.VIEW, enrolment, PURPOSE):
        raise Http404("Not found")
    audit.record_read(
        HomeSafeAudit.ENROLMENT_READ,
        actor=actor,
        organization_id=enrolment.organization_id,
        purpose=PURPOSE,
        obj=enrolment,
        detail=f"enrolment {enrolment.reference} for review",
    )
    return enrolment


def photo_for(actor: Actor, reference: str) -> Enrolment:
    """The photo on the review page: for the coordinators and supervisors who review the
    holding agency's enrolments, whatever the enrolment's state. Responders see photos of
    enrolments in the registry only, through the search's own photo view. Audited."""
    enrolment = _reviewable(actor).filter(reference=reference).exclude(photo="").first()
    if enrolment is None or not decide(actor, Action.VIEW, enrolment, PURPOSE):
        raise Http404("Not found")
    audit.record_read(
        HomeSafeAudit.ENROLMENT_READ,
        actor=actor,
        organization_id=enrolment.organization_id,
        purpose=PURPOSE,
        obj=enrolment,
        fields=["photo"],
    )
    return enrolment


def is_changed_since_review(enrolment: Enrolment) -> bool:
    return (
        enrolment.status == EnrolmentStatus.ACTIVE
        and enrolment.reviewed_at is not None
        and enrolment.updated_at > enrolment.reviewed_at
    )
