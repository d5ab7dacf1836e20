"""What the authorization crawl needs of the missing-person search, per holder: a person in the
registry (with a photo) and an open search for them with a sighting. Kept here so the crawl's
world takes it in one call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from pmhc.homesafe import incident_services
from pmhc.homesafe.models import CorrectionKind, CorrectionRequest, Enrolment, MissingIncident
from pmhc.homesafe.tests.search_helpers import enrolment
from pmhc.platform.access import Actor
from pmhc.platform.models import Classification, Organization, Role


@dataclass(frozen=True)
class SearchHoldings:
    enrolment: Enrolment
    incident: MissingIncident
    correction: CorrectionRequest


def build(
    organization: Organization,
    actor: Callable[[Role], Actor],
    text: Callable[[str], str],
    track: Callable[..., None],
) -> SearchHoldings:
    """``text(code)`` makes a distinctive string and ``track(label, record, classification,
    *texts)`` records it, as the crawl's seeder does."""
    person = enrolment(
        organization,
        full_name=f"Mira {text('Hsn')}",
        medical_needs=f"Takes {text('Hsm')}",
        calming=f"Sing {text('Hsc')}",
        photo=True,
        caregivers=[{"name": "Next of kin", "phone": "555-0142", "email": ""}],
    )
    track("enrolment.person", person, Classification.SAFETY, text("Hsn"), text("Hsm"), text("Hsc"))
    now = timezone.now()
    incident = incident_services.open_incident(
        actor(Role.OFFICER),
        enrolment=person,
        reported_at=now - dt.timedelta(minutes=40),
        last_seen_place=f"Near {text('Hlp')}",
        clothing=f"Coat {text('Hcl')}",
    )
    incident_services.record_sighting(
        actor(Role.OFFICER), incident=incident, seen_at=now, place=f"By {text('Hsp')}"
    )
    track("incident", incident, Classification.SAFETY, text("Hlp"), text("Hcl"), text("Hsp"))
    # Every kind of Home Safe record is in the world (the access grid lists each one).
    correction = CorrectionRequest.objects.create(
        organization=organization,
        reference=f"HC-{organization.slug}",
        enrolment=person,
        kind=CorrectionKind.SEE,
        name="Next of kin",
        email="kin@example.org",
        text="Please send what is held.",
    )
    return SearchHoldings(person, incident, correction)
