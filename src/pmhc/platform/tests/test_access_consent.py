"""Consent in the access policy: clinical and substance-use data crossing organizations needs
the person's consent, read through the check that ``people`` registers, at decision time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.consent_selectors import consent_allows, consents_for
from pmhc.people.consent_services import give_consent, revoke_consent
from pmhc.people.models import Consent, Person
from pmhc.platform import access
from pmhc.platform.access import Target, actor_for_user, decide
from pmhc.platform.break_glass_services import start_break_glass
from pmhc.platform.models import AuditEvent, User
from pmhc.platform.models import Classification as C
from pmhc.platform.models import Purpose as P
from pmhc.platform.models import Role as R
from pmhc.platform.tests.factories import (
    AgreementFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
CM = P.CASE_MANAGEMENT


@pytest.fixture
def world(db):
    """A clinic (the recipient) and a holder that shares everything with it; a third
    organization, also a partner of the holder; a person held by the holder."""
    today = timezone.localdate()
    clinic = OrganizationFactory.create(slug="clinic")
    holder = OrganizationFactory.create(slug="holder")
    third = OrganizationFactory.create(slug="third")
    everything = [c for c in C.values if c != C.PUBLIC]
    for other in (clinic, third):
        AgreementFactory.create(
            parties=[holder, other],
            classifications=everything,
            purposes=list(P.values),
            effective_on=today - dt.timedelta(days=30),
            ends_on=None,
        )
    actors = {}
    for org in (clinic, holder):
        for role in (R.CLINICIAN, R.CASE_MANAGER, R.OFFICER):
            user = UserFactory.create(username=f"{org.slug}-{role}")
            MembershipFactory.create(user=user, organization=org, role=role)
            actors[(org.slug, role)] = actor_for_user(user)
    person = Person.objects.create(organization=holder, family_name="Doe")
    return {
        "clinic": clinic,
        "holder": holder,
        "third": third,
        "person": person,
        "actors": actors,
        "today": today,
    }


def _record(w: dict, level: str) -> Target:
    return Target(
        organization_ids=frozenset({w["holder"].pk}),
        access_classification=level,
        access_person_id=w["person"].pk,
    )


def _give(w: dict, **terms: object) -> Consent:
    values: dict[str, object] = {
        "recipients": [w["clinic"]],
        "purposes": [CM, P.ACTIVE_CALL],
        "data_classes": [C.CLINICAL],
    }
    values.update(terms)
    return give_consent(
        w["actors"][("holder", R.CLINICIAN)],
        person=w["person"],
        purpose=CM,
        **values,  # type: ignore[arg-type]
    )


DAY = dt.timedelta(days=1)
SU = C.SUBSTANCE_USE
CL = R.CLINICIAN

# (name, consent terms or None, classification, purpose, role of the clinic's reader, allowed)
TABLE = [
    ("given", {}, C.CLINICAL, CM, R.CLINICIAN, True),
    ("missing", None, C.CLINICAL, CM, R.CLINICIAN, False),
    ("purpose not covered", {"purposes": [P.ACTIVE_CALL]}, C.CLINICAL, CM, R.CLINICIAN, False),
    ("class not covered", {"data_classes": [C.CLINICAL]}, SU, CM, R.CASE_MANAGER, False),
    ("general consent", {"recipients": [], "any_recipient": True}, C.CLINICAL, CM, CL, True),
    ("another recipient named", {"recipients": "third"}, C.CLINICAL, CM, R.CLINICIAN, False),
    ("expired", {"valid_from": -30, "valid_until": -1}, C.CLINICAL, CM, R.CLINICIAN, False),
    ("not yet valid", {"valid_from": 2}, C.CLINICAL, CM, R.CLINICIAN, False),
    ("last day", {"valid_from": -30, "valid_until": 0}, C.CLINICAL, CM, R.CLINICIAN, True),
    (
        "Part 2 naming another recipient",
        {"part2": True, "recipients": "third", "data_classes": [C.SUBSTANCE_USE]},
        C.SUBSTANCE_USE, CM, R.CASE_MANAGER, False,
    ),
    (
        "Part 2 naming the recipient",
        {"part2": True, "data_classes": [C.SUBSTANCE_USE, C.CLINICAL]},
        C.SUBSTANCE_USE, CM, R.CASE_MANAGER, True,
    ),
    ("emergency, clinical, no consent", None, C.CLINICAL, P.EMERGENCY, R.OFFICER, True),
    ("emergency, Part 2, no consent", None, C.SUBSTANCE_USE, P.EMERGENCY, R.CLINICIAN, False),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "terms", "level", "purpose", "role", "allowed"), TABLE, ids=[t[0] for t in TABLE]
)
def test_consent_table(world, name, terms, level, purpose, role, allowed):
    if terms is not None:
        terms = dict(terms)
        if terms.get("recipients") == "third":
            terms["recipients"] = [world["third"]]
        for key in ("valid_from", "valid_until"):
            if key in terms:
                terms[key] = world["today"] + terms[key] * DAY
        if "valid_from" in terms and terms["valid_from"] > world["today"]:
            terms["valid_until"] = None
        _give(world, **terms)
    actor = world["actors"][("clinic", role)]
    if purpose == P.EMERGENCY:
        # The emergency purpose is open only while the reader has broken the glass.
        user = User.objects.get(username=f"clinic-{role}")
        start_break_glass(actor, organization=world["clinic"], reason="Person unresponsive")
        actor = actor_for_user(user)
    decision = decide(actor, "view", _record(world, level), purpose)
    assert decision.allowed is allowed, (name, decision.reason)


def test_revocation_takes_effect_at_once(world):
    consent = _give(world)
    reader = world["actors"][("clinic", R.CLINICIAN)]
    record = _record(world, C.CLINICAL)
    assert decide(reader, "view", record, CM)
    revoke_consent(world["actors"][("holder", R.CASE_MANAGER)], consent=consent, purpose=CM)
    # The same actor, built before the revocation: nothing about consent is kept in it.
    assert not decide(reader, "view", record, CM)
    event = AuditEvent.objects.get(action=PeopleAudit.CONSENT_REVOKED)
    assert event.before is not None and event.before["revoked_at"] is None
    assert event.after is not None and event.after["revoked_at"] is not None


def test_the_holder_needs_no_consent_and_strangers_get_none(world):
    _give(world, recipients=[], any_recipient=True)
    record = _record(world, C.CLINICAL)
    assert decide(world["actors"][("holder", R.CLINICIAN)], "view", record, CM)
    stranger_org = OrganizationFactory.create(slug="stranger")
    user = UserFactory.create(username="stranger")
    MembershipFactory.create(user=user, organization=stranger_org, role=R.CLINICIAN)
    # A general consent reaches partners under an agreement, never an unrelated organization.
    assert not decide(actor_for_user(user), "view", record, CM)


def test_no_registered_check_means_no_consent(world):
    _give(world)
    reader = world["actors"][("clinic", R.CLINICIAN)]
    try:
        access.register_consent_check(None)
        assert not decide(reader, "view", _record(world, C.CLINICAL), CM)
    finally:
        access.register_consent_check(consent_allows)
    assert decide(reader, "view", _record(world, C.CLINICAL), CM)


def test_people_registers_the_check_at_start_up():
    assert access._consent_check is consent_allows


def test_giving_consent_is_audited_without_the_persons_details(world):
    consent = _give(world, part2=True, data_classes=[C.SUBSTANCE_USE])
    event = AuditEvent.objects.get(action=PeopleAudit.CONSENT_GIVEN)
    assert event.object_id == str(consent.pk)
    assert event.after is not None
    assert event.after["recipients"] == [world["clinic"].pk]
    assert event.after["part2"] is True
    assert "Doe" not in str(event.after)


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"part2": True, "recipients": [], "data_classes": [C.SUBSTANCE_USE]}, "recipients"),
        ({"part2": True, "any_recipient": True, "data_classes": [C.SUBSTANCE_USE]}, "recipients"),
        ({"data_classes": [C.SUBSTANCE_USE]}, "part2"),
        ({"data_classes": [C.PERSONAL]}, "data_classes"),
        ({"purposes": ["curiosity"]}, "purposes"),
        ({"recipients": []}, "recipients"),
    ],
)
def test_consent_terms_are_checked(world, terms, field):
    with pytest.raises(ValidationError) as error:
        _give(world, **terms)
    assert field in error.value.message_dict
    assert not Consent.objects.exists()
    assert not AuditEvent.objects.filter(action=PeopleAudit.CONSENT_GIVEN).exists()


@pytest.mark.parametrize(("org", "role"), [("holder", R.OFFICER), ("clinic", R.CLINICIAN)])
def test_only_the_persons_carers_record_consent(world, org, role):
    events = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        give_consent(
            world["actors"][(org, role)],
            person=world["person"],
            purpose=CM,
            recipients=[world["clinic"]],
            purposes=[CM],
            data_classes=[C.CLINICAL],
        )
    assert not Consent.objects.exists()
    assert AuditEvent.objects.count() == events


def test_consents_are_read_by_the_holders_carers_only(world):
    consent = _give(world)
    actors = world["actors"]
    assert list(consents_for(actors[("holder", R.CASE_MANAGER)], world["person"], purpose=CM)) == [
        consent
    ]
    assert not consents_for(actors[("holder", R.OFFICER)], world["person"], purpose=CM).exists()
    # The recipient's clinician reads it as it reads the person: under the agreement.
    assert consents_for(actors[("clinic", R.CLINICIAN)], world["person"], purpose=CM).exists()
    assert not consents_for(actors[("clinic", R.CLINICIAN)], world["person"], purpose=P.EVALUATION)
