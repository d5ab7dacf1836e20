"""People services and selectors: the contracts others call, their policy and their audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from pmhc.conftest import Cast
from pmhc.people import selectors, services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Person, PersonAlias, Sex
from pmhc.platform import audit
from pmhc.platform.models import AuditEvent, Purpose, Role
from pmhc.platform.tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db
CALL = Purpose.ACTIVE_CALL


def _reads(person: Person) -> int:
    return AuditEvent.objects.filter(
        action=PeopleAudit.PERSON_READ, object_id=str(person.pk)
    ).count()


def test_create_person_records_aliases_and_audit(cast: Cast) -> None:
    actor = cast.actor(cast.colleague)
    person = services.create_person(
        actor,
        organization=cast.agency,
        purpose=CALL,
        family_name=" Rivera ",
        given_name="Ana",
        sex=Sex.FEMALE,
        aliases=["Annie", ("Ana Lopez", "former"), "annie"],
    )
    assert person.family_name == "Rivera"
    assert sorted(PersonAlias.objects.filter(person=person).values_list("name", "kind")) == [
        ("Ana Lopez", "former"),
        ("Annie", "alias"),
    ]
    event = AuditEvent.objects.get(action=PeopleAudit.PERSON_CREATED)
    assert event.purpose == CALL
    assert event.before is None
    assert event.after is not None
    # Administrators read the trail: it keeps the fields and digests, not the person's names.
    assert "Rivera" not in str(event.after) and "Annie" not in str(event.after)
    assert event.after["family_name"] == _digest(person, "family_name", "Rivera")
    assert event.after["aliases"] == _digest(
        person, "aliases", ["Ana Lopez (former)", "Annie (alias)"]
    )


def _digest(person: Person, key: str, value: object) -> str:
    return audit.digest(value, object_type="people.person", object_id=str(person.pk), key=key)


@pytest.mark.parametrize("who", ["partner_user", "outsider", "admin", "member"])
def test_create_person_refused_leaves_nothing(cast: Cast, who: str) -> None:
    # Partners never write; an administrator holds no personal grant; a coordinator reads
    # personal data for case management only, not for an active call.
    with pytest.raises(PermissionDenied):
        services.create_person(
            cast.actor(getattr(cast, who)),
            organization=cast.agency,
            purpose=CALL,
            family_name="Rivera",
        )
    assert Person.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_create_person_rejects_future_birth_date(cast: Cast) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_person(
            cast.actor(cast.colleague),
            organization=cast.agency,
            purpose=CALL,
            date_of_birth=dt.date.today() + dt.timedelta(days=5),
        )
    assert "date_of_birth" in exc.value.message_dict
    assert Person.objects.count() == 0


def test_update_person_before_after_and_aliases(cast: Cast) -> None:
    actor = cast.actor(cast.colleague)
    person = services.create_person(
        actor, organization=cast.agency, purpose=CALL, family_name="Rivera", aliases=["Annie"]
    )
    services.update_person(actor, person=person, purpose=CALL, given_name="Ana", aliases=["AR"])
    person.refresh_from_db()
    assert person.given_name == "Ana"
    assert list(person.aliases.values_list("name", flat=True)) == ["AR"]
    event = AuditEvent.objects.get(action=PeopleAudit.PERSON_CHANGED)
    assert event.before is not None and event.after is not None
    # An empty value says nothing and stays; the rest are digests that show what changed.
    assert event.before["given_name"] == ""
    assert event.after["given_name"] == _digest(person, "given_name", "Ana")
    assert event.before["aliases"] == _digest(person, "aliases", ["Annie (alias)"])
    assert event.after["aliases"] == _digest(person, "aliases", ["AR (alias)"])
    assert event.before["family_name"] == event.after["family_name"]
    # No change, no event.
    services.update_person(actor, person=person, purpose=CALL, given_name="Ana")
    assert AuditEvent.objects.filter(action=PeopleAudit.PERSON_CHANGED).count() == 1


def test_update_person_refused_for_partner(cast: Cast) -> None:
    person = services.create_person(
        cast.actor(cast.colleague), organization=cast.agency, purpose=CALL, family_name="Rivera"
    )
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.update_person(
            cast.actor(cast.partner_user), person=person, purpose=CALL, family_name="X"
        )
    person.refresh_from_db()
    assert person.family_name == "Rivera"
    assert AuditEvent.objects.count() == before


def test_update_person_rejects_unknown_field(cast: Cast) -> None:
    person = services.create_person(
        cast.actor(cast.colleague), organization=cast.agency, purpose=CALL
    )
    with pytest.raises(TypeError):
        services.update_person(
            cast.actor(cast.colleague), person=person, purpose=CALL, organization=1
        )


def test_person_detail_audits_and_hides(cast: Cast) -> None:
    person = services.create_person(
        cast.actor(cast.colleague), organization=cast.agency, purpose=CALL, family_name="Rivera"
    )
    assert selectors.person_detail(cast.actor(cast.colleague), person.pk, purpose=CALL) == person
    assert selectors.person_detail(cast.actor(cast.partner_user), person.pk, purpose=CALL)
    assert _reads(person) == 2
    for user in (cast.expired_user, cast.outsider, cast.admin, cast.member):
        with pytest.raises(Http404):
            selectors.person_detail(cast.actor(user), person.pk, purpose=CALL)
    with pytest.raises(Http404):
        selectors.person_detail(cast.actor(cast.colleague), person.pk + 100, purpose=CALL)
    assert _reads(person) == 2
    event = AuditEvent.objects.filter(action=PeopleAudit.PERSON_READ).first()
    assert event is not None and event.purpose == CALL


def test_read_people_keeps_allowed_and_audits_each(cast: Cast) -> None:
    ours = services.create_person(
        cast.actor(cast.colleague), organization=cast.agency, purpose=CALL, family_name="A"
    )
    outsider_officer = MembershipFactory.create(organization=cast.outsider_org, role=Role.OFFICER)
    theirs = services.create_person(
        cast.actor(outsider_officer.user), organization=cast.outsider_org, purpose=CALL
    )
    shown = selectors.read_people(cast.actor(cast.colleague), [ours, theirs, ours], purpose=CALL)
    assert shown == [ours]
    assert _reads(ours) == 1 and _reads(theirs) == 0


def test_search_people_by_name_and_alias(cast: Cast) -> None:
    actor = cast.actor(cast.colleague)
    rivera = services.create_person(
        actor, organization=cast.agency, purpose=CALL, family_name="Rivera", aliases=["Sunny"]
    )
    services.create_person(actor, organization=cast.agency, purpose=CALL, family_name="Other")
    assert selectors.search_people(actor, "riv", purpose=CALL) == [rivera]
    assert selectors.search_people(actor, "sunny", purpose=CALL) == [rivera]
    assert selectors.search_people(actor, "  ", purpose=CALL) == []
    assert _reads(rivera) == 2
    assert selectors.search_people(cast.actor(cast.outsider), "riv", purpose=CALL) == []
    assert selectors.search_people(cast.actor(cast.member), "riv", purpose=CALL) == []
