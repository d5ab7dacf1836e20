"""What incidents show of the person searched for, and to whom: the open searches, the
incident's page and the flyer show the person only to those who may read them and only while
they are in the registry; every person shown is a read in the holder's trail; one open search
per person; and writes that arrive after the search ended."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from pmhc.conftest import Cast
from pmhc.dispatch.tests.helpers import member
from pmhc.homesafe import incident_services
from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import (
    Enrolment,
    EnrolmentStatus,
    FoundCondition,
    IncidentStatus,
    MissingIncident,
)
from pmhc.homesafe.tests.search_helpers import enrolment
from pmhc.platform.models import AuditEvent, Classification, Organization, Purpose, Role, User
from pmhc.platform.tests.factories import AgreementFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def _open(cast: Cast, person: Enrolment, user: User | None = None, **fields: Any):
    values: dict[str, Any] = {"reported_at": timezone.now() - dt.timedelta(minutes=30)}
    values.update(fields)
    return incident_services.open_incident(
        cast.actor(user or cast.colleague), enrolment=person, **values
    )


def _partners_partner(cast: Cast) -> Organization:
    """An organization with an agreement in force with the partner, and none with the agency."""
    today = timezone.localdate()
    third = OrganizationFactory.create(slug="third", name="Third County SO")
    AgreementFactory.create(
        parties=[cast.partner, third],
        classifications=[c for c in Classification.values if c != Classification.PUBLIC],
        purposes=list(Purpose.values),
        effective_on=today - dt.timedelta(days=10),
        ends_on=today + dt.timedelta(days=10),
    )
    return third


def test_open_searches_name_the_person_only_to_whom_may_read_them(cast: Cast) -> None:
    third = _partners_partner(cast)
    person = enrolment(cast.agency, full_name="Hollis Vance")
    partner_officer = member(cast.partner, Role.OFFICER)
    # The partner searches for the agency's person: the incident is the partner's.
    incident = _open(cast, person, user=partner_officer)
    assert incident.organization_id == cast.partner.pk
    url = reverse("homesafe_incidents")
    for user in (cast.colleague, partner_officer):
        body = cast.client(user).get(url).content.decode()
        assert f"{incident.reference}: Hollis Vance" in body, user
    # The partner's partner reads the partner's incident, but has no agreement with the holder.
    third_officer = member(third, Role.OFFICER)
    body = cast.client(third_officer).get(url).content.decode()
    assert incident.reference in body and "Hollis Vance" not in body
    page = cast.client(third_officer).get(reverse("homesafe_incident", args=[incident.reference]))
    assert page.status_code == 200 and "Hollis Vance" not in page.content.decode()
    flyer = reverse("homesafe_incident_flyer", args=[incident.reference])
    assert cast.client(third_officer).get(flyer).status_code == 404
    # Withdrawn: the name goes from the list for everyone.
    Enrolment.objects.filter(pk=person.pk).update(status=EnrolmentStatus.WITHDRAWN)
    for user in (cast.colleague, partner_officer):
        body = cast.client(user).get(url).content.decode()
        assert incident.reference in body and "Hollis Vance" not in body, user


@pytest.mark.parametrize(
    "status", [EnrolmentStatus.WITHDRAWN, EnrolmentStatus.HIDDEN, EnrolmentStatus.DECLINED]
)
def test_a_person_out_of_the_registry_leaves_the_incident_and_the_flyer(
    cast: Cast, status: str
) -> None:
    person = enrolment(cast.agency, full_name="Hollis Vance", photo=True)
    incident = _open(cast, person)
    client = cast.client(cast.colleague)
    page_url = reverse("homesafe_incident", args=[incident.reference])
    flyer_url = reverse("homesafe_incident_flyer", args=[incident.reference])
    assert "Hollis Vance" in client.get(page_url).content.decode()
    assert client.get(flyer_url).status_code == 200
    Enrolment.objects.filter(pk=person.pk).update(status=status)
    page = client.get(page_url).content.decode()
    assert "Hollis Vance" not in page and "555-0100" not in page
    assert flyer_url not in page
    assert client.get(flyer_url).status_code == 404


def test_an_ended_search_stops_showing_the_caregivers(cast: Cast) -> None:
    person = enrolment(cast.agency, full_name="Hollis Vance")
    incident = _open(cast, person)
    client = cast.client(cast.colleague)
    url = reverse("homesafe_incident", args=[incident.reference])
    assert "555-0100" in client.get(url).content.decode()
    incident_services.close_without_finding(
        cast.actor(cast.colleague), incident=incident, outcome_note="Found by family at home"
    )
    page = client.get(url).content.decode()
    assert "Hollis Vance" in page and "555-0100" not in page and "Who to call" not in page


def test_every_person_shown_is_read_in_the_holders_trail(cast: Cast) -> None:
    person = enrolment(cast.agency, full_name="Hollis Vance", hair="auburn")
    partner_officer = member(cast.partner, Role.OFFICER)
    client = cast.client(partner_officer)

    def holder_reads() -> list[str]:
        return list(
            AuditEvent.objects.filter(
                organization_id=cast.agency.pk, action=HomeSafeAudit.ENROLMENT_READ
            )
            .order_by("sequence")
            .values_list("detail", flat=True)
        )

    client.get(reverse("homesafe_search"), {"text": "auburn"})
    assert holder_reads()[-1].startswith("read: full_name, preferred_name, date_of_birth")
    incident = _open(cast, person, user=partner_officer)
    # Opening the search and telling the family are in both trails.
    for org in (cast.partner, cast.agency):
        actions = set(
            AuditEvent.objects.filter(
                organization_id=org.pk, object_id=str(incident.pk)
            ).values_list("action", flat=True)
        )
        assert {HomeSafeAudit.INCIDENT_OPENED, HomeSafeAudit.FAMILY_NOTIFIED} <= actions, org
    client.get(reverse("homesafe_incidents"))
    assert holder_reads()[-1] == "read: full_name"
    client.get(reverse("homesafe_incident", args=[incident.reference]))
    assert holder_reads()[-1] == "read: full_name, photo, caregivers"
    assert AuditEvent.objects.filter(
        organization_id=cast.partner.pk,
        action=HomeSafeAudit.INCIDENT_READ,
        object_id=str(incident.pk),
    ).exists()
    client.get(reverse("homesafe_incident_flyer", args=[incident.reference]))
    assert holder_reads()[-1].startswith("read: full_name, preferred_name, date_of_birth, photo")
    assert "medical_needs" not in holder_reads()[-1]


def test_a_second_open_finds_the_first_search(cast: Cast) -> None:
    person = enrolment(cast.agency, full_name="Hollis Vance")
    client = cast.client(cast.colleague)
    open_url = reverse("homesafe_incident_open", args=[person.reference])
    when = (timezone.localtime() - dt.timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M")
    first = client.post(open_url, {"reported_at": when})
    incident = MissingIncident.objects.get()
    second = client.post(open_url, {"reported_at": when}, follow=True)
    assert MissingIncident.objects.count() == 1
    assert second.redirect_chain[-1][0] == first["Location"]
    assert f"A search for this person is already open: {incident.reference}" in (
        second.content.decode()
    )
    person_page = client.get(reverse("homesafe_search_enrolment", args=[person.reference]))
    text = person_page.content.decode()
    assert "A search is open:" in text
    assert reverse("homesafe_incident", args=[incident.reference]) in text
    assert "Open a missing-person incident" not in text
    # The database holds it too: one open search per person.
    with pytest.raises(IntegrityError), transaction.atomic():
        MissingIncident.objects.create(
            organization=cast.agency,
            reference="MP-dup",
            enrolment=person,
            reported_at=timezone.now(),
            opened_by=cast.colleague,
        )


def test_writes_after_the_search_ended(cast: Cast) -> None:
    person = enrolment(cast.agency, full_name="Hollis Vance")
    incident = _open(cast, person, reported_at=timezone.now() - dt.timedelta(days=2))
    client = cast.client(cast.colleague)
    # A day ago, whichever time zone the form reads it in.
    now = (timezone.localtime() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    found = {
        "found-found_at": now,
        "found-found_place": "Riverside park",
        "found-condition": FoundCondition.UNHARMED,
    }
    url = reverse("homesafe_incident_found", args=[incident.reference])
    assert client.post(url, found).status_code == 302
    again = client.post(url, found, follow=True)
    assert again.status_code == 200
    incident.refresh_from_db()
    at = timezone.localtime(incident.found_at).strftime("%Y-%m-%d %H:%M")
    assert f"Already recorded as found at {at}." in again.content.decode()
    assert incident.status == IncidentStatus.FOUND
    late = client.post(
        reverse("homesafe_incident_sighting", args=[incident.reference]),
        {"sighting-seen_at": now, "sighting-place": "Bus stop on Main Street"},
    )
    body = late.content.decode()
    assert late.status_code == 409 and "Not recorded: the search had already ended" in body
    who = cast.colleague.get_full_name() or cast.colleague.username
    assert f"{who} ended this search at" in body and "Bus stop on Main Street" in body
    assert not incident.sightings.exists()
    closing = client.post(
        reverse("homesafe_incident_close", args=[incident.reference]),
        {"close-outcome_note": "Handed over to county"},
    )
    assert closing.status_code == 409 and "Handed over to county" in closing.content.decode()
