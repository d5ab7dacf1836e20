"""Every read of missing-person incidents: the list of open searches, one incident with its
sightings, and the flyer. Each shows who is missing, so each is an audited read, for an active
call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404, QueryDict

from pmhc.homesafe import search_selectors
from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import (
    REGISTRY_READERS,
    SAFETY,
    Enrolment,
    EnrolmentStatus,
    HomeSafeProgram,
    IncidentStatus,
    MissingIncident,
    Sighting,
)
from pmhc.platform import audit, keyset
from pmhc.platform.access import Action, Actor, allowed_organization_ids, decide, restrict
from pmhc.platform.models import Purpose

PURPOSE = Purpose.ACTIVE_CALL
#: Open searches on one page of the list.
LIST_PAGE = 25
#: Sightings the incident's page shows, newest first.
SIGHTINGS_LIMIT = 100
#: What the flyer prints of the enrolment. Never the medical needs, the address or anything a
#: responder alone needs: a flyer is handed to the public.
FLYER_FIELDS = (
    "full_name",
    "preferred_name",
    "date_of_birth",
    "photo",
    "sex",
    "height_cm",
    "weight_kg",
    "hair",
    "eyes",
    "description",
)
#: What a row of the open searches shows of the person.
LIST_FIELDS = ("full_name",)
#: What the incident's page shows of the person while the search is open.
INCIDENT_PAGE_FIELDS = ("full_name", "photo", "caregivers")


def can_read_incidents(actor: Actor) -> bool:
    return bool(
        allowed_organization_ids(actor, Action.VIEW, PURPOSE, SAFETY, read_roles=REGISTRY_READERS)
    )


def _incidents(actor: Actor, action: Action = Action.VIEW) -> QuerySet[MissingIncident]:
    return restrict(
        actor, MissingIncident.objects.select_related("enrolment", "organization"), action, PURPOSE
    )


def shown_enrolment(actor: Actor, enrolment: Enrolment | None) -> Enrolment | None:
    """``enrolment`` when it is in the registry and the actor may read it for an active call;
    else None (only the incident's reference shows)."""
    if (
        enrolment is None
        or enrolment.status != EnrolmentStatus.ACTIVE
        or not decide(actor, Action.VIEW, enrolment, PURPOSE)
    ):
        return None
    return enrolment


@dataclass(frozen=True)
class OpenSearch:
    """One row of the open searches: the person only when the actor may read them."""

    incident: MissingIncident
    enrolment: Enrolment | None


@dataclass(frozen=True)
class OpenSearches:
    page: keyset.KeysetPage[MissingIncident]
    rows: list[OpenSearch]


def open_incidents(actor: Actor, params: QueryDict) -> OpenSearches:
    """The open searches the actor may read, newest report first, a page at a time: one
    audited read of the page, and a read in the holder's trail of each person named."""
    incidents = _incidents(actor).filter(status=IncidentStatus.OPEN)
    page = keyset.paginate(
        incidents, params, order=("-reported_at", "-pk"), kinds=(dt.datetime, int), size=LIST_PAGE
    )
    rows = [OpenSearch(row, shown_enrolment(actor, row.enrolment)) for row in page.rows]
    if rows:
        audit.record_read(
            HomeSafeAudit.INCIDENT_READ,
            actor=actor,
            organization_id=actor.organization_id,
            purpose=PURPOSE,
            object_type="homesafe.missingincident",
            detail="open searches: " + ", ".join(row.reference for row in page.rows),
        )
    search_selectors.record_holder_reads(
        actor, [row.enrolment for row in rows if row.enrolment is not None], LIST_FIELDS
    )
    return OpenSearches(page=page, rows=rows)


@dataclass(frozen=True)
class IncidentPage:
    incident: MissingIncident
    #: The enrolment searched for, when the actor may read it (else only the incident shows).
    enrolment: Enrolment | None
    sightings: list[Sighting]
    may_change: bool


def _one(actor: Actor, reference: str, action: Action = Action.VIEW) -> MissingIncident:
    incident = (
        _incidents(actor, action)
        .select_related("closed_by", "opened_by")
        .filter(reference=reference)
        .first()
    )
    if incident is None or not decide(actor, action, incident, PURPOSE):
        raise Http404("Not found")
    return incident


def _readable_enrolment(actor: Actor, incident: MissingIncident) -> Enrolment | None:
    """The person searched for, with their caregivers, when in the registry and readable."""
    if incident.enrolment is None:
        return None
    try:
        return search_selectors.readable_enrolment(actor, incident.enrolment.reference)
    except Http404:
        return None


def incident_page(actor: Actor, reference: str) -> IncidentPage:
    """One incident with its sightings and the person searched for: an audited read (and a
    read in the holder's trail of what the page shows of the person)."""
    incident = _one(actor, reference)
    enrolment = _readable_enrolment(actor, incident)
    # Once the search ends its page keeps the outcome, not the family's phone numbers.
    fields = INCIDENT_PAGE_FIELDS if incident.status == IncidentStatus.OPEN else LIST_FIELDS
    sightings = list(incident.sightings.order_by("-seen_at", "-pk")[:SIGHTINGS_LIMIT])
    audit.record_read(
        HomeSafeAudit.INCIDENT_READ,
        actor=actor,
        organization_id=incident.organization_id,
        purpose=PURPOSE,
        obj=incident,
        detail=f"missing-person incident {incident.reference}"
        + (f", enrolment {enrolment.reference}" if enrolment is not None else ""),
    )
    if enrolment is not None:
        search_selectors.record_holder_reads(actor, [enrolment], fields)
    return IncidentPage(
        incident=incident,
        enrolment=enrolment,
        sightings=sightings,
        may_change=incident.status == IncidentStatus.OPEN
        and bool(decide(actor, Action.CHANGE, incident, PURPOSE)),
    )


def open_search_for(actor: Actor, enrolment: Enrolment) -> MissingIncident | None:
    """The open search for the person of ``enrolment``, if the actor may read it (the
    person's page links to it instead of offering a second one)."""
    return _incidents(actor).filter(enrolment_id=enrolment.pk, status=IncidentStatus.OPEN).first()


def incident_for_change(actor: Actor, reference: str) -> MissingIncident:
    """An incident the actor may write to (a sighting, the outcome); 404 otherwise."""
    return _one(actor, reference, Action.CHANGE)


@dataclass(frozen=True)
class Flyer:
    incident: MissingIncident
    enrolment: Enrolment
    agency_name: str
    agency_phone: str


def flyer(actor: Actor, reference: str) -> Flyer:
    """What the printable flyer shows: an audited read (``FLYER_PRINTED``)."""
    incident = _one(actor, reference)
    enrolment = _readable_enrolment(actor, incident)
    if enrolment is None:
        raise Http404("Not found")
    program = HomeSafeProgram.objects.filter(organization_id=incident.organization_id).first()
    audit.record_read(
        HomeSafeAudit.FLYER_PRINTED,
        actor=actor,
        organization_id=incident.organization_id,
        purpose=PURPOSE,
        obj=incident,
        fields=FLYER_FIELDS,
    )
    search_selectors.record_holder_reads(actor, [enrolment], FLYER_FIELDS)
    return Flyer(
        incident=incident,
        enrolment=enrolment,
        agency_name=incident.organization.name,
        agency_phone=program.contact_phone if program is not None else "",
    )
