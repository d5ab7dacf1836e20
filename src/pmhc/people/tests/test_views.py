"""People pages: who may search and read, and that every view of a person is audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from pmhc.conftest import Cast
from pmhc.people import services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person
from pmhc.platform import audit
from pmhc.platform.models import AuditEvent, Purpose, Role
from pmhc.platform.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
CALL = Purpose.ACTIVE_CALL


def _reads(person: Person) -> int:
    return AuditEvent.objects.filter(
        action=PeopleAudit.PERSON_READ, object_id=str(person.pk)
    ).count()


def _member(cast: Cast, role: Role, username: str):
    user = UserFactory.create(username=username)
    MembershipFactory.create(user=user, organization=cast.agency, role=role)
    return user


@pytest.fixture
def person(cast: Cast) -> Person:
    return services.create_person(
        cast.actor(cast.colleague),
        organization=cast.agency,
        purpose=CALL,
        family_name="Rivera",
        given_name="Ana",
        description="Green jacket",
        aliases=["Sunny"],
    )


def test_anonymous_sent_to_sign_in(cast: Cast, person: Person) -> None:
    for url in (
        reverse("people_index"),
        reverse("people_person", args=[person.pk]),
        reverse("people_person_edit", args=[person.pk]),
    ):
        response = cast.client(None).get(url)
        assert response.status_code == 302 and "/login" in response["Location"]
    assert _reads(person) == 0


@pytest.mark.parametrize("who", ["admin", "member", "analyst", "expired_user", "outsider"])
def test_no_access_gives_404_and_no_read(cast: Cast, person: Person, who: str) -> None:
    user = _member(cast, Role.ANALYST, "analyst") if who == "analyst" else getattr(cast, who)
    client = cast.client(user)
    before = AuditEvent.objects.count()
    for url in (
        reverse("people_person", args=[person.pk]),
        reverse("people_person_edit", args=[person.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Green jacket" not in response.content.decode()
    search = client.get(reverse("people_index") + "?q=Rivera")
    # A clinician of the former partner may search their own organization's people; the
    # others hold no personal grant for an active call at all.
    assert search.status_code == (200 if who == "expired_user" else 404)
    assert "Green jacket" not in search.content.decode()
    assert f'href="/operate/people/{person.pk}/"' not in search.content.decode()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("role", [Role.CALL_TAKER, Role.OFFICER, Role.SUPERVISOR, Role.CLINICIAN])
def test_agency_responders_read_and_each_view_is_audited(
    cast: Cast, person: Person, role: Role
) -> None:
    client = cast.client(_member(cast, role, f"r-{role}"))
    for expected in (1, 2):
        response = client.get(reverse("people_person", args=[person.pk]))
        assert response.status_code == 200
        body = response.content.decode()
        assert "Green jacket" in body and "Sunny" in body
        assert _reads(person) == expected
    event = AuditEvent.objects.filter(action=PeopleAudit.PERSON_READ).first()
    assert event is not None and event.purpose == CALL


def test_search_shows_and_audits_each_person(cast: Cast, person: Person) -> None:
    other = services.create_person(
        cast.actor(cast.colleague), organization=cast.agency, purpose=CALL, family_name="Rivers"
    )
    services.create_person(
        cast.actor(cast.colleague), organization=cast.agency, purpose=CALL, family_name="Stone"
    )
    client = cast.client(cast.colleague)
    response = client.get(reverse("people_index"))
    assert (
        response.status_code == 200
        and AuditEvent.objects.filter(action=PeopleAudit.PERSON_READ).count() == 0
    )
    body = client.get(reverse("people_index") + "?q=riv").content.decode()
    assert "Rivera" in body and "Rivers" in body and "Stone" not in body
    assert _reads(person) == 1 and _reads(other) == 1
    body = client.get(reverse("people_index") + "?q=sunny").content.decode()
    assert "Rivera" in body and "Rivers" not in body


def test_partner_clinician_reads_but_never_changes(cast: Cast, person: Person) -> None:
    client = cast.client(cast.partner_user)
    response = client.get(reverse("people_person", args=[person.pk]))
    assert response.status_code == 200 and "Green jacket" in response.content.decode()
    assert "Change the details" not in response.content.decode()
    before = AuditEvent.objects.count()
    url = reverse("people_person_edit", args=[person.pk])
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"family_name": "X", "sex": "U", "veteran": "unknown"}).status_code == 404
    )
    person.refresh_from_db()
    assert person.family_name == "Rivera"
    assert AuditEvent.objects.count() == before


def test_officer_changes_details_and_aliases(cast: Cast, person: Person) -> None:
    client = cast.client(cast.colleague)
    url = reverse("people_person_edit", args=[person.pk])
    assert client.get(url).status_code == 200
    assert _reads(person) == 1
    response = client.post(
        url,
        {
            "family_name": "Rivera",
            "given_name": "Ana",
            "sex": "F",
            "veteran": "yes",
            "description": "Green jacket",
            "aliases": "Sunny\nAR",
        },
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.veteran == "yes"
    assert sorted(person.aliases.values_list("name", flat=True)) == ["AR", "Sunny"]
    event = AuditEvent.objects.get(action=PeopleAudit.PERSON_CHANGED)
    assert event.before is not None and event.after is not None
    assert event.before["veteran"] == audit.digest(
        "unknown", object_type="people.person", object_id=str(person.pk), key="veteran"
    )
    assert "Green jacket" not in str(event.after)
    response = client.post(
        url, {"family_name": "R", "sex": "F", "veteran": "no", "date_of_birth": "2999-01-01"}
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
