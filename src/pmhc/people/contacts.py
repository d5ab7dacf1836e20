"""A person's contacts with the program (calls, encounters, contact notes), as the apps that
hold them tell it.

Those apps sit above ``people`` (they may import it, not the other way round), so each
registers a ``ContactSource`` in its ``AppConfig.ready``: how many contacts each identity of an
organization had since a time (a query, not rows: the sources' counts are added up, and the
threshold applied, in the database), and the newest contacts of each person since a time. A
contact here is a kind, a time and a link: never what it says.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet


@dataclass(frozen=True)
class Contact:
    """One contact of a record: what kind, when, and where it can be opened (the page checks
    on its own who may open it)."""

    person_id: int
    at: dt.datetime
    kind: str
    url: str


#: Contacts counted by identity: ``(organization id, since) -> query``, the query giving one row
#: per identity with two columns, ``IDENTITY`` (the identity pk) and ``COUNT`` (its contacts).
CountByIdentity = Callable[[int, dt.datetime], QuerySet[Any, Any]]
#: Contacts of records held by one organization:
#: ``(organization id, person pks, since, at most) -> contacts``, at most that many of each
#: identity (the newest), in one query.
ContactsOf = Callable[[int, Sequence[int], dt.datetime, int], Iterable[Contact]]
#: The column names a ``CountByIdentity`` query gives.
IDENTITY = "contact_identity"
COUNT = "contact_count"


@dataclass(frozen=True)
class ContactSource:
    name: str
    count_by_identity: CountByIdentity
    contacts_of: ContactsOf


SOURCES: dict[str, ContactSource] = {}


def register(source: ContactSource) -> None:
    """Add a source (once per name: ``ready`` may run more than once in tests)."""
    SOURCES[source.name] = source


def counts_by_identity(
    organization_id: int, since: dt.datetime, at_least: int, limit: int
) -> list[tuple[int, int]]:
    """The identities of the organization with at least ``at_least`` contacts since ``since``,
    all sources together, as ``(identity pk, contacts)``, most contacts first, at most
    ``limit`` of them: one query, the sums and the threshold in the database."""
    if not SOURCES:
        return []
    parts: list[str] = []
    params: list[Any] = []
    using = "default"
    for source in SOURCES.values():
        query = source.count_by_identity(organization_id, since).order_by()
        using = query.db
        sql, found = query.query.sql_with_params()
        # The source's own compiled query, its values passed as parameters.
        parts.append(f"SELECT {IDENTITY}, {COUNT} FROM ({sql}) source_counts")  # noqa: S608
        params.extend(found)
    union = " UNION ALL ".join(parts)
    sql = (
        f"SELECT {IDENTITY}, SUM({COUNT}) FROM ({union}) counts "  # noqa: S608
        f"GROUP BY {IDENTITY} HAVING SUM({COUNT}) >= %s "
        f"ORDER BY SUM({COUNT}) DESC, {IDENTITY} LIMIT %s"
    )
    with connections[using].cursor() as cursor:
        cursor.execute(sql, [*params, at_least, limit])
        return [(int(identity), int(count)) for identity, count in cursor.fetchall()]


def contacts_of(
    organization_id: int, person_pks: Sequence[int], since: dt.datetime, per_identity: int
) -> list[Contact]:
    """The contacts of these records that the organization holds (never a partner's) since
    ``since``, newest first: at most ``per_identity`` of each source for each identity (the
    caller keeps the newest of all sources together). One query per source."""
    if not person_pks:
        return []
    found: list[Contact] = []
    for source in SOURCES.values():
        found.extend(source.contacts_of(organization_id, person_pks, since, per_identity))
    found.sort(key=lambda contact: (contact.at, contact.kind), reverse=True)
    return found
