"""Missing-person incidents: opening one from an enrolment, sightings, the outcome, the family
contact's e-mails, the list of open searches, and the flyer; with the boundaries of each."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from pmhc.conftest import Cast
from pmhc.dispatch.tests.helpers import member
from pmhc.homesafe import flyer, incident_selectors, incident_services
from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import (
    Enrolment,
    EnrolmentStatus,
    FoundCondition,
    IncidentStatus,
    MissingIncident,
)
from pmhc.homesafe.tests.search_helpers import born_years_ago, enrolment, program
from pmhc.platform.models import AuditEvent, OutboundEmail, Role

pytestmark = pytest.mark.django_db

FAMILY = [
    {"name": "Luis Ortega", "phone": "555-0101", "email": "luis@example.org"},
    {"name": "Ana Ortega", "phone": "555-0102", "email": "ana@example.org", "notify": False},
    {"name": "No Mail", "phone": "555-0103"},
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def _person(cast: Cast, **fields) -> Enrolment:
    values: dict[str, Any] = {
        "full_name": "Rosa Ortega",
        "preferred_name": "Rosie",
        "date_of_birth": born_years_ago(81),
        "hair": "grey",
        "eyes": "brown",
        "height_cm": 160,
        "weight_kg": 55,
        "description": "Walks with a cane, red scarf",
        "medical_needs": "Insulin twice a day",
        "address": "12 Elm Street",
        "submitter_email": "Luis@Example.org",
        "photo": True,
        "caregivers": FAMILY,
    }
    values.update(fields)
    return enrolment(cast.agency, **values)


def _open(cast: Cast, person: Enrolment, user=None, **fields) -> MissingIncident:
    now = timezone.now()
    values: dict[str, Any] = {
        "reported_at": now - dt.timedelta(minutes=90),
        "last_seen_at": now - dt.timedelta(minutes=120),
        "last_seen_place": "Corner of Elm and 3rd",
        "clothing": "Blue raincoat, white sneakers",
        "reported_by": "Her son",
    }
    values.update(fields)
    return incident_services.open_incident(
        cast.actor(user or cast.colleague), enrolment=person, **values
    )


def _send_mail(django_capture_on_commit_callbacks, action):
    """Run ``action``, then the worker that sends the e-mail it queued."""
    with django_capture_on_commit_callbacks(execute=True):
        result = action()
    call_command("worker", "--batch")
    return result


@pytest.mark.django_db(transaction=True)
def test_opening_a_search_tells_the_family_contact(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    program(cast.agency, phone="555-0199")
    person = _person(cast)
    incident = _send_mail(django_capture_on_commit_callbacks, lambda: _open(cast, person))
    assert incident.reference.startswith(f"MP-{timezone.localdate().year}-")
    assert incident.organization_id == cast.agency.pk and incident.status == IncidentStatus.OPEN
    assert incident.family_notified_at is not None
    # The caregiver who asked to be told, with the submitter's same address once; not the one
    # who asked not to be, nor the one with no e-mail.
    assert sorted(m.to[0].lower() for m in mail.outbox) == ["luis@example.org"]
    message = mail.outbox[0]
    assert message.subject == "Home Safe: a missing-person search has started"
    assert "Rosie" in message.body
    assert "555-0199" in message.body and "call 911" in message.body
    assert "Insulin" not in message.body and "Elm" not in message.body
    actions = list(
        AuditEvent.objects.filter(object_id=str(incident.pk))
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [HomeSafeAudit.INCIDENT_OPENED, HomeSafeAudit.FAMILY_NOTIFIED]
    opened = AuditEvent.objects.get(action=HomeSafeAudit.INCIDENT_OPENED)
    assert opened.after is not None and opened.after["reference"] == incident.reference
    assert "Blue raincoat" not in str(opened.after)  # safety values are digests


@pytest.mark.django_db(transaction=True)
def test_found_keeps_the_minutes_and_tells_the_family(
    cast: Cast, django_capture_on_commit_callbacks
) -> None:
    person = _person(cast)
    incident = _send_mail(django_capture_on_commit_callbacks, lambda: _open(cast, person))
    mail.outbox.clear()
    found_at = incident.reported_at + dt.timedelta(minutes=47)
    _send_mail(
        django_capture_on_commit_callbacks,
        lambda: incident_services.record_found(
            cast.actor(cast.colleague),
            incident=incident,
            found_at=found_at,
            found_place="Riverside park bench",
            condition=FoundCondition.HOSPITAL,
        ),
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.FOUND and incident.minutes_to_found == 47
    assert incident.closed_by_id == cast.colleague.pk
    assert [m.subject for m in mail.outbox] == ["Home Safe: the person searched for is found"]
    assert "taken to hospital" in mail.outbox[0].body
    assert "Riverside" not in mail.outbox[0].body
    closed = AuditEvent.objects.get(action=HomeSafeAudit.INCIDENT_CLOSED)
    assert (
        closed.after is not None
        and closed.after["minutes_to_found"] == 47
        and closed.after["status"] == "found"
    )
    # A closed search takes no more writes.
    with pytest.raises(incident_services.AlreadyClosed):
        incident_services.record_sighting(
            cast.actor(cast.colleague), incident=incident, seen_at=timezone.now(), place="x"
        )


def test_a_death_is_never_told_by_e_mail(cast: Cast, django_capture_on_commit_callbacks) -> None:
    incident = _open(cast, _person(cast))
    before = OutboundEmail.objects.count()
    incident_services.record_found(
        cast.actor(cast.colleague),
        incident=incident,
        found_at=timezone.now(),
        found_place="River",
        condition=FoundCondition.DECEASED,
    )
    assert OutboundEmail.objects.count() == before


def test_safe_wording(cast: Cast) -> None:
    incident = _open(cast, _person(cast))
    incident_services.record_found(
        cast.actor(cast.colleague),
        incident=incident,
        found_at=timezone.now(),
        found_place="Library",
        condition=FoundCondition.UNHARMED,
    )
    last = OutboundEmail.objects.order_by("-pk").first()
    assert last is not None and "has been found and is safe" in last.body


def test_closing_without_finding_and_the_checks_on_times(cast: Cast) -> None:
    person = _person(cast)
    with pytest.raises(ValidationError) as future:
        _open(cast, person, reported_at=timezone.now() + dt.timedelta(hours=2))
    assert "reported_at" in future.value.message_dict
    with pytest.raises(ValidationError) as order:
        _open(cast, person, last_seen_at=timezone.now())
    assert "last_seen_at" in order.value.message_dict
    incident = _open(cast, person)
    with pytest.raises(ValidationError) as early:
        incident_services.record_found(
            cast.actor(cast.colleague),
            incident=incident,
            found_at=incident.reported_at - dt.timedelta(minutes=1),
            found_place="Home",
            condition=FoundCondition.UNHARMED,
        )
    assert "found_at" in early.value.message_dict
    with pytest.raises(ValidationError):
        incident_services.close_without_finding(
            cast.actor(cast.colleague), incident=incident, outcome_note=" "
        )
    incident_services.close_without_finding(
        cast.actor(cast.colleague), incident=incident, outcome_note="Handed to the state police"
    )
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.minutes_to_found is None


def test_a_person_no_longer_in_the_registry_gets_no_new_search(cast: Cast) -> None:
    person = _person(cast)
    Enrolment.objects.filter(pk=person.pk).update(status=EnrolmentStatus.WITHDRAWN)
    with pytest.raises(ValidationError):
        _open(cast, person)


def test_who_may_open_and_write_an_incident(cast: Cast) -> None:
    person = _person(cast)
    # Clinicians (the partner's too) read the registry but do not run the search.
    for user in (
        cast.partner_user,
        cast.member,
        cast.admin,
        member(cast.agency, Role.ANALYST),
        member(cast.agency, Role.TTA_STAFF),
        member(cast.outsider_org, Role.OFFICER),
    ):
        with pytest.raises(PermissionDenied):
            _open(cast, person, user=user)
    taker = member(cast.agency, Role.CALL_TAKER)
    incident = _open(cast, person, user=taker)
    outsider_officer = member(cast.outsider_org, Role.OFFICER)
    with pytest.raises(PermissionDenied):
        incident_services.record_sighting(
            cast.actor(outsider_officer), incident=incident, seen_at=timezone.now(), place="x"
        )
    with pytest.raises(PermissionDenied):
        incident_services.record_sighting(
            cast.actor(cast.partner_user), incident=incident, seen_at=timezone.now(), place="x"
        )
    sighting = incident_services.record_sighting(
        cast.actor(cast.colleague), incident=incident, seen_at=timezone.now(), place="Bus stop"
    )
    assert sighting.recorded_by_id == cast.colleague.pk


# --- Pages ----------------------------------------------------------------------------------


def test_the_pages_of_an_incident(cast: Cast, django_capture_on_commit_callbacks) -> None:
    program(cast.agency)
    person = _person(cast)
    client = cast.client(cast.colleague)
    open_url = reverse("homesafe_incident_open", args=[person.reference])
    form = client.get(open_url)
    assert form.status_code == 200 and "Rosa Ortega" in form.content.decode()
    bad = client.post(open_url, {"reported_at": "not a time"})
    assert bad.status_code == 400 and "pmhc-error-summary" in bad.content.decode()
    now = timezone.localtime()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            open_url,
            {
                "reported_at": (now - dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
                "last_seen_place": "Corner of Elm and 3rd",
                "clothing": "Blue raincoat",
            },
        )
    incident = MissingIncident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("homesafe_incident", args=[incident.reference])
    page = client.get(response["Location"]).content.decode()
    assert "Missing: Rosa Ortega" in page and "Blue raincoat" in page
    assert reverse("homesafe_incident_flyer", args=[incident.reference]) in page
    sighting = client.post(
        reverse("homesafe_incident_sighting", args=[incident.reference]),
        {"sighting-seen_at": now.strftime("%Y-%m-%dT%H:%M"), "sighting-place": "Bus stop on Main"},
    )
    assert sighting.status_code == 302
    assert "Bus stop on Main" in client.get(sighting["Location"]).content.decode()
    missing_place = client.post(
        reverse("homesafe_incident_found", args=[incident.reference]),
        {"found-found_at": now.strftime("%Y-%m-%dT%H:%M"), "found-condition": "unharmed"},
    )
    assert missing_place.status_code == 400 and "Found where" in missing_place.content.decode()
    found = client.post(
        reverse("homesafe_incident_found", args=[incident.reference]),
        {
            "found-found_at": now.strftime("%Y-%m-%dT%H:%M"),
            "found-found_place": "Riverside park",
            "found-condition": "unharmed",
        },
    )
    assert found.status_code == 302
    done = client.get(found["Location"]).content.decode()
    assert "Found" in done and "minutes from the report" in done
    assert "Record a sighting" not in done


def test_incident_pages_answer_404_to_those_who_may_not_read_them(cast: Cast) -> None:
    incident = _open(cast, _person(cast))
    ref = incident.reference
    reads = [
        reverse("homesafe_incident", args=[ref]),
        reverse("homesafe_incident_flyer", args=[ref]),
    ]
    writes = [
        reverse("homesafe_incident_sighting", args=[ref]),
        reverse("homesafe_incident_found", args=[ref]),
        reverse("homesafe_incident_close", args=[ref]),
    ]
    strangers = (
        cast.member,
        cast.admin,
        cast.expired_user,
        member(cast.outsider_org, Role.OFFICER),
        member(cast.agency, Role.ANALYST),
        member(cast.agency, Role.TTA_STAFF),
    )
    for user in strangers:
        client = cast.client(user)
        for url in reads:
            assert client.get(url).status_code == 404, (user, url)
        for url in writes:
            assert client.post(url, {}).status_code == 404, (user, url)
    for url in reads:
        assert Client().get(url).status_code == 302
    # The partner's clinician reads the search, and writes nothing to it.
    partner = cast.client(cast.partner_user)
    assert partner.get(reads[0]).status_code == 200
    assert "Record a sighting" not in partner.get(reads[0]).content.decode()
    assert partner.post(writes[0], {}).status_code == 404
    missing = reverse("homesafe_incident", args=["MP-missing"])
    assert cast.client(cast.colleague).get(missing).status_code == 404


def test_the_list_of_open_searches_is_bounded_and_its_queries_pinned(
    cast: Cast, django_assert_max_num_queries
) -> None:
    person = _person(cast, photo=False)
    closed = _open(cast, person)
    incident_services.close_without_finding(
        cast.actor(cast.colleague), incident=closed, outcome_note="Duplicate report"
    )
    first = _open(cast, person)
    actor = cast.actor(cast.colleague)
    from django.http import QueryDict

    with django_assert_max_num_queries(11):
        page = incident_selectors.open_incidents(actor, QueryDict())
    assert [row.incident.reference for row in page.rows] == [first.reference]
    for _ in range(incident_selectors.LIST_PAGE + 1):
        _open(cast, _person(cast, photo=False, caregivers=[]))
    # One read of the page and one in the holder's trail naming everyone on it.
    with django_assert_max_num_queries(11):
        page = incident_selectors.open_incidents(actor, QueryDict())
    assert len(page.rows) == incident_selectors.LIST_PAGE and page.page.next_query
    body = cast.client(cast.colleague).get(reverse("homesafe_incidents")).content.decode()
    assert "Rosa Ortega" in body and "Older" in body
    assert cast.client(cast.partner_user).get(reverse("homesafe_incidents")).status_code == 200
    outsider = member(cast.outsider_org, Role.OFFICER)
    assert "Rosa Ortega" not in (
        cast.client(outsider).get(reverse("homesafe_incidents")).content.decode()
    )
    for role in (Role.ANALYST, Role.TTA_STAFF):
        user = member(cast.agency, role)
        assert cast.client(user).get(reverse("homesafe_incidents")).status_code == 404


# --- The flyer ------------------------------------------------------------------------------


def _pdf_text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    images = sum(len(page.images) for page in reader.pages)
    return text, images


def test_the_flyer_shows_the_person_and_never_the_medical_needs(cast: Cast) -> None:
    program(cast.agency, phone="555-0199")
    incident = _open(cast, _person(cast))
    response = cast.client(cast.colleague).get(
        reverse("homesafe_incident_flyer", args=[incident.reference])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 1
    width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
    assert (round(width), round(height)) == (612, 792)  # Letter
    text, images = _pdf_text(response.content)
    for expected in (
        "MISSING",
        "Rosa Ortega",
        "Rosie",
        "Walks with a cane",
        "Blue raincoat",
        "Corner of Elm and 3rd",
        "call 911",
        "Agency PD",
        "555-0199",
        "81",
    ):
        assert expected in text, expected
    assert "Insulin" not in text and "12 Elm Street" not in text and "555-0101" not in text
    assert images == 1
    event = AuditEvent.objects.get(action=HomeSafeAudit.FLYER_PRINTED)
    assert event.object_id == str(incident.pk) and "medical_needs" not in event.detail


def test_a_flyer_without_a_photo_or_any_description_still_prints(cast: Cast) -> None:
    bare = {"date_of_birth": None, "hair": "", "eyes": "", "height_cm": None, "weight_kg": None}
    incident = _open(cast, _person(cast, photo=False, **bare))
    sheet = incident_selectors.flyer(cast.actor(cast.colleague), incident.reference)
    text, images = _pdf_text(flyer.pdf(sheet))
    assert "No photo on file" in text and images == 0
