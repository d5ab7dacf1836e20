"""A person's contacts with the program (calls, encounters, contact notes), as the apps that
hold them tell it.

Those apps sit above ``people`` (they may import it, not the other way round), so each
registers a ``ContactSource`` in its ``AppConfig.ready``: how many contacts each identity of an
organization had since a time, and the contacts of some records since a time. The high-utilizer
list adds them up. A contact here is a kind, a time and a link: never what it says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Contact:
    """One contact of a record: what kind, when, and where it can be opened (the page checks
    on its own who may open it)."""

    person_id: int
    at: dt.datetime
    kind: str
    url: str


#: Contacts counted by identity: ``(organization id, since) -> {identity pk: contacts}``.
CountByIdentity = Callable[[int, dt.datetime], Mapping[int, int]]
#: Contacts of records held by one organization:
#: ``(organization id, person pks, since, at most) -> contacts, newest first``.
ContactsOf = Callable[[int, Sequence[int], dt.datetime, int], Iterable[Contact]]


@dataclass(frozen=True)
class ContactSource:
    name: str
    count_by_identity: CountByIdentity
    contacts_of: ContactsOf


SOURCES: dict[str, ContactSource] = {}


def register(source: ContactSource) -> None:
    """Add a source (once per name: ``ready`` may run more than once in tests)."""
    SOURCES[source.name] = source


def counts_by_identity(organization_id: int, since: dt.datetime) -> dict[int, int]:
    """Every identity of the organization with its contacts since ``since``, all sources
    together: one query per source."""
    total: dict[int, int] = {}
    for source in SOURCES.values():
        for identity, count in source.count_by_identity(organization_id, since).items():
            total[identity] = total.get(identity, 0) + count
    return total


def contacts_of(
    organization_id: int, person_pks: Sequence[int], since: dt.datetime, limit: int
) -> list[Contact]:
    """The contacts of these records that the organization holds (never a partner's) since
    ``since``, newest first, at most ``limit`` of each source and of all together."""
    if not person_pks:
        return []
    found: list[Contact] = []
    for source in SOURCES.values():
        found.extend(source.contacts_of(organization_id, person_pks, since, limit))
    found.sort(key=lambda contact: (contact.at, contact.kind), reverse=True)
    return found[:limit]
