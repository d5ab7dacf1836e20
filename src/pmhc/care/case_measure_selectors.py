"""What Measure counts of case management: repeat crisis contacts of people with and without a
case in the 90 days after a crisis contact.

For an organization and a period, each person (an identity: all their records counted together)
with a crisis contact in the period (a call, an encounter or a contact note the organization
holds, from the contacts registry, ``people.contacts``) has an *index contact*, their first in
the period. Their *repeat contacts* are their contacts after it, up to ``FOLLOW_DAYS`` days
later. A person is *with a case* when a case of the organization for any of their records was
open at some time in those days (opened before the window ends, not closed before the index
contact); otherwise *without*. A contact at one time under two records of the person (a call
naming both) is one contact.

These are counts, never rows: an aggregate read for evaluation. Measure suppresses small cells
where it shows them outside the organization (``access.suppress_small_cells``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from pmhc.care.models import Case
from pmhc.people import contacts
from pmhc.people.models import Person
from pmhc.platform.access import Action, Actor, Target, decide
from pmhc.platform.models import Classification, Organization, Purpose

EVALUATION = Purpose.EVALUATION
#: How long after the index contact repeat contacts are counted.
FOLLOW_DAYS = 90
#: Bounds of one count: the people counted, and the contacts read for each.
PEOPLE_LIMIT = 10_000
CONTACTS_PER_PERSON = 1_000


@dataclass(frozen=True)
class Group:
    people: int
    #: People with at least one repeat contact.
    people_repeating: int
    repeat_contacts: int


@dataclass(frozen=True)
class RepeatContacts:
    start: dt.datetime
    end: dt.datetime
    with_case: Group
    without_case: Group
    #: Whether every index contact's 90 days have passed (the figures will not change).
    complete: bool
    #: Whether a bound cut the count short.
    cut: bool


def may_count(actor: Actor, organization: Organization) -> bool:
    return bool(
        decide(
            actor,
            Action.VIEW,
            Target(
                organization_ids=frozenset({organization.pk}),
                access_classification=Classification.AGGREGATE,
            ),
            EVALUATION,
        )
    )


def repeat_contacts(
    actor: Actor,
    organization: Organization,
    start: dt.datetime,
    end: dt.datetime,
    *,
    now: dt.datetime | None = None,
) -> RepeatContacts:
    """Repeat crisis contacts in the ``FOLLOW_DAYS`` days after a first contact in
    ``[start, end)``, of people with and without a case (see the module)."""
    if not may_count(actor, organization):
        raise Http404("Not found")
    now = now or timezone.now()
    follow = dt.timedelta(days=FOLLOW_DAYS)
    ranked = contacts.counts_by_identity(organization.pk, start, 1, PEOPLE_LIMIT + 1)
    cut = len(ranked) > PEOPLE_LIMIT
    identities = [identity for identity, _n in ranked[:PEOPLE_LIMIT]]
    identity_of = dict(
        Person.objects.filter(organization=organization, identity_id__in=identities).values_list(
            "pk", "identity_id"
        )
    )
    times: dict[int, set[tuple[dt.datetime, str]]] = {}
    found = contacts.contacts_of(organization.pk, list(identity_of), start, CONTACTS_PER_PERSON)
    for contact in found:
        identity = identity_of.get(contact.person_id)
        if identity is not None:
            times.setdefault(int(identity), set()).add((contact.at, contact.url))
    index: dict[int, dt.datetime] = {}
    repeats: dict[int, int] = {}
    for identity, seen in times.items():
        # One contact per link: a call naming two records of the person is one contact.
        by_url: dict[str, dt.datetime] = {}
        for at, url in seen:
            by_url[url] = min(at, by_url.get(url, at))
        ordered = sorted(by_url.values())
        first = next((at for at in ordered if start <= at < end), None)
        if first is None:
            continue
        index[identity] = first
        repeats[identity] = sum(1 for at in ordered if first < at <= first + follow)
    cases = Case.objects.filter(
        organization=organization, person__identity_id__in=list(index)
    ).values_list("person__identity_id", "opened_at", "closed_at")
    with_case: set[int] = set()
    for identity, opened_at, closed_at in cases:
        first = index[int(identity)]
        if opened_at <= first + follow and (closed_at is None or closed_at >= first):
            with_case.add(int(identity))

    def group(members: list[int]) -> Group:
        return Group(
            people=len(members),
            people_repeating=sum(1 for identity in members if repeats[identity]),
            repeat_contacts=sum(repeats[identity] for identity in members),
        )

    return RepeatContacts(
        start=start,
        end=end,
        with_case=group([i for i in index if i in with_case]),
        without_case=group([i for i in index if i not in with_case]),
        complete=end + follow <= now,
        cut=cut,
    )
