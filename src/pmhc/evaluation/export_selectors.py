"""The reads behind the Parquet export of the de-identified facts (``export_services``).

What an exported row holds, and what it does not:

- **No id.** Neither the fact's id nor the call's (``call_id``), so a row cannot be joined back
  to a call, a report or a person.
- **Coarse dates.** The call's month (the partition) and the Monday of its week
  (``week_starting``, empty when the CAD gave only a month); not the day, not the weekday.
- **Small areas merged.** A district stays only when it holds at least ``MIN_CELL_SIZE`` (11)
  calls of the agency in that month; the others read ``MERGED_AREA``.
- Codes (shift, route, recommended route, program type, race or ethnicity as recorded, APCO
  type, priority), the outcome flags and the minutes, as the facts hold them.

Only the organization's own administrators (or the system, for the command) export it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count
from django.http import Http404

from pmhc.evaluation.models import FLAGS, MINUTES, CallFact
from pmhc.platform.access import MIN_CELL_SIZE, NOT_FOUND, Action, Actor, Target, decide
from pmhc.platform.models import Classification, Organization, Purpose, Role
from pmhc.response.deidentified_selectors import MERGED_AREA

#: Who exports an organization's facts: its administrators.
EXPORTERS = frozenset({Role.ADMINISTRATOR})
#: The codes of a row, as the facts hold them.
CODES: tuple[str, ...] = (
    "shift",
    "district",
    "route",
    "recommended",
    "cit_responder",
    "program_type",
    "race_ethnicity",
    "apco_type",
    "priority",
)
#: The columns of an exported file, in order (``agency`` and ``month`` are the partitions).
COLUMNS: tuple[str, ...] = ("week_starting", *CODES, *FLAGS, *MINUTES)
#: Rows read from the database at a time.
CHUNK = 20_000


def target(organization_id: int) -> Target:
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.AGGREGATE,
        access_read_roles=EXPORTERS,
    )


def may_export(actor: Actor, organization_id: int) -> bool:
    """Its own administrators, never a partner's, or the system."""
    own = actor.is_system or actor.role_in(organization_id) in EXPORTERS
    return own and bool(decide(actor, Action.EXPORT, target(organization_id), Purpose.EVALUATION))


def organizations(actor: Actor, slug: str | None = None) -> list[Organization]:
    """The organizations whose facts the actor exports: the one named (else the one 404), or
    every one it may, in order of slug."""
    found = Organization.objects.order_by("slug")
    if slug is not None:
        found = found.filter(slug=slug)
    allowed = [o for o in found if may_export(actor, o.pk)]
    if slug is not None and not allowed:
        raise Http404(NOT_FOUND)
    return allowed


def months(actor: Actor, organization: Organization) -> list[dt.date]:
    """The months the organization has facts of, oldest first."""
    if not may_export(actor, organization.pk):
        raise Http404(NOT_FOUND)
    found = (
        CallFact.objects.filter(organization=organization)
        .values_list("month", flat=True)
        .distinct()
        .order_by("month")
    )
    return list(found)


def kept_districts(organization: Organization, month: dt.date) -> set[str]:
    counts = (
        CallFact.objects.filter(organization=organization, month=month)
        .values("district")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {r["district"] for r in counts if r["district"] and r["n"] >= MIN_CELL_SIZE}


def month_columns(actor: Actor, organization: Organization, month: dt.date) -> dict[str, list[Any]]:
    """The month's exported rows, column by column (one query for the districts, then one a
    ``CHUNK`` of rows, read from the month's partition only)."""
    if not may_export(actor, organization.pk):
        raise Http404(NOT_FOUND)
    districts = kept_districts(organization, month)
    columns: dict[str, list[Any]] = {name: [] for name in COLUMNS}
    for row in _rows(organization, month):
        day = row["day"]
        columns["week_starting"].append(
            day - dt.timedelta(days=day.weekday()) if day is not None else None
        )
        row["district"] = row["district"] if row["district"] in districts else MERGED_AREA
        for name in COLUMNS[1:]:
            columns[name].append(row[name])
    return columns


def _rows(organization: Organization, month: dt.date) -> Iterator[dict[str, Any]]:
    facts = CallFact.objects.filter(organization=organization, month=month).order_by("pk")
    last = 0
    while True:
        chunk = list(facts.filter(pk__gt=last).values("pk", "day", *COLUMNS[1:])[:CHUNK])
        if not chunk:
            return
        last = chunk[-1]["pk"]
        yield from chunk
