"""A de-identified view of an agency's calls and encounter reports, for Measure.

One row per call, with the outcomes of its newest accepted report, for analysts and program
coordinators of the agency (the evaluation purpose). The method, stated on the page too:

- **No one is named.** No names, no person's record or its id, no call's or report's id or
  CAD number, no free text (narratives, the protocol's answers and reasons, why a route
  differed or force was used, facility names, the CAD's own call-type wording). Only codes.
- **Dates are coarsened.** A call keeps its month and the Monday of its week, in the agency's
  time zone; the day and the time go. A call whose day is not known keeps its month only.
- **Small areas are merged.** The address, beat and coordinates go. A district stays only when
  it holds at least ``MIN_CELL_SIZE`` (11) calls of the period; the others are merged under
  ``MERGED_AREA``.

Bounded: a period of at most ``MAX_DAYS`` days, read in chunks of ``CHUNK`` calls (two queries
a chunk), so the download streams whatever the agency's size. Every download is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import Count
from django.http import Http404

from pmhc.dispatch.models import Call, DatePrecision
from pmhc.platform import audit
from pmhc.platform.access import MIN_CELL_SIZE, NOT_FOUND, Action, Actor, Target, decide
from pmhc.platform.dates import zone
from pmhc.platform.models import Classification, Organization, Purpose, Role
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.models import Encounter, EncounterStatus

#: Who downloads the rows: those who evaluate the program.
DEIDENTIFIED_READERS = frozenset({Role.ANALYST, Role.COORDINATOR})
MAX_DAYS = 366
CHUNK = 2000
MERGED_AREA = "other districts (merged)"

CALL_COLUMNS = (
    "apco_type",
    "priority",
    "source",
    "is_mental_health",
    "cit_requested",
    "cit_dispatched",
    "cit_arrived",
    "recommendation",
    "decision",
)
REPORT_COLUMNS = (
    "highest_force",
    "officer_injury",
    "subject_injury",
    "other_injury",
    "swat_callout",
    "transport",
    "transport_by",
    "destination_kind",
    "restraints_used",
    "offence_present",
    "arrest_eligible",
    "law_outcome",
    "charge_level",
    "booked",
    "ed_otherwise",
)
HEADER = ("month", "week_starting", "district", *CALL_COLUMNS, "report", *REPORT_COLUMNS)


def target(organization_id: int) -> Target:
    return Target(
        organization_ids=frozenset({organization_id}),
        access_classification=Classification.AGGREGATE,
        access_read_roles=DEIDENTIFIED_READERS,
    )


def may_download(actor: Actor, organization_id: int | None) -> bool:
    return organization_id is not None and bool(
        decide(actor, Action.EXPORT, target(organization_id), Purpose.EVALUATION)
    )


def organization_for(actor: Actor) -> Organization:
    """The acting organization, when the actor may download its rows; else the one 404."""
    organization_id = actor.organization_id
    if organization_id is None or not may_download(actor, organization_id):
        raise Http404(NOT_FOUND)
    return Organization.objects.get(pk=organization_id)


def _calls(organization: Organization, since: dt.datetime, until: dt.datetime) -> Any:
    return Call.objects.filter(
        organization=organization, received_at__gte=since, received_at__lt=until
    )


def kept_districts(organization: Organization, since: dt.datetime, until: dt.datetime) -> set[str]:
    """The districts with at least ``MIN_CELL_SIZE`` calls in the period (one query)."""
    counts = _calls(organization, since, until).values("district").annotate(n=Count("pk"))
    return {row["district"] for row in counts if row["district"] and row["n"] >= MIN_CELL_SIZE}


def rows(
    actor: Actor, organization: Organization, *, since: dt.date, until: dt.date
) -> Iterator[tuple[Any, ...]]:
    """The period's rows (``since`` to ``until``, both days included, in the agency's zone),
    header first. Checks access and writes the audit event before the first row."""
    if not may_download(actor, organization.pk):
        raise Http404(NOT_FOUND)
    if until < since or (until - since).days >= MAX_DAYS:
        raise ValueError(f"A period is from 1 to {MAX_DAYS} days.")
    tz = zone(organization.time_zone)
    start = dt.datetime.combine(since, dt.time(), tzinfo=tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    districts = kept_districts(organization, start, end)
    audit.record_read(
        ResponseAudit.DEIDENTIFIED_DOWNLOADED,
        actor=actor,
        organization_id=organization.pk,
        purpose=Purpose.EVALUATION,
        object_type="dispatch.call",
        detail=f"de-identified calls and reports received {since} to {until}",
    )
    return _stream(organization, start, end, districts, tz)


def _stream(
    organization: Organization,
    start: dt.datetime,
    end: dt.datetime,
    districts: set[str],
    tz: dt.tzinfo,
) -> Iterator[tuple[Any, ...]]:
    yield HEADER
    calls = _calls(organization, start, end).order_by("pk")
    last = 0
    while True:
        chunk = list(
            calls.filter(pk__gt=last).values(
                "pk", "received_at", "received_precision", "district", *CALL_COLUMNS
            )[:CHUNK]
        )
        if not chunk:
            return
        last = chunk[-1]["pk"]
        reports: dict[int, dict[str, Any]] = {}
        accepted = (
            Encounter.objects.filter(
                call_id__in=[c["pk"] for c in chunk], status=EncounterStatus.ACCEPTED
            )
            .order_by("call_id", "pk")
            .values("call_id", *REPORT_COLUMNS)
        )
        for report in accepted:
            reports[report["call_id"]] = report  # the newest of a call's reports wins
        for call in chunk:
            yield _row(call, reports.get(call["pk"]), districts, tz)


def _row(
    call: dict[str, Any], report: dict[str, Any] | None, districts: set[str], tz: dt.tzinfo
) -> tuple[Any, ...]:
    local = call["received_at"].astimezone(tz).date()
    week = ""
    if call["received_precision"] == DatePrecision.DAY:
        week = (local - dt.timedelta(days=local.weekday())).isoformat()
    district = call["district"] if call["district"] in districts else MERGED_AREA
    outcome = [report[c] for c in REPORT_COLUMNS] if report else [""] * len(REPORT_COLUMNS)
    return (
        local.strftime("%Y-%m"),
        week,
        district,
        *(call[c] for c in CALL_COLUMNS),
        "yes" if report else "no",
        *outcome,
    )
