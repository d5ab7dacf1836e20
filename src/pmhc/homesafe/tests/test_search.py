"""The registry search and the responder's page: who may search, what is found (only people in
the registry), what each search and read leaves in the audit trail, and the cost of a search."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.dispatch.tests.helpers import member
from pmhc.homesafe import search_selectors
from pmhc.homesafe.audit_codes import HomeSafeAudit
from pmhc.homesafe.models import Condition, EnrolmentStatus
from pmhc.homesafe.search_selectors import SearchQuery
from pmhc.homesafe.tests.search_helpers import born_years_ago, enrolment
from pmhc.platform.models import AuditEvent, Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def _names(actor, **query) -> list[str]:
    result = search_selectors.search(actor, SearchQuery(**query))
    return [card.enrolment.full_name for card in result.rows]


def test_only_people_in_the_registry_are_found(cast: Cast) -> None:
    for status in EnrolmentStatus.values:
        enrolment(cast.agency, status=status, full_name=f"Ada {status}", hair="grey")
    officer = cast.actor(cast.colleague)
    assert _names(officer, words=("grey",)) == ["Ada active"]


def test_search_by_each_part(cast: Cast) -> None:
    river = enrolment(
        cast.agency,
        full_name="Rosa Ortega",
        preferred_name="Rosie",
        date_of_birth=born_years_ago(81),
        area="North",
        places="Riverside park; the bakery on Elm",
        conditions=[Condition.DEMENTIA],
        attracted_to_water=True,
        description="Walks with a cane, red scarf",
    )
    young = enrolment(
        cast.agency,
        full_name="Sam Lee",
        date_of_birth=born_years_ago(9),
        area="South",
        routines="Bus stop on Main after school",
        conditions=[Condition.AUTISM, Condition.DEVELOPMENTAL],
        attracted_to_traffic=True,
        eyes="brown",
    )
    officer = cast.actor(cast.colleague)
    assert _names(officer, words=("rosie",)) == [river.full_name]
    assert _names(officer, words=("red", "cane")) == [river.full_name]
    assert _names(officer, words=("red", "brown")) == []
    assert _names(officer, age_from=70, age_to=90) == [river.full_name]
    assert _names(officer, age_to=9) == [young.full_name]
    assert _names(officer, age_from=10, age_to=80) == []
    assert _names(officer, area="north") == [river.full_name]
    assert _names(officer, places="main") == [young.full_name]
    assert _names(officer, places="riverside") == [river.full_name]
    assert _names(officer, conditions=(Condition.AUTISM,)) == [young.full_name]
    assert _names(officer, conditions=(Condition.DEMENTIA, Condition.AUTISM)) == [
        river.full_name,
        young.full_name,
    ]
    assert _names(officer, water=True) == [river.full_name]
    assert _names(officer, traffic=True, area="South") == [young.full_name]


def test_an_empty_search_finds_nobody_and_writes_nothing(cast: Cast) -> None:
    enrolment(cast.agency)
    result = search_selectors.search(cast.actor(cast.colleague), SearchQuery())
    assert not result.searched and result.rows == []
    assert not AuditEvent.objects.filter(action=HomeSafeAudit.REGISTRY_SEARCHED).exists()


def test_each_search_is_audited_with_a_count_and_never_the_words(cast: Cast) -> None:
    shown = enrolment(cast.agency, full_name="Nora Quist", hair="white")
    search_selectors.search(cast.actor(cast.colleague), SearchQuery(words=("white",), area="x"))
    search_selectors.search(cast.actor(cast.colleague), SearchQuery(words=("white",)))
    events = list(
        AuditEvent.objects.filter(action=HomeSafeAudit.REGISTRY_SEARCHED).order_by("sequence")
    )
    assert [e.detail.split(";")[0] for e in events] == ["count 0", "count 1"]
    assert "by description, area" in events[0].detail
    assert shown.reference in events[1].detail
    for event in events:
        assert "white" not in event.detail and "Nora" not in event.detail
        assert event.purpose == "active_call" and event.actor_id == cast.colleague.pk


def test_a_search_is_bounded_and_its_queries_do_not_grow(
    cast: Cast, django_assert_max_num_queries
) -> None:
    officer = cast.actor(cast.colleague)
    enrolment(cast.agency, hair="brown")
    with django_assert_max_num_queries(15) as few:
        search_selectors.search(officer, SearchQuery(words=("brown",)))
    for _ in range(search_selectors.RESULTS_LIMIT + 2):
        enrolment(cast.agency, hair="brown", caregivers=[{"name": "A", "phone": "1"}] * 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        result = search_selectors.search(officer, SearchQuery(words=("brown",)))
    assert len(result.rows) == search_selectors.RESULTS_LIMIT and result.more


# --- Who may search -------------------------------------------------------------------------


def test_partners_under_an_agreement_in_force_search_the_agencys_registry(cast: Cast) -> None:
    enrolment(cast.agency, full_name="Pat Agency", hair="auburn")
    assert _names(cast.actor(cast.partner_user), words=("auburn",)) == ["Pat Agency"]
    # An ended agreement, or none, finds nothing of the agency's.
    assert _names(cast.actor(cast.expired_user), words=("auburn",)) == []
    outsider_officer = member(cast.outsider_org, Role.OFFICER)
    assert _names(cast.actor(outsider_officer), words=("auburn",)) == []


@pytest.mark.parametrize("role", [Role.ANALYST, Role.TTA_STAFF, Role.ADMINISTRATOR])
def test_roles_that_never_read_the_registry_cannot_search(cast: Cast, role: Role) -> None:
    enrolment(cast.agency, hair="auburn")
    user = member(cast.agency, role)
    assert not search_selectors.can_search(cast.actor(user))
    assert _names(cast.actor(user), words=("auburn",)) == []
    client = cast.client(user)
    assert client.get(reverse("homesafe_search"), {"text": "auburn"}).status_code == 404
    assert "Home Safe search" not in client.get("/").content.decode()


def test_the_search_page(cast: Cast) -> None:
    found = enrolment(
        cast.agency,
        full_name="Rosa Ortega",
        preferred_name="Rosie",
        date_of_birth=born_years_ago(81),
        area="North",
        hair="grey",
        photo=True,
        caregivers=[{"name": "Luis Ortega", "phone": "555-0101", "relationship": "son"}],
    )
    url = reverse("homesafe_search")
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    client = cast.client(cast.colleague)
    assert "Home Safe search" in client.get("/").content.decode()
    blank = client.get(url)
    assert blank.status_code == 200 and "people found" not in blank.content.decode()
    page = client.get(url, {"text": "grey", "area": "North"}).content.decode()
    assert "1 person found" in page
    assert reverse("homesafe_search_enrolment", args=[found.reference]) in page
    assert reverse("homesafe_search_photo", args=[found.reference]) in page
    assert 'href="tel:555-0101"' in page and "Age 81." in page and "Rosie" in page
    bad = client.get(url, {"age_from": "80", "age_to": "10"})
    assert bad.status_code == 400 and "Age to" in bad.content.decode()
    # The blank form and the one with errors searched nothing: one search, one event.
    assert AuditEvent.objects.filter(action=HomeSafeAudit.REGISTRY_SEARCHED).count() == 1


# --- The responder's page and the photo -----------------------------------------------------


def test_the_responders_page_shows_what_a_search_needs_and_is_audited(cast: Cast) -> None:
    shown = enrolment(
        cast.agency,
        full_name="Rosa Ortega",
        communication="Speaks Spanish; few words",
        calming="Hum a song",
        avoid="Sirens",
        medical_needs="Insulin twice a day",
        places="Riverside park",
        device_type="GPS watch",
        device_identifier="W-1234",
        device_access="Her son, Luis",
        photo=True,
        caregivers=[{"name": "Luis Ortega", "phone": "555-0101"}],
    )
    url = reverse("homesafe_search_enrolment", args=[shown.reference])
    page = cast.client(cast.colleague).get(url).content.decode()
    for text in (
        "Speaks Spanish",
        "Hum a song",
        "Sirens",
        "Insulin twice a day",
        "Riverside park",
        "W-1234",
        "Her son, Luis",
        'href="tel:555-0101"',
        "Open a missing-person incident",
    ):
        assert text in page, text
    event = AuditEvent.objects.get(action=HomeSafeAudit.ENROLMENT_READ, object_id=str(shown.pk))
    assert event.purpose == "active_call" and "medical_needs" in event.detail
    # A clinician of the partner reads it but opens no incident (officers and call-takers do).
    partner_page = cast.client(cast.partner_user).get(url).content.decode()
    assert "Rosa Ortega" in partner_page and "Open a missing-person incident" not in partner_page


def test_the_responders_page_and_photo_answer_404_outside_the_registry(cast: Cast) -> None:
    hidden = enrolment(cast.agency, status=EnrolmentStatus.HIDDEN, photo=True)
    kept = enrolment(cast.agency, photo=True)
    officer = cast.client(cast.colleague)
    for name in ("homesafe_search_enrolment", "homesafe_search_photo"):
        assert officer.get(reverse(name, args=[hidden.reference])).status_code == 404
        assert officer.get(reverse(name, args=["HS-missing"])).status_code == 404
        for user in (
            cast.member,  # coordinator: reviews enrolments, does not search them
            cast.admin,
            cast.expired_user,
            member(cast.outsider_org, Role.OFFICER),
            member(cast.agency, Role.ANALYST),
            member(cast.agency, Role.TTA_STAFF),
        ):
            assert cast.client(user).get(reverse(name, args=[kept.reference])).status_code == 404
        assert Client().get(reverse(name, args=[kept.reference])).status_code == 302
    assert not AuditEvent.objects.filter(action=HomeSafeAudit.ENROLMENT_READ).exists()


def test_the_photo_is_served_inline_private_and_audited(cast: Cast) -> None:
    shown = enrolment(cast.agency, photo=True)
    response = cast.client(cast.colleague).get(
        reverse("homesafe_search_photo", args=[shown.reference])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    event = AuditEvent.objects.get(action=HomeSafeAudit.ENROLMENT_READ)
    assert event.detail == "read: photo"
    # A stored file of a type that is not an image is never served as one.
    shown.photo_content_type = "text/html"
    shown.save()
    assert (
        cast.client(cast.colleague)
        .get(reverse("homesafe_search_photo", args=[shown.reference]))
        .status_code
        == 404
    )
