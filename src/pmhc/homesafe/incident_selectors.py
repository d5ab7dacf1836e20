"""Every read of missing-person incidents: the list of open searches, one incident with its
sightings, and the flyer. Each shows who is missing, so each is an audited read, for an active
call."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404, QueryDict

from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import (
    REGISTRY_READERS,
    SAFETY,
    Caregiver,
    Enrolment,
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


def can_read_incidents(actor: Actor) -> bool:
    return bool(
        allowed_organization_ids(actor, Action.VIEW, PURPOSE, SAFETY, read_roles=REGISTRY_READERS)
    )


def _incidents(actor: Actor, action: Action = Action.VIEW) -> QuerySet[MissingIncident]:
    return restrict(
        actor, MissingIncident.objects.select_related("enrolment", "organization"), action, PURPOSE
    )


def open_incidents(actor: Actor, params: QueryDict) -> keyset.KeysetPage[MissingIncident]:
    """The open searches the actor may read, newest report first, a page at a time: one
    audited read of the page (each row names the person searched for)."""
    rows = _incidents(actor).filter(status=IncidentStatus.OPEN)
    page = keyset.paginate(
        rows, params, order=("-reported_at", "-pk"), kinds=(dt.datetime, int), size=LIST_PAGE
    )
    if page.rows:
        audit.record_read(
            HomeSafeAudit.ENROLMENT_READ,
            actor=actor,
            organization_id=actor.organization_id,
            purpose=PURPOSE,
            object_type="homesafe.missingincident",
            detail="open searches: " + ", ".join(row.reference for row in page.rows),
        )
    return page


@dataclass(frozen=True)
class IncidentPage:
    incident: MissingIncident
    #: The enrolment searched for, when the actor may read it (else only the incident shows).
    enrolment: Enrolment | None
    sightings: list[Sighting]
    may_change: bool


def _one(actor: Actor, reference: str, action: Action = Action.VIEW) -> MissingIncident:
    incident = _incidents(actor, action).filter(reference=reference).first()
    if incident is None or not decide(actor, action, incident, PURPOSE):
        raise Http404("Not found")
    return incident


def _readable_enrolment(actor: Actor, incident: MissingIncident) -> Enrolment | None:
    enrolment = incident.enrolment
    if enrolment is None or not decide(actor, Action.VIEW, enrolment, PURPOSE):
        return None
    return enrolment


def incident_page(actor: Actor, reference: str) -> IncidentPage:
    """One incident with its sightings and the person searched for: an audited read."""
    incident = _one(actor, reference)
    enrolment = _readable_enrolment(actor, incident)
    if enrolment is not None:
        enrolment = (
            Enrolment.objects.filter(pk=enrolment.pk)
            .prefetch_related(
                Prefetch("caregivers", queryset=Caregiver.objects.order_by("position", "pk"))
            )
            .get()
        )
    sightings = list(incident.sightings.order_by("-seen_at", "-pk")[:SIGHTINGS_LIMIT])
    audit.record_read(
        HomeSafeAudit.ENROLMENT_READ,
        actor=actor,
        organization_id=incident.organization_id,
        purpose=PURPOSE,
        obj=incident,
        detail=f"missing-person incident {incident.reference}"
        + (f", enrolment {enrolment.reference}" if enrolment is not None else ""),
    )
    return IncidentPage(
        incident=incident,
        enrolment=enrolment,
        sightings=sightings,
        may_change=incident.status == IncidentStatus.OPEN
        and bool(decide(actor, Action.CHANGE, incident, PURPOSE)),
    )


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
    return Flyer(
        incident=incident,
        enrolment=enrolment,
        agency_name=incident.organization.name,
        agency_phone=program.contact_phone if program is not None else "",
    )
