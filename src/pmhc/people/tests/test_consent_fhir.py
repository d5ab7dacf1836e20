"""Consents as FHIR R4: export validated by ``fhir.resources``, a round trip that keeps the
terms, invalid resources refused with the path of each problem, and the API's keys and scopes."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.consent import Consent as FhirConsent

from pmhc.conftest import Cast
from pmhc.people import consent_fhir, consent_services
from pmhc.people import services as people_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Consent, GivenBy, Person
from pmhc.platform import services as platform_services
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import AuditEvent, Classification, Purpose

pytestmark = pytest.mark.django_db
CM = Purpose.CASE_MANAGEMENT
REP = "Morgan Tilde"


@pytest.fixture
def person(cast: Cast) -> Person:
    return people_services.create_person(
        cast.actor(cast.colleague), organization=cast.agency, purpose=Purpose.ACTIVE_CALL,
        family_name="Reyes",
    )  # fmt: skip


def _give(cast: Cast, person: Person, **terms: Any) -> Consent:
    values: dict[str, Any] = {
        "recipients": [cast.partner],
        "purposes": [CM, Purpose.EMERGENCY],
        "data_classes": [Classification.CLINICAL, Classification.SUBSTANCE_USE],
        "part2": True,
        "given_by": GivenBy.REPRESENTATIVE,
        "representative_name": REP,
        "representative_relationship": "Guardian",
    } | terms
    return consent_services.give_consent(
        cast.actor(cast.member), person=person, purpose=CM, **values
    )


def _key(cast: Cast, *scopes: str) -> str:
    _key_row, raw = platform_services.create_api_key(
        actor_for_user(cast.admin), organization=cast.agency, name="HIE", scopes=list(scopes)
    )
    return raw


def _get(url: str, raw: str | None = None, client: Client | None = None) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"} if raw else {}
    return (client or Client()).get(url, **headers)


def _post(url: str, body: Any, raw: str | None = None, client: Client | None = None) -> Any:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"} if raw else {}
    return (client or Client()).post(
        url, data=json.dumps(body), content_type="application/json", **headers
    )


def _url(person: Person) -> str:
    return reverse("api_person_consents", args=[person.pk])


def test_export_is_a_valid_bundle_with_the_mapped_codes(cast: Cast, person: Person) -> None:
    consent = _give(cast, person)
    response = _get(_url(person), _key(cast, "consents:read"))
    assert response.status_code == 200
    data = response.json()
    Bundle.model_validate(data)
    resource = data["entry"][0]["resource"]
    FhirConsent.model_validate(resource)
    assert resource["id"] == str(consent.pk) and resource["status"] == "active"
    assert resource["patient"] == {"reference": f"Patient/{person.pk}"}
    assert resource["policyRule"]["coding"][0]["code"] == "42CFRPart2"
    provision = resource["provision"]
    assert {c["code"] for c in provision["purpose"]} == {"CAREMGT", "BTG"}
    assert {c["code"] for c in provision["securityLabel"]} == {"PSY", "ETH", "R"}
    assert provision["actor"][0]["reference"]["reference"] == f"Organization/{cast.partner.slug}"
    assert provision["actor"][0]["role"]["coding"][0]["code"] == "IRCP"
    related = resource["contained"][0]
    assert related["resourceType"] == "RelatedPerson" and related["name"][0]["text"] == REP
    assert resource["performer"] == [{"reference": "#representative"}]
    assert "prohibits unauthorized use or disclosure" in resource["text"]["div"]
    # Naming the representative in an export is an audited read.
    assert AuditEvent.objects.filter(
        action=PeopleAudit.CONSENT_READ, object_id=str(consent.pk)
    ).exists()


def test_round_trip_keeps_the_terms(cast: Cast, person: Person) -> None:
    original = _give(cast, person)
    exported = _get(_url(person), _key(cast, "consents:read")).json()["entry"][0]["resource"]
    exported.pop("id")
    response = _post(_url(person), exported, _key(cast, "consents:write"))
    assert response.status_code == 201, response.content
    copy_ = Consent.objects.exclude(pk=original.pk).get()
    for name in ("given_by", "representative_name", "representative_relationship", "part2",
                 "any_recipient", "valid_from", "valid_until"):  # fmt: skip
        assert getattr(copy_, name) == getattr(original, name), name
    assert sorted(copy_.purposes) == sorted(original.purposes)
    assert sorted(copy_.data_classes) == sorted(original.data_classes)
    assert list(copy_.recipients.all()) == list(original.recipients.all())
    assert response.json()["id"] == str(copy_.pk)
    assert AuditEvent.objects.filter(action=PeopleAudit.CONSENT_GIVEN).count() == 2


def test_a_general_consent_given_by_the_person_round_trips(cast: Cast, person: Person) -> None:
    _give(
        cast, person, recipients=[], any_recipient=True, part2=False,
        data_classes=[Classification.CLINICAL], given_by=GivenBy.PERSON,
        representative_name="", representative_relationship="",
    )  # fmt: skip
    resource = _get(_url(person), _key(cast, "consents:read")).json()["entry"][0]["resource"]
    assert "actor" not in resource["provision"]
    assert resource["performer"] == [{"reference": f"Patient/{person.pk}"}]
    terms, problems = consent_fhir.from_resource(resource, person=person)
    assert not problems and terms is not None
    assert terms.values["any_recipient"] is True and terms.values["given_by"] == GivenBy.PERSON


def _valid(cast: Cast, person: Person) -> dict[str, Any]:
    _give(cast, person)
    resource = _get(_url(person), _key(cast, "consents:read")).json()["entry"][0]["resource"]
    Consent.objects.all().delete()
    return resource


def _set(*keys: Any, value: Any) -> Any:
    def change(resource: dict[str, Any]) -> None:
        target: Any = resource
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def _drop(*keys: Any) -> Any:
    def change(resource: dict[str, Any]) -> None:
        target: Any = resource
        for key in keys[:-1]:
            target = target[key]
        target.pop(keys[-1])

    return change


def _add_purpose(resource: dict[str, Any]) -> None:
    resource["provision"]["purpose"].append({"system": consent_fhir.ACT_REASON, "code": "HOPERAT"})


INVALID = [
    ("not a consent", _set("resourceType", value="Patient"), "resourceType"),
    (
        "bad date",
        _set("provision", "period", "start", value="2024-13-45"),
        "provision.period.start",
    ),
    ("unknown purpose", _add_purpose, "provision.purpose[2]"),
    (
        "unknown label system",
        _set("provision", "securityLabel", 0, value={"system": "urn:x", "code": "PSY"}),
        "provision.securityLabel[0]",
    ),
    ("other patient", _set("patient", value={"reference": "Patient/999999"}), "patient"),
    ("Part 2 without recipient", _drop("provision", "actor"), "provision.actor"),
    (
        "unknown organization",
        _set("provision", "actor", 0, "reference", "reference", value="Organization/nowhere"),
        "provision.actor[0].reference",
    ),
    (
        "representative without relationship",
        _drop("contained", 0, "relationship"),
        "contained.RelatedPerson.relationship",
    ),
    ("no policy rule", _drop("policyRule"), "policyRule"),
]


@pytest.mark.parametrize(("name", "change", "path"), INVALID, ids=[i[0] for i in INVALID])
def test_invalid_resources_are_refused_with_the_path(
    cast: Cast, person: Person, name: str, change: Any, path: str
) -> None:
    resource = copy.deepcopy(_valid(cast, person))
    change(resource)
    response = _post(_url(person), resource, _key(cast, "consents:write"))
    assert response.status_code == 400, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    paths = [p for issue in outcome["issue"] for p in issue["expression"]]
    assert path in paths, outcome
    assert Consent.objects.count() == 0


def test_a_body_that_is_not_an_object_is_refused(cast: Cast, person: Person) -> None:
    response = _post(_url(person), ["Consent"], _key(cast, "consents:write"))
    assert response.status_code == 400
    assert "FHIR Consent" in response.json()["issue"][0]["diagnostics"]


def test_keys_need_their_scope_and_their_own_organization(cast: Cast, person: Person) -> None:
    resource = _valid(cast, person)
    assert _get(_url(person)).status_code in {401, 403}
    assert _get(_url(person), _key(cast, "calls:read")).status_code == 404
    assert _post(_url(person), resource, _key(cast, "consents:read")).status_code == 404
    assert _post(_url(person), resource, _key(cast, "calls:write")).status_code == 404
    _partner_key, partner_raw = platform_services.create_api_key(
        actor_for_user(_admin_of(cast)), organization=cast.partner, name="P",
        scopes=["consents:read", "consents:write"],
    )  # fmt: skip
    assert _get(_url(person), partner_raw).status_code == 404
    assert _post(_url(person), resource, partner_raw).status_code == 404
    assert Consent.objects.count() == 0


def _admin_of(cast: Cast) -> Any:
    from pmhc.platform.models import Role
    from pmhc.response.tests.factories import member

    return member(cast.partner, Role.ADMINISTRATOR)


def test_a_signed_in_keeper_may_use_it_and_others_may_not(cast: Cast, person: Person) -> None:
    resource = _valid(cast, person)
    keeper = cast.client(cast.member)
    assert _get(_url(person), client=keeper).status_code == 200
    assert _post(_url(person), resource, client=keeper).status_code in {201, 403}
    officer = cast.client(cast.colleague)
    assert _get(_url(person), client=officer).status_code == 404
