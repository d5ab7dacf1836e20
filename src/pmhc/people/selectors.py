"""Every read of a person's record, narrowed to what the actor may see for the purpose given,
and written to the audit trail: one ``people.person_read`` event for each person whose details
are shown, with the purpose of the read.

The policy grants personal data for care purposes to the roles that give care: for an active
call that is call-takers, officers, supervisors and clinicians of the agency, and a partner's
clinicians under an agreement in force that covers personal data for active calls.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet
from django.http import Http404

from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import PEOPLE_WRITERS, Person
from pmhc.platform import restricted
from pmhc.platform.access import (
    Action,
    Actor,
    Target,
    allowed_organization_ids,
    decide,
    get_or_404,
    restrict,
)
from pmhc.platform.models import Classification, Organization, Purpose

#: The purpose of the Operate pages: people are looked up to respond to a call.
ACTIVE_CALL = Purpose.ACTIVE_CALL
#: How many people a search shows at most; each one shown is an audited read.
SEARCH_LIMIT = 25


def people_target(organization: Organization) -> Target:
    """An organization's people as the policy sees them, for checks before a record exists."""
    return Target(
        organization_ids=frozenset({organization.pk}),
        access_classification=Classification.PERSONAL,
        access_write_roles=PEOPLE_WRITERS,
    )


def readable_organization_ids(actor: Actor, purpose: str = ACTIVE_CALL) -> frozenset[int]:
    """The organizations whose people this actor may read for ``purpose``."""
    return allowed_organization_ids(actor, Action.VIEW, purpose, Classification.PERSONAL)


def can_read_people(actor: Actor, purpose: str = ACTIVE_CALL) -> bool:
    return bool(readable_organization_ids(actor, purpose))


def can_change(actor: Actor, person: Person, purpose: str = ACTIVE_CALL) -> bool:
    return bool(decide(actor, Action.CHANGE, person, purpose))


def can_create(actor: Actor, organization: Organization, purpose: str = ACTIVE_CALL) -> bool:
    return bool(decide(actor, Action.CREATE, people_target(organization), purpose))


def _shown_whole(actor: Actor, person: Person, purpose: str) -> bool:
    """Whether the actor may read every field ``Person.restricted_fields`` names. A person is
    shown whole or not at all: the pages print their names, age and description together.
    (Each of those fields is personal, like the record, so today this answers as the record's
    own check does; a stricter field added later would withhold the person, not leak.)"""
    return restricted.readable(actor, person, purpose) == frozenset(restricted.declared(person))


def _read_whole(actor: Actor, people: Iterable[Person], purpose: str) -> list[Person]:
    """The people among ``people`` shown whole, each one an audited read (its aliases, shown
    with it, ride on its event)."""
    shown = [person for person in people if _shown_whole(actor, person, purpose)]
    for person in shown:
        restricted.read(actor, person, purpose, audit_action=PeopleAudit.PERSON_READ)
    return shown


def _one(actor: Actor, person: Person, purpose: str) -> Person:
    if not _read_whole(actor, [person], purpose):
        raise Http404("Not found")
    return person


def person_detail(actor: Actor, pk: int, *, purpose: str) -> Person:
    """One person with their aliases; 404 when missing or not allowed. The read is audited."""
    person = get_or_404(
        actor,
        Person.objects.select_related("organization").prefetch_related("aliases"),
        Action.VIEW,
        purpose,
        pk=pk,
    )
    return _one(actor, person, purpose)


def person_for_change(actor: Actor, pk: int, *, purpose: str) -> Person:
    """A person the actor may change (the edit form shows the details: an audited read)."""
    person = get_or_404(
        actor,
        Person.objects.select_related("organization").prefetch_related("aliases"),
        Action.CHANGE,
        purpose,
        pk=pk,
    )
    return _one(actor, person, purpose)


def read_people(actor: Actor, people: Iterable[Person], *, purpose: str) -> list[Person]:
    """Keep only the people the actor may read for ``purpose``, in the order given, and write
    one read event for each person returned. For call and encounter pages."""
    candidates: list[Person] = []
    seen: set[int] = set()
    for person in people:
        if person.pk in seen or not decide(actor, Action.VIEW, person, purpose):
            continue
        seen.add(person.pk)
        candidates.append(person)
    return _read_whole(actor, candidates, purpose)


def search_queryset(actor: Actor, query: str, *, purpose: str) -> QuerySet[Person]:
    """The people matching ``query`` by name or alias, among those the actor may read; not
    yet audited (``search_people`` audits what it returns)."""
    people = restrict(actor, Person.objects.all(), Action.VIEW, purpose)
    for word in query.split():
        people = people.filter(
            Q(family_name__icontains=word)
            | Q(given_name__icontains=word)
            | Q(aliases__name__icontains=word)
        )
    return people.distinct().prefetch_related("aliases").order_by("family_name", "given_name", "pk")


def search_people(
    actor: Actor, query: str, *, purpose: str, limit: int = SEARCH_LIMIT
) -> list[Person]:
    """People by name or alias (every word must match one of them). Each person returned is
    shown, so each is an audited read. An empty query finds nobody."""
    if not query.strip():
        return []
    return _read_whole(actor, search_queryset(actor, query, purpose=purpose)[:limit], purpose)


def people_on_call(actor: Actor, call_id: int, *, purpose: str) -> list[Person]:
    """The people recorded on a call that the actor may read; each is an audited read."""
    people = Person.objects.filter(calls__call_id=call_id).prefetch_related("aliases")
    return read_people(actor, people.order_by("calls__pk"), purpose=purpose)


def people_in_encounter(actor: Actor, encounter_id: int, *, purpose: str) -> list[Person]:
    """The people involved in an encounter that the actor may read; each is an audited read."""
    people = Person.objects.filter(encounters__encounter_id=encounter_id).prefetch_related(
        "aliases"
    )
    return read_people(actor, people.order_by("encounters__pk"), purpose=purpose)
