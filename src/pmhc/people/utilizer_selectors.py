"""The high-utilizer list: the people (identities) with at least N contacts in the last M days,
N and M being the organization's linkage settings, each with their contacts on a timeline.

Contacts come from the apps that hold them (``people.contacts``). The list is for case
management: the coordinator and the case manager. Each person named on it is an audited read of
the record that names them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.http import Http404
from django.utils import timezone

from pmhc.people import contacts, selectors
from pmhc.people.identity_models import Identity, LinkageSettings
from pmhc.people.identity_selectors import PURPOSE, linkage_settings
from pmhc.people.models import Person
from pmhc.platform.access import Action, Actor, decide
from pmhc.platform.models import Organization, Role

#: Who sees the list: those who will manage the cases it starts.
UTILIZER_READERS = frozenset({Role.COORDINATOR, Role.CASE_MANAGER})
#: The people with the most contacts shown at most, and the contacts shown for each (their
#: newest).
SHOWN = 50
TIMELINE_SHOWN = 20


@dataclass(frozen=True)
class Utilizer:
    identity_id: int
    contact_count: int
    records: int
    #: The record that names the person on the list (their first); None when the reader may
    #: not read it.
    named_by: Person | None
    #: The newest of their contacts, at most ``TIMELINE_SHOWN``.
    timeline: list[contacts.Contact]

    @property
    def timeline_cut(self) -> bool:
        return len(self.timeline) < self.contact_count


@dataclass(frozen=True)
class UtilizerList:
    settings: LinkageSettings
    since: dt.datetime
    people: list[Utilizer]
    more: bool


def can_read(actor: Actor, organization: Organization) -> bool:
    role = actor.role_in(organization.pk)
    return role in UTILIZER_READERS and bool(
        decide(actor, Action.VIEW, Identity(organization=organization), PURPOSE)
    )


def high_utilizers(actor: Actor, organization: Organization) -> UtilizerList:
    """The organization's high utilizers, most contacts first (at most ``SHOWN``)."""
    if not can_read(actor, organization):
        raise Http404("Not found")
    settings = linkage_settings(actor, organization)
    since = timezone.now() - dt.timedelta(days=settings.utilizer_days)
    ranked = contacts.counts_by_identity(
        organization.pk, since, settings.utilizer_contacts, SHOWN + 1
    )
    more = len(ranked) > SHOWN
    ranked = ranked[:SHOWN]
    identity_of = dict(
        Person.objects.filter(
            organization=organization, identity_id__in=[identity for identity, _n in ranked]
        )
        .order_by("identity_id", "pk")
        .values_list("pk", "identity_id")
    )
    records: dict[int, list[int]] = {}
    for pk, identity in identity_of.items():
        records.setdefault(int(identity), []).append(pk)
    first = [pks[0] for pks in records.values()]
    named = {
        person.identity_id: person
        for person in selectors.read_people(
            actor,
            Person.objects.filter(pk__in=first).prefetch_related("aliases").order_by("pk"),
            purpose=PURPOSE,
        )
    }
    timelines: dict[int, list[contacts.Contact]] = {}
    seen: set[tuple[int, str]] = set()
    for contact in contacts.contacts_of(organization.pk, list(identity_of), since, TIMELINE_SHOWN):
        identity = int(identity_of[contact.person_id])
        shown = timelines.setdefault(identity, [])
        # A call with two records of one person is one contact.
        if len(shown) < TIMELINE_SHOWN and (identity, contact.url) not in seen:
            seen.add((identity, contact.url))
            shown.append(contact)
    people = [
        Utilizer(
            identity_id=identity,
            contact_count=n,
            records=len(records.get(identity, [])),
            named_by=named.get(identity),
            timeline=timelines.get(identity, []),
        )
        for identity, n in ranked
    ]
    return UtilizerList(settings=settings, since=since, people=people, more=more)
