"""The registry as a searcher reads it: the search for a missing person, one enrolment whole
for the responder, and its photo. Each is an audited read, for an active call (a search for a
missing person is one).

Who searches: the registry's readers (``REGISTRY_READERS``) whom the access policy grants safety
data for an active call: the holding agency's call-takers, officers and supervisors, and a
partner's responders and clinicians under an agreement in force that covers safety data for
active calls. Coordinators and case managers read enrolments to review and keep them, not to
search; analysts and TTA staff never read the registry.

Only enrolments in the registry (``ACTIVE``) are found: never one waiting for e-mail
confirmation or review, hidden for want of re-confirmation, declined or withdrawn.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import (
    REGISTRY_READERS,
    SAFETY,
    Caregiver,
    Condition,
    Enrolment,
    EnrolmentStatus,
)
from pmhc.platform import audit
from pmhc.platform.access import Action, Actor, allowed_organization_ids, decide, restrict
from pmhc.platform.models import Purpose

PURPOSE = Purpose.ACTIVE_CALL
#: How many people one search shows at most; more asks the searcher to narrow it.
RESULTS_LIMIT = 20
#: How many words of description a search takes (each must match).
MAX_WORDS = 8
#: What the responder's page shows of an enrolment (named in its read event).
RESPONDER_FIELDS = (
    "full_name",
    "preferred_name",
    "date_of_birth",
    "area",
    "conditions",
    "photo",
    "sex",
    "height_cm",
    "weight_kg",
    "hair",
    "eyes",
    "description",
    "communication",
    "medical_needs",
    "calming",
    "avoid",
    "routines",
    "places",
    "attracted_to_water",
    "attracted_to_traffic",
    "wandering_direction",
    "device_type",
    "device_identifier",
    "device_access",
    "caregivers",
)
#: What a search result card shows.
CARD_FIELDS = ("full_name", "preferred_name", "date_of_birth", "area", "photo", "caregivers")


@dataclass(frozen=True)
class SearchQuery:
    """What a searcher asks, every part optional; at least one is needed to search."""

    words: tuple[str, ...] = ()
    age_from: int | None = None
    age_to: int | None = None
    area: str = ""
    places: str = ""
    conditions: tuple[str, ...] = ()
    water: bool = False
    traffic: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.criteria

    @property
    def criteria(self) -> list[str]:
        """The names of the parts used (for the audit trail: never the typed text)."""
        named = {
            "description": bool(self.words),
            "age": self.age_from is not None or self.age_to is not None,
            "area": bool(self.area),
            "places": bool(self.places),
            "condition": bool(self.conditions),
            "water": self.water,
            "traffic": self.traffic,
        }
        return [name for name, used in named.items() if used]


@dataclass(frozen=True)
class Card:
    """One person found, as a result card shows them."""

    enrolment: Enrolment
    age: int | None
    first_caregiver: Caregiver | None


@dataclass
class SearchResult:
    rows: list[Card] = field(default_factory=list)
    #: More matched than are shown.
    more: bool = False
    searched: bool = False


def can_search(actor: Actor) -> bool:
    """Whether the actor may search any organization's registry."""
    return bool(
        allowed_organization_ids(actor, Action.VIEW, PURPOSE, SAFETY, read_roles=REGISTRY_READERS)
    )


def _searchable(actor: Actor) -> QuerySet[Enrolment]:
    return restrict(
        actor, Enrolment.objects.filter(status=EnrolmentStatus.ACTIVE), Action.VIEW, PURPOSE
    )


