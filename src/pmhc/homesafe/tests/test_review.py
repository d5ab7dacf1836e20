"""The agency's side: settings, the review queue, approving and declining, an enrolment
taken in person, the photo, and the requests to answer; with the boundary of each."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from pmhc.homesafe import (
    correction_services,
    enrol_services,
    program_services,
    registry_selectors,
    registry_services,
)
from pmhc.homesafe.models import CorrectionStatus, Enrolment, EnrolmentStatus, HomeSafeProgram
from pmhc.homesafe.tests.support import FORM, open_registry, png, submit
from pmhc.platform.access import actor_for_user
from pmhc.platform.models import AuditEvent, OutboundEmail

pytestmark = pytest.mark.django_db


def _waiting(registry, **changes):
    enrolment, token = submit(registry.program, **changes)
    enrol_services.confirm_email(token=token)
    enrolment.refresh_from_db()
    return enrolment, token


def test_settings_are_kept_by_administrators_and_coordinators(cast):
    registry = open_registry(cast)
    url = reverse("homesafe_settings")
    assert Client().get(url).status_code == 302  # sign in first
    for user in (cast.colleague, registry.supervisor, registry.tta, registry.analyst):
        assert cast.client(user).get(url).status_code == 404, user
    response = cast.client(cast.admin).post(
        url,
        {
            "is_open": "",
            "area_served": "Example County",
            "areas_text": "North\nSouth\nNorth",
            "contact_name": "Records unit",
            "contact_email": "records@agency.example.org",
        },
    )
    assert response.status_code == 302
    program = HomeSafeProgram.objects.get()
    assert not program.is_open and program.areas == ["North", "South"]
    assert AuditEvent.objects.filter(action="homesafe.program_changed").count() == 2
    # The outsider's administrator keeps only its own organization's settings.
    cast.client(cast.outsider).post(url, {"is_open": "", "contact_name": "X"})
    assert HomeSafeProgram.objects.get(organization=cast.agency).contact_name == "Records unit"


def test_opening_needs_a_contact(cast):
    with pytest.raises(Exception, match="contact"):
        program_services.update_program(
            actor_for_user(cast.member), organization=cast.agency, is_open=True
        )


def test_the_queue_shows_what_waits_with_counts(cast, django_assert_max_num_queries):
    registry = open_registry(cast)
    for number in range(3):
        _waiting(registry, full_name=f"Person {number}")
    client = cast.client(cast.member)
    with django_assert_max_num_queries(21):
        body = client.get(reverse("homesafe_hub")).content.decode()
    assert "Person 0" in body and "Person 2" in body
    assert "Waiting for review (3)" in body
    # A coordinator reviews but does not search (no active call): no link to a closed page.
    assert reverse("homesafe_search") not in body
    for number in range(3, 30):
        _waiting(registry, full_name=f"Person {number}")
    with django_assert_max_num_queries(21):
        body = client.get(reverse("homesafe_hub")).content.decode()
    assert "Waiting for review (30)" in body
    assert body.count('href="/operate/home-safe/enrolments/') == registry_selectors.PAGE_SIZE
    assert "Later" in body


def test_an_officer_sees_no_queue_and_others_no_hub(cast):
    registry = open_registry(cast)
    _waiting(registry)
    body = cast.client(cast.colleague).get(reverse("homesafe_hub")).content.decode()
    assert "Walter Example" not in body and "Enrol someone in person" in body
    assert reverse("homesafe_search") in body
    for user in (registry.tta, registry.analyst):
        assert cast.client(user).get(reverse("homesafe_hub")).status_code == 404


def test_approve_puts_it_in_the_registry_and_tells_the_family(cast):
    registry = open_registry(cast)
    enrolment, _token = _waiting(registry)
    url = reverse("homesafe_enrolment", args=[enrolment.reference])
    response = cast.client(cast.member).post(url, {"decision": "approve"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.reviewed_by == cast.member and enrolment.confirmed_at
    assert (
        enrolment.confirm_by and (enrolment.confirm_by - enrolment.confirmed_at.date()).days > 170
    )
    mail = OutboundEmail.objects.filter(to=["ruth@family.example.org"], purpose="homesafe_review")
    assert mail.count() == 1


def test_decline_needs_a_note_the_family_reads(cast):
    registry = open_registry(cast)
    enrolment, token = _waiting(registry)
    url = reverse("homesafe_enrolment", args=[enrolment.reference])
    response = cast.client(registry.supervisor).post(url, {"decision": "decline", "note": ""})
    assert response.status_code == 400
    cast.client(registry.supervisor).post(
        url, {"decision": "decline", "note": "Please add a recent photo."}
    )
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.DECLINED and enrolment.purge_after
    page = Client().get(reverse("homesafe_mine", args=[token])).content.decode()
    assert "Please add a recent photo." in page


def test_review_boundaries(cast):
    registry = open_registry(cast)
    enrolment, _token = _waiting(registry)
    url = reverse("homesafe_enrolment", args=[enrolment.reference])
    photo_url = reverse("homesafe_photo", args=[enrolment.reference])
    assert Client().get(url).status_code == 302
    for user in (
        cast.colleague,  # an officer reads, but does not review
        registry.tta,
        registry.analyst,
        registry.call_taker,
        registry.outsider_supervisor,
        cast.partner_user,
        cast.admin,
    ):
        client = cast.client(user)
        assert client.get(url).status_code == 404, user
        assert client.post(url, {"decision": "approve"}).status_code == 404, user
        assert client.get(photo_url).status_code == 404, user
    assert Enrolment.objects.get().status == EnrolmentStatus.IN_REVIEW
    with pytest.raises(PermissionDenied):
        registry_services.approve(actor_for_user(cast.colleague), enrolment=enrolment)
    assert cast.client(cast.member).get(url).status_code == 200


def test_the_photo_is_served_to_reviewers_only_and_audited(cast):
    registry = open_registry(cast)
    enrolment, _token = _waiting(registry, photo=enrol_services.check_photo(png()))
    url = reverse("homesafe_photo", args=[enrolment.reference])
    # An officer of the agency sees no photo of an enrolment nobody has approved.
    assert cast.client(cast.colleague).get(url).status_code == 404
    response = cast.client(cast.member).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert AuditEvent.objects.filter(
        action="homesafe.enrolment_read", detail="read: photo"
    ).exists()
    for user in (registry.tta, registry.analyst, registry.outsider_supervisor):
        assert cast.client(user).get(url).status_code == 404


def test_an_officer_enrols_in_person_for_review_a_coordinator_straight_in(cast):
    registry = open_registry(cast)
    data = {k: v for k, v in FORM.items() if k != "enrolled_by"}
    response = cast.client(cast.colleague).post(reverse("homesafe_enrol_in_person"), data)
    assert response.status_code == 302, response.content.decode()
    by_officer = Enrolment.objects.get()
    assert by_officer.status == EnrolmentStatus.IN_REVIEW
    assert by_officer.enrolled_by == "agency" and by_officer.email_confirmed_at
    cast.client(cast.member).post(
        reverse("homesafe_enrol_in_person"), {**data, "full_name": "Second Person"}
    )
    by_coordinator = Enrolment.objects.get(full_name="Second Person")
    assert by_coordinator.status == EnrolmentStatus.ACTIVE
    assert OutboundEmail.objects.filter(subject__contains="private link").count() == 2
    for user in (registry.tta, registry.analyst, registry.call_taker, cast.admin):
        assert cast.client(user).get(reverse("homesafe_enrol_in_person")).status_code == 404
    assert registry


def test_a_request_is_answered_by_email(cast):
    registry = open_registry(cast)
    enrolment, token = _waiting(registry)
    response = Client().post(
        reverse("homesafe_ask_mine", args=[token]),
        {
            "kind": "correct",
            "name": "Ruth",
            "email": "ruth@family.example.org",
            "text": "His address changed.",
        },
    )
    assert response.status_code == 302, response.content.decode()
    item = enrolment.__class__.objects.none()
    from pmhc.homesafe.models import CorrectionRequest

    item = CorrectionRequest.objects.get()
    assert item.enrolment == enrolment
    url = reverse("homesafe_correction", args=[item.reference])
    for user in (cast.colleague, registry.tta, registry.analyst, registry.outsider_supervisor):
        assert cast.client(user).get(url).status_code == 404
    body = cast.client(cast.member).get(reverse("homesafe_hub") + "?show=requests").content
    assert item.reference in body.decode()
    cast.client(cast.member).post(url, {"answer": "We corrected it."})
    item.refresh_from_db()
    assert item.status == CorrectionStatus.ANSWERED
    answer = OutboundEmail.objects.filter(subject__contains="the answer to your request").get()
    assert answer.to == ["ruth@family.example.org"] and "We corrected it." in answer.body
    with pytest.raises(Exception, match="already"):
        correction_services.answer_correction(
            actor_for_user(cast.member), correction=item, answer="Again"
        )


def test_the_public_request_page_names_the_contact(cast):
    open_registry(cast)
    body = Client().get(reverse("homesafe_ask", args=["agency"])).content.decode()
    assert "Records unit" in body and "records@agency.example.org" in body
    assert Client().get(reverse("homesafe_ask", args=["outsider"])).status_code == 404
