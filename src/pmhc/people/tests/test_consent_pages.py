"""The consent pages: who may list, give, read and revoke a person's consents, that a revoked
consent stops a clinical read across organizations at once, and that every read across
organizations names the consent or the emergency that allowed it."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from pmhc.conftest import Cast
from pmhc.dispatch import services as dispatch_services
from pmhc.dispatch import unit_services
from pmhc.dispatch.models import AssignmentStatus
from pmhc.dispatch.tests.units import crisis_team
from pmhc.people import consent_services
from pmhc.people import services as people_services
from pmhc.people.audit_codes import PeopleAudit
from pmhc.people.models import Consent, GivenBy, Person
from pmhc.platform.access import Action, BasisKind, actor_for_user, decide
from pmhc.platform.break_glass_services import start_break_glass
from pmhc.platform.models import AuditEvent, Classification, Purpose, Role, User
from pmhc.response import contact_services
from pmhc.response.audit_codes import ResponseAudit
from pmhc.response.models import ContactNote, RiskLevel
from pmhc.response.tests.factories import member

pytestmark = pytest.mark.django_db
CM = Purpose.CASE_MANAGEMENT
REP_NAME = "Jordan Quill"
NOTE_TEXT = "Talked through a safety plan"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def person(cast: Cast) -> Person:
    return people_services.create_person(
        cast.actor(cast.colleague),
        organization=cast.agency,
        purpose=Purpose.ACTIVE_CALL,
        family_name="Marsh",
        given_name="Lee",
    )


def _give(cast: Cast, person: Person, **terms: Any) -> Consent:
    values: dict[str, Any] = {
        "recipients": [cast.agency],
        "purposes": [CM],
        "data_classes": [Classification.CLINICAL],
    } | terms
    return consent_services.give_consent(
        cast.actor(cast.member), person=person, purpose=CM, **values
    )


def _form(cast: Cast, **overrides: Any) -> dict[str, Any]:
    return {
        "given_by": GivenBy.REPRESENTATIVE,
        "representative_name": REP_NAME,
        "representative_relationship": "Guardian",
        "scope": "named",
        "recipients": [str(cast.partner.pk)],
        "data_classes": [Classification.CLINICAL],
        "purposes": [CM, Purpose.ACTIVE_CALL],
        "valid_from": timezone.localdate().isoformat(),
        "valid_until": "",
    } | overrides


def _pages(person: Person, consent: Consent) -> list[str]:
    return [
        reverse("people_consents", args=[person.pk]),
        reverse("people_consent_new", args=[person.pk]),
        reverse("people_consent_blank_pdf", args=[person.pk]),
        reverse("people_consent", args=[person.pk, consent.pk]),
        reverse("people_consent_revoke", args=[person.pk, consent.pk]),
        reverse("people_consent_pdf", args=[person.pk, consent.pk]),
    ]


# --- The boundary ---------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(cast: Cast, person: Person) -> None:
    consent = _give(cast, person)
    for url in _pages(person, consent):
        response = cast.client(None).get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    response = cast.client(None).post(
        reverse("people_consent_revoke", args=[person.pk, consent.pk])
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_at is None


@pytest.mark.parametrize("who", ["officer", "admin", "partner_clinician", "outsider"])
def test_wrong_role_and_other_organizations_get_404_and_change_nothing(
    cast: Cast, person: Person, who: str
) -> None:
    consent = _give(cast, person, representative_name="", given_by=GivenBy.PERSON)
    user = {
        "officer": cast.colleague,
        "admin": cast.admin,
        "partner_clinician": cast.partner_user,
        "outsider": cast.outsider,
    }[who]
    client = cast.client(user)
    for url in _pages(person, consent):
        assert client.get(url).status_code == 404, (who, url)
    assert (
        client.post(reverse("people_consent_new", args=[person.pk]), _form(cast)).status_code == 404
    )
    response = client.post(reverse("people_consent_revoke", args=[person.pk, consent.pk]))
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.revoked_at is None
    assert Consent.objects.count() == 1
    assert not AuditEvent.objects.filter(action=PeopleAudit.CONSENT_READ).exists()


def test_a_consent_of_another_person_is_not_found_under_this_one(
    cast: Cast, person: Person
) -> None:
    other = people_services.create_person(
        cast.actor(cast.colleague),
        organization=cast.agency,
        purpose=Purpose.ACTIVE_CALL,
        family_name="Other",
    )
    consent = _give(cast, other)
    client = cast.client(cast.member)
    assert client.get(reverse("people_consent", args=[person.pk, consent.pk])).status_code == 404


def test_the_keeper_gives_a_consent_with_its_signed_copy(cast: Cast, person: Person) -> None:
    client = cast.client(cast.member)
    page = client.get(reverse("people_consent_new", args=[person.pk]))
    assert page.status_code == 200
    assert cast.partner.name in page.content.decode()
    assert cast.outsider_org.name not in page.content.decode()
    data = _form(cast) | {
        "document": SimpleUploadedFile("signed.pdf", PDF_BYTES, content_type="application/pdf")
    }
    response = client.post(reverse("people_consent_new", args=[person.pk]), data)
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert response["Location"] == reverse("people_consent", args=[person.pk, consent.pk])
    assert consent.given_by == GivenBy.REPRESENTATIVE
    assert consent.representative_name == REP_NAME
    assert list(consent.recipients.all()) == [cast.partner]
    assert consent.document_name == "signed.pdf"
    assert consent.document_content_type == "application/pdf"
    event = AuditEvent.objects.get(action=PeopleAudit.CONSENT_GIVEN)
    # The representative's name is personal: the trail keeps a digest of it, never the name.
    assert REP_NAME not in str(event.after)
    detail = client.get(response["Location"])
    body = detail.content.decode()
    assert REP_NAME in body and "Guardian" in body and "signed.pdf" in body
    # Data classes and purposes read in words, never as stored codes.
    assert "Clinical records" in body and "<dd>clinical</dd>" not in body
    listing = client.get(reverse("people_consents", args=[person.pk])).content.decode()
    assert "Clinical records" in listing
    read = AuditEvent.objects.get(action=PeopleAudit.CONSENT_READ)
    assert "representative_name" in read.detail
    copy = client.get(reverse("people_consent_document", args=[person.pk, consent.pk]))
    assert copy.status_code == 200
    assert copy["Content-Disposition"].startswith("attachment")
    assert b"".join(copy.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]


def test_errors_are_summarized_with_links_and_nothing_is_recorded(
    cast: Cast, person: Person
) -> None:
    client = cast.client(cast.member)
    response = client.post(
        reverse("people_consent_new", args=[person.pk]),
        _form(
            cast,
            representative_name="",
            part2="on",
            scope="any",
            recipients=[],
            data_classes=[Classification.SUBSTANCE_USE],
            document=SimpleUploadedFile(
                "x.pdf", b"<html>not a pdf", content_type="application/pdf"
            ),
        ),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "pmhc-error-summary" in body
    assert 'href="#id_representative_name"' in body
    assert 'href="#id_recipients_0"' in body or 'href="#id_recipients"' in body
    assert "42 CFR Part 2 consent must name each recipient" in body
    assert Consent.objects.count() == 0


def test_a_repeated_submit_records_once(cast: Cast, person: Person) -> None:
    from pmhc.platform.submit_once import FIELD, new_token

    client = cast.client(cast.member)
    data = _form(cast) | {FIELD: new_token()}
    first = client.post(reverse("people_consent_new", args=[person.pk]), data)
    second = client.post(reverse("people_consent_new", args=[person.pk]), data)
    assert first.status_code == 302 and second.status_code in {302, 303}
    assert first["Location"] == second["Location"]
    assert Consent.objects.count() == 1


def test_revoke_asks_then_revokes_once(cast: Cast, person: Person) -> None:
    consent = _give(cast, person)
    client = cast.client(cast.member)
    url = reverse("people_consent_revoke", args=[person.pk, consent.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Revoke the consent" in confirm.content.decode()
    consent.refresh_from_db()
    assert consent.revoked_at is None
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    consent.refresh_from_db()
    assert consent.revoked_at is not None
    assert AuditEvent.objects.filter(action=PeopleAudit.CONSENT_REVOKED).count() == 1


def test_the_list_is_paged_with_a_pinned_query_count(
    cast: Cast, person: Person, django_assert_max_num_queries: Any
) -> None:
    for _ in range(25):
        _give(cast, person)
    client = cast.client(cast.member)
    url = reverse("people_consents", args=[person.pk])
    client.get(url)
    with django_assert_max_num_queries(30):
        response = client.get(url)
    body = response.content.decode()
    assert body.count(f'href="/operate/people/{person.pk}/consents/') >= 20
    assert 'rel="next"' in body


def test_the_person_page_links_to_consents_for_keepers_only(cast: Cast, person: Person) -> None:
    link = reverse("people_consents", args=[person.pk])
    clinician = member(cast.agency, Role.CLINICIAN)
    page = cast.client(clinician).get(reverse("people_person", args=[person.pk]))
    assert link in page.content.decode()
    assert (
        link
        not in cast.client(cast.colleague)
        .get(reverse("people_person", args=[person.pk]))
        .content.decode()
    )


# --- The printed form -----------------------------------------------------------------------


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_the_blank_form_and_the_filled_copy_render(cast: Cast, person: Person) -> None:
    client = cast.client(cast.member)
    blank = client.get(reverse("people_consent_blank_pdf", args=[person.pk]))
    assert blank.status_code == 200 and blank["Content-Type"] == "application/pdf"
    text = _pdf_text(blank.content)
    assert "Marsh, Lee" in text and "Signature" in text
    assert "42 CFR 2.32" in text  # the blank form carries the Part 2 notice for a Part 2 consent
    consent = _give(
        cast, person, part2=True, data_classes=[Classification.SUBSTANCE_USE],
        recipients=[cast.partner], given_by=GivenBy.REPRESENTATIVE,
        representative_name=REP_NAME, representative_relationship="Guardian",
    )  # fmt: skip
    filled = client.get(reverse("people_consent_pdf", args=[person.pk, consent.pk]))
    text = _pdf_text(filled.content)
    assert cast.partner.name in text and REP_NAME in text
    assert "prohibits unauthorized use or disclosure" in text
    assert f"Recorded consent {consent.pk}" in text
    assert AuditEvent.objects.filter(action=PeopleAudit.CONSENT_READ).count() == 1


# --- The done-when: a revoked consent stops a clinical read across organizations at once ---


@pytest.fixture
def note(cast: Cast, person: Person) -> ContactNote:
    unit = crisis_team(cast)
    dispatch_services.link_person(
        cast.actor(member(cast.agency, Role.CALL_TAKER)), call=unit.call, person=person,
        role="subject",
    )  # fmt: skip
    unit_services.advance(
        cast.actor(cast.partner_user), assignment=unit.assignment, to=AssignmentStatus.ACCEPTED
    )
    return contact_services.file_contact_note(
        cast.actor(cast.partner_user),
        assignment=unit.assignment,
        person=person,
        risk_level=RiskLevel.LOW,
        assessment_done=True,
        note=NOTE_TEXT,
    )


def test_a_revoked_consent_stops_the_read_at_once(
    cast: Cast, person: Person, note: ContactNote
) -> None:
    reader = member(cast.agency, Role.CASE_MANAGER)
    client = cast.client(reader)
    url = reverse("response_contact", args=[note.pk])
    assert client.get(url).status_code == 404  # no consent yet
    consent = _give(cast, person)
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert NOTE_TEXT in body
    assert 'data-basis="consent"' in body and "Shared under consent of" in body
    read = AuditEvent.objects.filter(action=ResponseAudit.CONTACT_NOTE_READ).latest("pk")
    assert f"shared under consent {consent.pk}" in read.detail
    # The keeper revokes it on its page; the very next read is refused.
    cast.client(cast.member).post(reverse("people_consent_revoke", args=[person.pk, consent.pk]))
    after = client.get(url)
    assert after.status_code == 404
    assert NOTE_TEXT not in after.content.decode()


def test_the_holder_reads_with_no_basis_shown(cast: Cast, note: ContactNote) -> None:
    case_manager = member(cast.partner, Role.CASE_MANAGER)
    body = (
        cast.client(case_manager).get(reverse("response_contact", args=[note.pk])).content.decode()
    )
    assert NOTE_TEXT in body and "data-basis" not in body
    read = AuditEvent.objects.filter(action=ResponseAudit.CONTACT_NOTE_READ).latest("pk")
    assert "shared" not in read.detail


def test_an_emergency_read_names_the_emergency(
    cast: Cast, person: Person, note: ContactNote
) -> None:
    supervisor = member(cast.agency, Role.SUPERVISOR)
    actor = actor_for_user(supervisor)
    use = start_break_glass(actor, organization=cast.agency, reason="Person unresponsive on scene")
    actor = actor_for_user(supervisor)
    decision = decide(actor, Action.VIEW, note, Purpose.EMERGENCY)
    assert decision and decision.basis is not None
    assert decision.basis.kind is BasisKind.EMERGENCY and decision.basis.break_glass_id == use.pk


def test_the_decision_names_the_newest_consent_that_allows(
    cast: Cast, person: Person, note: ContactNote
) -> None:
    reader = actor_for_user(member(cast.agency, Role.CASE_MANAGER))
    older = _give(cast, person, valid_from=timezone.localdate() - dt.timedelta(days=10))
    newer = _give(cast, person, recipients=[], any_recipient=True)
    decision = decide(reader, Action.VIEW, note, CM)
    assert decision.basis is not None and decision.basis.consent_id == newer.pk
    consent_services.revoke_consent(actor_for_user(cast.member), consent=newer, purpose=CM)
    decision = decide(reader, Action.VIEW, note, CM)
    assert decision.basis is not None and decision.basis.consent_id == older.pk


def _unused(user: User) -> None:  # keeps the import list honest for mypy
    del user