def _born_after(day: dt.date, years: int) -> dt.date:
    """The day ``years`` years before ``day`` (the 29th of February falls back a day)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=day.day - 1)


def matching(actor: Actor, query: SearchQuery, today: dt.date) -> QuerySet[Enrolment]:
    """The enrolments in the registry that the actor may search and that match every part of
    ``query``; not yet read (``search`` reads and audits what it shows)."""
    rows = _searchable(actor)
    for word in query.words:
        rows = rows.filter(
            Q(full_name__icontains=word)
            | Q(preferred_name__icontains=word)
            | Q(description__icontains=word)
            | Q(hair__icontains=word)
            | Q(eyes__icontains=word)
            | Q(sex__icontains=word)
        )
    if query.age_from is not None:
        # At least ``age_from`` years old today: born on or before that many years ago.
        rows = rows.filter(date_of_birth__lte=_born_after(today, query.age_from))
    if query.age_to is not None:
        # At most ``age_to``: born after the day ``age_to + 1`` years ago.
        rows = rows.filter(date_of_birth__gt=_born_after(today, query.age_to + 1))
    if query.area:
        rows = rows.filter(area__icontains=query.area)
    if query.places:
        rows = rows.filter(
            Q(places__icontains=query.places)
            | Q(routines__icontains=query.places)
            | Q(wandering_direction__icontains=query.places)
        )
    if query.conditions:
        condition = Q()
        for value in query.conditions:
            # The list is stored as JSON; a quoted value matches one whole entry.
            condition |= Q(conditions__icontains=f'"{Condition(value).value}"')
        rows = rows.filter(condition)
    if query.water:
        rows = rows.filter(attracted_to_water=True)
    if query.traffic:
        rows = rows.filter(attracted_to_traffic=True)
    return rows


def _with_caregivers(rows: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    return rows.select_related("organization").prefetch_related(
        Prefetch("caregivers", queryset=Caregiver.objects.order_by("position", "pk"))
    )


def search(actor: Actor, query: SearchQuery, *, limit: int = RESULTS_LIMIT) -> SearchResult:
    """The people in the registry matching ``query``, by name, at most ``limit``: one audited
    search (what was searched by and how many were shown, never the words typed). An empty
    query searches nothing and writes nothing."""
    if query.is_empty or not can_search(actor):
        return SearchResult()
    today = timezone.localdate()
    found = list(
        _with_caregivers(matching(actor, query, today)).order_by("full_name", "pk")[: limit + 1]
    )
    shown = [row for row in found[:limit] if decide(actor, Action.VIEW, row, PURPOSE)]
    audit.record_read(
        HomeSafeAudit.REGISTRY_SEARCHED,
        actor=actor,
        organization_id=actor.organization_id,
        purpose=PURPOSE,
        object_type="homesafe.enrolment",
        detail=(
            f"count {len(shown)}{' or more' if len(found) > limit else ''}; "
            f"by {', '.join(query.criteria)}; shown: " + ", ".join(row.reference for row in shown)
        ),
    )
    record_holder_reads(actor, shown, CARD_FIELDS)
    cards = [Card(row, row.age_on(today), next(iter(row.caregivers.all()), None)) for row in shown]
    return SearchResult(rows=cards, more=len(found) > limit, searched=True)


def record_holder_reads(
    actor: Actor, enrolments: Iterable[Enrolment], fields: tuple[str, ...]
) -> None:
    """Each person shown is a read in the trail of the organization that holds them, whichever
    organization's search showed them: one event per holder, naming the people and the fields
    shown (one person: the event is on their enrolment)."""
    by_holder: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in enrolments:
        by_holder[enrolment.organization_id].append(enrolment)
    for holder_id, held in by_holder.items():
        one = held[0] if len(held) == 1 else None
        audit.record_read(
            HomeSafeAudit.ENROLMENT_READ,
            actor=actor,
            organization_id=holder_id,
            purpose=PURPOSE,
            obj=one,
            object_type="" if one else "homesafe.enrolment",
            detail=f"read: {', '.join(fields)}"
            + ("" if one else f"; of {', '.join(row.reference for row in held)}"),
        )


def readable_enrolment(actor: Actor, reference: str) -> Enrolment:
    """An enrolment in the registry that the actor may read for an active call, not yet
    audited; 404 when missing, not in the registry or not allowed."""
    enrolment = _with_caregivers(_searchable(actor)).filter(reference=reference).first()
    if enrolment is None or not decide(actor, Action.VIEW, enrolment, PURPOSE):
        raise Http404("Not found")
    return enrolment


def enrolment_for_responder(actor: Actor, reference: str) -> Enrolment:
    """Everything a searcher needs about one person: an audited read."""
    enrolment = readable_enrolment(actor, reference)
    audit.record_read(
        HomeSafeAudit.ENROLMENT_READ,
        actor=actor,
        organization_id=enrolment.organization_id,
        purpose=PURPOSE,
        obj=enrolment,
        fields=RESPONDER_FIELDS,
    )
    return enrolment


def enrolment_photo(actor: Actor, reference: str) -> Enrolment:
    """An enrolment whose photo is about to be shown: an audited read of the photo."""
    enrolment = readable_enrolment(actor, reference)
    if not enrolment.photo:
        raise Http404("Not found")
    audit.record_read(
        HomeSafeAudit.ENROLMENT_READ,
        actor=actor,
        organization_id=enrolment.organization_id,
        purpose=PURPOSE,
        obj=enrolment,
        fields=("photo",),
    )
    return enrolment
