"""Every read of technical-assistance requests, narrowed to what the actor may see.

TTA staff see the requests their organization handles (the contact details are personal
data, so opening one is recorded as TA_READ). The requester sees their own request's status
through the private link, and nothing else.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from pmhc.platform import audit
from pmhc.platform.access import (
    Action,
    Actor,
    allowed_organization_ids,
    get_or_404,
    restrict,
)
from pmhc.platform.models import (
    AuditEvent,
    Classification,
    Membership,
    Purpose,
    Role,
    User,
)
from pmhc.toolkit import geo
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import LearningSite, ProgramTypeCode, TANote, TARequest, TAStatus
from pmhc.toolkit.references import token_hash

ADMIN = Purpose.ADMINISTRATION
#: The promise on the request page: every request is confirmed within 36 hours.
CONFIRM_WITHIN = dt.timedelta(hours=36)
#: The assignee is reminded when a request is still unconfirmed after this long.
REMIND_AFTER = dt.timedelta(hours=24)
OPEN_STATUSES: frozenset[str] = frozenset(
    {TAStatus.RECEIVED, TAStatus.CONFIRMED, TAStatus.MATCHED, TAStatus.SCHEDULED}
)


@cache
def state_names() -> dict[str, str]:
    """U.S. states and D.C. by postal code, in the order of their names (for choices)."""
    return dict(sorted(geo.state_names().items(), key=lambda item: item[1]))


def active_sites() -> QuerySet[LearningSite]:
    """Public: the learning sites taking requests."""
    return LearningSite.objects.current().order_by("state", "agency")


def is_overdue(ta_request: TARequest, now: dt.datetime) -> bool:
    return ta_request.status == TAStatus.RECEIVED and now - ta_request.received_at > CONFIRM_WITHIN


# --- Staff ----------------------------------------------------------------------------------


def staff_organization_ids(actor: Actor) -> frozenset[int]:
    """The organizations whose requests the actor may work on; a 404 for everyone else, so
    the staff pages do not even reveal that they exist."""
    ids = allowed_organization_ids(actor, Action.VIEW, ADMIN, Classification.PERSONAL)
    if not ids or not actor.has_role(Role.TTA_STAFF):
        raise Http404("Not found")
    return ids


def _visible(actor: Actor) -> QuerySet[TARequest]:
    staff_organization_ids(actor)
    return restrict(actor, TARequest.objects.all(), Action.VIEW, ADMIN)


@dataclass(frozen=True)
class QueueRow:
    request: TARequest
    age: dt.timedelta
    due_at: dt.datetime
    overdue: bool


def queue(actor: Actor, *, show: str = "open", now: dt.datetime | None = None) -> list[QueueRow]:
    """The requests the actor's organization handles. ``show`` is "open" (the default,
    oldest first), "overdue", "all", "mine", or one status."""
    now = now or timezone.now()
    requests = _visible(actor).select_related("assigned_to", "matched_site")
    if show == "all":
        requests = requests.order_by("-received_at")
    elif show == "overdue":
        requests = requests.filter(
            status=TAStatus.RECEIVED, received_at__lt=now - CONFIRM_WITHIN
        ).order_by("received_at")
    elif show == "mine":
        requests = requests.filter(assigned_to_id=actor.user_id, status__in=OPEN_STATUSES).order_by(
            "received_at"
        )
    elif show in TAStatus.values:
        requests = requests.filter(status=show).order_by("-received_at")
    else:
        requests = requests.filter(status__in=OPEN_STATUSES).order_by("received_at")
    return [
        QueueRow(r, now - r.received_at, r.received_at + CONFIRM_WITHIN, is_overdue(r, now))
        for r in requests
    ]


def request_for_change(actor: Actor, reference: str) -> TARequest:
    """A request the actor may act on (no contact details are shown on the way)."""
    staff_organization_ids(actor)
    return get_or_404(
        actor,
        TARequest.objects.select_related("handled_by", "assigned_to", "matched_site"),
        Action.CHANGE,
        ADMIN,
        reference=reference,
    )


@transaction.atomic
def request_for_staff(actor: Actor, reference: str) -> TARequest:
    """One request with its contact details; the read is recorded (TA_READ)."""
    staff_organization_ids(actor)
    found = get_or_404(
        actor,
        TARequest.objects.select_related(
            "handled_by", "assigned_to", "matched_site", "preferred_site"
        ),
        Action.VIEW,
        ADMIN,
        reference=reference,
    )
    audit.record_read(
        ToolkitAudit.TA_READ,
        actor=actor,
        organization_id=found.handled_by_id,
        obj=found,
        purpose=ADMIN,
        detail="contact details shown",
    )
    return found


def assignable_staff(actor: Actor, ta_request: TARequest) -> QuerySet[User]:
    """The TTA staff of the organization handling the request."""
    memberships = restrict(actor, Membership.objects.all(), Action.VIEW, ADMIN).filter(
        organization_id=ta_request.handled_by_id,
        role=Role.TTA_STAFF,
        is_active=True,
        user__is_active=True,
    )
    return User.objects.filter(pk__in=memberships.values("user_id")).order_by(
        "last_name", "first_name", "username"
    )


def notes(actor: Actor, ta_request: TARequest) -> list[TANote]:
    """The staff notes of a request the actor may see."""
    if not _visible(actor).filter(pk=ta_request.pk).exists():
        raise Http404("Not found")
    return list(ta_request.notes.select_related("author").order_by("created_at"))


def trail(actor: Actor, ta_request: TARequest) -> list[AuditEvent]:
    """The request's own audit events, for the staff (who, what, when), each with the label
    of the status it moved to, if it moved."""
    events = list(
        restrict(actor, AuditEvent.objects.all(), Action.VIEW, ADMIN)
        .filter(object_type=TARequest._meta.label_lower, object_id=str(ta_request.pk))
        .order_by("id")
    )
    labels = dict(TAStatus.choices)
    for event in events:
        after, before = event.after or {}, event.before or {}
        moved = after.get("status") and after.get("status") != before.get("status")
        event.status_label = labels.get(after["status"], "") if moved else ""  # type: ignore[attr-defined]
    return events


# --- The requester's private status page ----------------------------------------------------


def request_by_token(token: str) -> TARequest:
    """The request behind a private status link; 404 for any other token."""
    found = (
        TARequest.objects.select_related("matched_site", "handled_by")
        .filter(status_token_hash=token_hash(token))
        .first()
    )
    if found is None:
        raise Http404("Not found")
    return found


@dataclass(frozen=True)
class Step:
    status: str
    label: str
    at: dt.datetime


def status_history(ta_request: TARequest) -> list[Step]:
    """Each status the request has had and when, from its audit events (statuses only: no
    notes, no names)."""
    steps = [Step(TAStatus.RECEIVED, str(TAStatus.RECEIVED.label), ta_request.received_at)]
    events = AuditEvent.objects.filter(
        action=ToolkitAudit.TA_CHANGED,
        object_type=TARequest._meta.label_lower,
        object_id=str(ta_request.pk),
    ).order_by("id")
    for event in events:
        before, after = event.before or {}, event.after or {}
        status = after.get("status")
        if status not in TAStatus.values:
            continue
        # An assignment changes none of these; matching again or rescheduling does.
        if all(after.get(k) == before.get(k) for k in ("status", "matched_site", "scheduled_for")):
            continue
        at = event.occurred_at
        if after.get("status_changed_at"):
            at = dt.datetime.fromisoformat(str(after["status_changed_at"]))
        steps.append(Step(status, str(TAStatus(status).label), at))
    return steps


# --- The SLA board --------------------------------------------------------------------------

PERIODS = {"30": 30, "90": 90, "365": 365}


@dataclass
class SLABoard:
    now: dt.datetime
    total: int = 0
    counted: int = 0
    on_time: int = 0
    confirmed: int = 0
    declined_unconfirmed: int = 0
    median_hours: float | None = None
    overdue: list[QueueRow] = field(default_factory=list)
    by_state: list[tuple[str, str, int]] = field(default_factory=list)
    by_topic: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    #: Travel support the visiting agencies recorded: how many asked, and the sums (US$).
    travel_requests: int = 0
    travel_requested: Decimal = Decimal("0.00")
    travel_received: Decimal = Decimal("0.00")

    @property
    def share(self) -> float | None:
        """Percent of the counted requests confirmed within 36 hours."""
        return 100 * self.on_time / self.counted if self.counted else None


def sla_board(actor: Actor, *, now: dt.datetime | None = None, days: int | None = None) -> SLABoard:
    """How well the promise is kept, over the requests the actor's organization handles.

    Counted: requests already confirmed, and those received more than 36 hours ago (whose
    deadline has passed). Requests declined before anyone confirmed them are left out of the
    share (they were answered, not confirmed). ``days`` limits everything to requests received
    in that many days before ``now``.
    """
    now = now or timezone.now()
    requests = _visible(actor).select_related("assigned_to", "matched_site")
    if days:
        requests = requests.filter(received_at__gte=now - dt.timedelta(days=days))
    board = SLABoard(now=now)
    states: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    statuses: Counter[str] = Counter()
    hours: list[float] = []
    for r in requests.order_by("received_at"):
        board.total += 1
        states[r.state] += 1
        statuses[r.status] += 1
        for code in r.program_types or ["none"]:
            topics[code] += 1
        if r.confirmed_at is not None:
            board.confirmed += 1
            waited = r.confirmed_at - r.received_at
            hours.append(waited.total_seconds() / 3600)
            board.counted += 1
            board.on_time += waited <= CONFIRM_WITHIN
        elif r.status == TAStatus.DECLINED:
            board.declined_unconfirmed += 1
        elif now - r.received_at > CONFIRM_WITHIN:
            board.counted += 1
        if r.travel_requested is not None:
            board.travel_requests += 1
            board.travel_requested += r.travel_requested
            board.travel_received += r.travel_received or Decimal("0.00")
        if is_overdue(r, now):
            board.overdue.append(
                QueueRow(r, now - r.received_at, r.received_at + CONFIRM_WITHIN, True)
            )
    board.median_hours = statistics.median(hours) if hours else None
    names = state_names()
    board.by_state = [
        (code, names.get(code, code), count)
        for code, count in sorted(states.items(), key=lambda kv: (-kv[1], names.get(kv[0], kv[0])))
    ]
    labels = {**dict(ProgramTypeCode.choices), "none": _("None chosen")}
    order = [*ProgramTypeCode.values, "none"]
    board.by_topic = [(str(labels[code]), topics[code]) for code in order if topics[code]]
    board.by_status = [(str(label), statuses[code]) for code, label in TAStatus.choices]
    return board
