"""Boundaries of care's records: what a partner organization under a data-sharing agreement,
an officer or a coordinator must not see or write, each refused exactly like a missing record,
beside the party who still may."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pmhc.care import case_selectors, case_services, referral_selectors, referral_services
from pmhc.care.models import (
    Case,
    CaseClosure,
    CaseContact,
    CaseOrigin,
    ContactKind,
    ContactOutcome,
    Referral,
    ReferralSource,
    Service,
    ServiceKind,
)
from pmhc.care.tests.case_world import build, member, open_for, person_with_calls
from pmhc.care.tests.referral_helpers import REASON, Referrals, referral_world
from pmhc.conftest import Cast
from pmhc.people.models import Consent, Person
from pmhc.platform.models import Classification, Purpose, Role, User
from pmhc.response.tests.factories import member as response_member

pytestmark = pytest.mark.django_db


def test_a_partner_organization_opens_none_of_the_agencys_cases(cast: Cast) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    partners = [
        cast.partner_user,
        member(cast.partner, Role.CASE_MANAGER, "partner-manager"),
        member(cast.partner, Role.COORDINATOR, "partner-coordinator"),
    ]
    missing = case.pk + 1000
    for name in ("care_case", "care_contact_new", "care_case_plan", "care_case_transfer"):
        url = reverse(name, args=[case.pk])
        assert cast.client(world.manager).get(url).status_code == 200, url
        for user in partners:
            client = cast.client(user)
            assert client.get(reverse(name, args=[missing])).status_code == 404
            response = client.get(url)
            assert response.status_code == 404, (url, user.username)
            assert "Okafor" not in response.content.decode()
    for user in partners:
        client = cast.client(user)
        close = reverse("care_case_close", args=[case.pk])
        assert client.post(close, {"reason": CaseClosure.OTHER, "note": "x"}).status_code == 404
        assert client.post(reverse("care_case_reopen", args=[case.pk])).status_code == 404
        assert case_selectors.open_case_of(cast.actor(user), world.person) is None
        with pytest.raises(PermissionDenied):
            case_services.log_contact(
                cast.actor(user),
                case=case,
                kind=ContactKind.CALL,
                outcome=ContactOutcome.REACHED,
            )
    case.refresh_from_db()
    assert case.status == "open" and case.last_contact_at is None


def _sent(w: Referrals, *, by: User, source: str, service: Service) -> Referral:
    return Referral.objects.create(
        organization=w.agency,
        provider=service.provider,
        service=service,
        person=w.person,
        source=source,
        encounter=w.encounter if source == ReferralSource.ENCOUNTER else None,
        reason=REASON,
        sent_by=by,
    )


def test_a_sent_referral_of_clinical_care_is_read_only_by_clinical_readers(db: None) -> None:
    w = referral_world()
    clinician = response_member(w.agency, Role.CLINICIAN)
    detox = _detox(w)
    plain = _sent(w, by=clinician, source=ReferralSource.ENCOUNTER, service=w.service)
    from_note = _sent(w, by=clinician, source=ReferralSource.CONTACT_NOTE, service=w.service)
    from_case = _sent(w, by=w.case_manager, source=ReferralSource.CASE, service=w.service)
    to_detox = _sent(w, by=clinician, source=ReferralSource.ENCOUNTER, service=detox)
    own_detox = _sent(w, by=w.officer, source=ReferralSource.ENCOUNTER, service=detox)
    hidden = [from_note, from_case, to_detox]
    missing = max(r.pk for r in Referral.objects.all()) + 100
    for user, sees in (
        (w.officer, [plain, own_detox]),
        (w.coordinator, [plain]),
        (clinician, [plain, *hidden, own_detox]),
        (w.case_manager, [plain, *hidden, own_detox]),
    ):
        client = Client()
        client.force_login(user)
        listed = client.get(reverse("care_referrals")).content.decode()
        Referral.objects.update(sent_at=timezone.now() - dt.timedelta(days=8))
        stalled = {r.pk for r in referral_selectors.stalled_list(w.actor(user))}
        assert client.get(reverse("care_referral", args=[missing])).status_code == 404
        for referral in [plain, *hidden, own_detox]:
            page = client.get(reverse("care_referral", args=[referral.pk]))
            link = reverse("care_referral", args=[referral.pk]) + '"'
            if referral in sees:
                assert page.status_code == 200, (user.username, referral.source)
                assert link in listed and referral.pk in stalled
            else:
                assert page.status_code == 404, (user.username, referral.source)
                assert link not in listed and referral.pk not in stalled
                assert "Vale" not in page.content.decode()
                close = client.post(reverse("care_referral_close", args=[referral.pk]))
                assert close.status_code == 404


def _detox(w: Referrals) -> Service:
    return Service.objects.create(
        organization=w.agency,
        provider=w.hospital,
        external_id="hosp-detox",
        name="County Detox",
        kind=ServiceKind.DETOX,
        accepts_referrals=True,
    )


def test_a_referral_to_a_detox_service_needs_a_part_2_consent_naming_the_provider(
    db: None,
) -> None:
    w = referral_world()
    detox = _detox(w)
    w.consent()  # clinical data to the hospital: not enough for substance-use data

    def send() -> Referral:
        return referral_services.send_referral(
            w.actor(w.officer), person=w.person, service=detox, reason=REASON, encounter=w.encounter
        )

    with pytest.raises(referral_services.ConsentMissing):
        send()
    assert not Referral.objects.exists()
    part2 = Consent.objects.create(
        organization=w.agency,
        person=w.person,
        purposes=[Purpose.CASE_MANAGEMENT],
        data_classes=[Classification.SUBSTANCE_USE],
        part2=True,
        valid_from=timezone.localdate() - dt.timedelta(days=1),
    )
    part2.recipients.add(w.hospital)
    referral = send()
    assert referral.consent_id == part2.pk
    granted = referral_selectors.received_detail(w.actor(w.intake), referral.pk)
    assert granted.consent_in_force and granted.name == str(w.person)
    # The Part 2 consent ends: the provider reads the person's details no more, though the
    # clinical consent is still in force.
    part2.recipients.clear()
    granted = referral_selectors.received_detail(w.actor(w.intake), referral.pk)
    assert not granted.consent_in_force and granted.name is None and granted.reason is None
    # Any other service still takes the clinical consent.
    assert referral_services.send_referral(
        w.actor(w.officer), person=w.person, service=w.service, reason=REASON, encounter=w.encounter
    )


def test_an_internal_referral_names_a_person_only_to_those_the_policy_lets_read_them(
    db: None,
) -> None:
    w = referral_world()
    clinic = Service.objects.create(
        organization=w.agency,
        provider=w.agency,
        external_id="own-clinic",
        name="Agency clinic",
        kind=ServiceKind.OUTPATIENT,
        accepts_referrals=True,
    )
    elsewhere = Person.objects.create(
        organization=w.other,
        given_name="Sky",
        family_name="Marlow",
        date_of_birth=dt.date(1990, 1, 2),
    )
    own = _sent(w, by=w.officer, source=ReferralSource.ENCOUNTER, service=clinic)
    theirs = _sent(w, by=w.officer, source=ReferralSource.ENCOUNTER, service=clinic)
    Referral.objects.filter(pk=theirs.pk).update(person=elsewhere)
    reader = w.actor(w.case_manager)
    granted = referral_selectors.received_detail(reader, own.pk)
    assert granted.name == str(w.person) and granted.reason == REASON
    granted = referral_selectors.received_detail(reader, theirs.pk)
    assert granted.name is None and granted.date_of_birth is None and granted.reason is None
    page = Client()
    page.force_login(w.case_manager)
    body = page.get(reverse("care_referral_received", args=[theirs.pk])).content.decode()
    assert "Marlow" not in body and "1990" not in body


def test_the_notes_of_contacts_and_the_closing_note_are_written_only_by_clinical_readers(
    cast: Cast,
) -> None:
    world = build(cast)
    case = open_for(cast, world.manager, world.person)
    contact_url = reverse("care_contact_new", args=[case.pk])
    close_url = reverse("care_case_close", args=[case.pk])
    # The coordinator logs a contact and closes the case, but writes no clinical note.
    coordinator = cast.client(world.coordinator)
    assert 'name="note"' not in coordinator.get(contact_url).content.decode()
    form = coordinator.get(close_url).content.decode()
    assert 'name="note"' not in form and 'value="other"' not in form
    posted = {"kind": ContactKind.CALL, "outcome": ContactOutcome.REACHED, "note": "Xqclinical"}
    assert coordinator.post(contact_url, posted).status_code == 302
    assert CaseContact.objects.get(case=case).note == ""
    with pytest.raises(PermissionDenied):
        case_services.log_contact(
            cast.actor(world.coordinator),
            case=case,
            kind=ContactKind.CALL,
            outcome=ContactOutcome.REACHED,
            note="Xqclinical",
        )
    with pytest.raises(PermissionDenied):
        case_services.close_case(
            cast.actor(world.coordinator), case=case, reason=CaseClosure.OTHER, note="Xqclinical"
        )
    assert CaseContact.objects.filter(case=case).count() == 1
    # The case manager writes both.
    manager = cast.client(world.manager)
    assert 'name="note"' in manager.get(contact_url).content.decode()
    assert manager.post(contact_url, posted).status_code == 302
    assert CaseContact.objects.filter(case=case, note="Xqclinical").count() == 1
    form = manager.get(close_url).content.decode()
    assert 'name="note"' in form and 'value="other"' in form
    done = manager.post(close_url, {"reason": CaseClosure.OTHER, "note": "Xqclosing"})
    assert done.status_code == 302
    case.refresh_from_db()
    assert case.status == "closed" and case.closed_note == "Xqclosing"


def test_a_case_names_only_a_contact_note_about_its_own_person(cast: Cast) -> None:
    from pmhc.dispatch.tests.units import crisis_team
    from pmhc.response.models import ContactNote

    world = build(cast)
    other, _calls = person_with_calls(cast, "Lindqvist", "Aino", calls=0)
    unit = crisis_team(cast)
    note = ContactNote.objects.create(
        organization=cast.agency,
        call=unit.call,
        assignment=unit.assignment,
        person=other,
        filed_by=world.other_manager,
        filed_by_name="Morgan Hale",
        risk_level="moderate",
        follow_up_with="Crisis clinic",
        follow_up_on=cast.agency.today(),
    )
    client = cast.client(world.manager)
    base = reverse("care_case_new")
    wrong = f"{base}?person={world.person.pk}&note={note.pk}"
    assert client.get(wrong).status_code == 404
    assert client.post(wrong, {"goals": "", "contact_every_days": "7"}).status_code == 404
    with pytest.raises(ValidationError) as refused:
        case_services.open_case(
            cast.actor(world.manager),
            person=world.person,
            origin=CaseOrigin.FOLLOW_UP,
            contact_note=note,
        )
    assert "about someone else" in str(refused.value)
    assert not Case.objects.exists()
    # The note's own person's case names it.
    right = f"{base}?person={other.pk}&note={note.pk}"
    assert client.get(right).status_code == 200
    assert client.post(right, {"goals": "", "contact_every_days": "7"}).status_code == 302
    assert Case.objects.get().contact_note_id == note.pk


def test_a_withheld_person_crosses_over_fhir_without_a_reference(db: None) -> None:
    from fhir.resources.R4B.servicerequest import ServiceRequest
    from fhir.resources.R4B.task import Task

    from pmhc.platform import services as platform_services
    from pmhc.platform.access import actor_for_user

    w = referral_world()
    referral = w.send()
    admin = response_member(w.hospital, Role.ADMINISTRATOR)
    _row, raw = platform_services.create_api_key(
        actor_for_user(admin), organization=w.hospital, name="EHR", scopes=["referrals:read"]
    )
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Api-Key {raw}"}
    urls = [
        reverse("api_referral_service_request", args=[referral.fhir_id]),
        reverse("api_referral_task", args=[referral.fhir_id]),
    ]
    shown = [Client().get(url, **headers).json() for url in urls]
    assert shown[0]["subject"] == {"reference": f"Patient/{w.person.pk}", "display": "Vale, Robin"}
    assert shown[1]["for"]["reference"] == f"Patient/{w.person.pk}"
    Consent.objects.get().recipients.clear()  # the consent no longer covers the hospital
    responses = [Client().get(url, **headers) for url in urls]
    service_request, task = (response.json() for response in responses)
    ServiceRequest.model_validate(service_request)
    Task.model_validate(task)
    assert service_request["subject"] == {"display": "Withheld"}
    assert task["for"] == {"display": "Withheld"}
    for response in responses:
        assert "Patient/" not in response.content.decode()
        assert "Vale" not in response.content.decode()


def test_the_goals_of_a_new_case_are_written_only_by_clinical_readers(cast: Cast) -> None:
    world = build(cast)
    url = f"{reverse('care_case_new')}?person={world.person.pk}"
    coordinator = cast.client(world.coordinator)
    assert 'name="goals"' not in coordinator.get(url).content.decode()
    with pytest.raises(PermissionDenied):
        case_services.open_case(
            cast.actor(world.coordinator),
            person=world.person,
            origin=CaseOrigin.HIGH_UTILIZER,
            goals="Xqgoals",
        )
    assert not Case.objects.exists()
    done = coordinator.post(url, {"goals": "Xqgoals", "contact_every_days": "7"})
    assert done.status_code == 302
    assert Case.objects.get().goals == ""
    Case.objects.all().delete()
    manager = cast.client(world.manager)
    assert 'name="goals"' in manager.get(url).content.decode()
    manager.post(url, {"goals": "Xqgoals", "contact_every_days": "7"})
    assert Case.objects.get().goals == "Xqgoals"
