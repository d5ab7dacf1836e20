"""The public enrolment: the form, the e-mail confirmation, and the family's private page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pmhc.homesafe import enrol_services
from pmhc.homesafe.models import Caregiver, Enrolment, EnrolmentStatus
from pmhc.homesafe.registry_common import token_hash
from pmhc.homesafe.tests.support import FORM, link_in, open_registry, png, submit
from pmhc.platform.models import AuditEvent, OutboundEmail

pytestmark = pytest.mark.django_db


def test_the_public_page_lists_agencies_that_take_enrolments(cast):
    open_registry(cast)
    body = Client().get(reverse("homesafe_public")).content.decode()
    assert "Agency PD" in body
    assert reverse("homesafe_enrol", args=["agency"]) in body
    assert "re-confirm" in body


def test_an_agency_not_open_has_no_form(cast):
    assert Client().get(reverse("homesafe_enrol", args=["agency"])).status_code == 404


def test_a_family_enrols_from_the_form_and_confirms_by_email(cast):
    registry = open_registry(cast)
    client = Client()
    response = client.post(
        reverse("homesafe_enrol", args=["agency"]),
        {**FORM, "photo": png(), "photo_taken_on": "2026-01-15"},
    )
    assert response.status_code == 302, response.content.decode()
    enrolment = Enrolment.objects.get()
    assert enrolment.status == EnrolmentStatus.UNCONFIRMED
    assert enrolment.photo_content_type == "image/png"
    assert str(enrolment.photo_taken_on) == "2026-01-15"
    assert enrolment.conditions == ["dementia"]
    assert enrolment.attracted_to_water
    assert list(Caregiver.objects.values_list("name", flat=True)) == ["Ruth Example"]
    assert "HS-" in client.get(response["Location"]).content.decode()
    # Only the hash of the private link is kept.
    confirm = link_in("homesafe_confirm")
    token = confirm.rstrip("/").rsplit("/", 1)[1]
    assert enrolment.token_hash == token_hash(token)
    assert token not in str(list(Enrolment.objects.values()))
    # Opening the link asks for a click; the click sends it to review.
    assert client.get(confirm).status_code == 200
    assert Enrolment.objects.get().status == EnrolmentStatus.UNCONFIRMED
    response = client.post(confirm)
    assert response["Location"] == reverse("homesafe_mine", args=[token])
    assert Enrolment.objects.get().status == EnrolmentStatus.IN_REVIEW
    review = OutboundEmail.objects.get(purpose="homesafe_review")
    assert sorted(review.to) == sorted([cast.member.email, registry.supervisor.email])
    assert "Walter" not in review.body  # the e-mail names only the reference
    # The trail keeps no name in clear.
    assert not AuditEvent.objects.filter(after__icontains="Walter").exists()


def test_errors_are_summarized_and_answers_kept(cast):
    open_registry(cast)
    data = {**FORM, "caregiver_1_phone": "", "consent_confirmed": ""}
    response = Client().post(reverse("homesafe_enrol", args=["agency"]), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "pmhc-error-summary" in body
    assert 'href="#id_caregiver_1_phone"' in body
    assert 'value="Walter Example"' in body
    assert not Enrolment.objects.exists()


def test_a_photo_that_fails_says_so_and_keeps_the_rest(cast):
    open_registry(cast)
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = SimpleUploadedFile("face.png", b"<html>not a photo</html>", content_type="image/png")
    response = Client().post(reverse("homesafe_enrol", args=["agency"]), {**FORM, "photo": page})
    assert response.status_code == 400
    body = response.content.decode()
    assert "choose the photo again" in body
    assert 'value="Walter Example"' in body
    assert "Talk about trains." in body
    assert not Enrolment.objects.exists()


def test_a_photo_too_large_is_refused_with_the_limit(cast):
    open_registry(cast)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from pmhc.homesafe.tests.support import PNG_BYTES

    big = SimpleUploadedFile(
        "big.png", PNG_BYTES + b"\0" * enrol_services.PHOTO_MAX_BYTES, content_type="image/png"
    )
    response = Client().post(reverse("homesafe_enrol", args=["agency"]), {**FORM, "photo": big})
    assert response.status_code == 400
    assert "5 MB" in response.content.decode()


def test_a_repeated_submit_never_fails(cast):
    open_registry(cast)
    client = Client()
    page = client.get(reverse("homesafe_enrol", args=["agency"])).content.decode()
    import re

    token = re.search(r'name="pmhc_submit" value="([^"]+)"', page)
    assert token, "the form carries a submit-once token"
    data = {**FORM, "pmhc_submit": token.group(1)}
    first = client.post(reverse("homesafe_enrol", args=["agency"]), data)
    second = client.post(reverse("homesafe_enrol", args=["agency"]), data)
    assert first.status_code == 302 and second.status_code in {302, 303}
    assert first["Location"] == second["Location"]
    assert Enrolment.objects.count() == 1


def test_the_familys_reads_are_in_the_agencys_trail(cast):
    registry = open_registry(cast)
    enrolment, token = submit(registry.program)
    assert Client().get(reverse("homesafe_mine", args=[token])).status_code == 200
    read = AuditEvent.objects.get(action="homesafe.enrolment_read")
    assert read.organization_id == enrolment.organization_id
    assert read.detail == "family (private link): enrolment"
    assert "Walter" not in read.detail


def test_each_private_link_opens_only_its_own_enrolment(cast):
    registry = open_registry(cast)
    _first, first_token = submit(registry.program)
    _second, second_token = submit(registry.program, full_name="Dora Second")
    client = Client()
    mine = client.get(reverse("homesafe_mine", args=[first_token])).content.decode()
    assert "Walter Example" in mine and "Dora Second" not in mine
    theirs = client.get(reverse("homesafe_mine", args=[second_token])).content.decode()
    assert "Dora Second" in theirs and "Walter Example" not in theirs
    response = client.get(reverse("homesafe_mine", args=[first_token]))
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "strict-origin"
    assert client.get(reverse("homesafe_mine", args=["not-a-token"])).status_code == 404
    assert client.get(reverse("homesafe_family_photo", args=[first_token])).status_code == 404


def test_the_family_changes_an_active_record_which_stays_active(cast):
    from pmhc.homesafe import registry_selectors, registry_services
    from pmhc.platform.access import actor_for_user

    registry = open_registry(cast)
    enrolment, token = submit(registry.program)
    enrol_services.confirm_email(token=token)
    registry_services.approve(actor_for_user(cast.member), enrolment=enrolment)
    data = {k: v for k, v in FORM.items() if not k.startswith(("consent", "enrolled"))}
    data["calming"] = "Humming a tune."
    response = Client().post(reverse("homesafe_change", args=[token]), data)
    assert response.status_code == 302, response.content.decode()
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.calming == "Humming a tune."
    # The reviewers are told: responders already see the change.
    told = OutboundEmail.objects.filter(purpose="homesafe_review", subject__contains="changed")
    assert told.count() == 1 and enrolment.reference in told.get().subject
    assert registry_selectors.is_changed_since_review(enrolment)


def test_reconfirm_and_withdraw(cast, django_capture_on_commit_callbacks):
    from pmhc.homesafe import registry_services
    from pmhc.platform.access import actor_for_user

    registry = open_registry(cast)
    enrolment, token = submit(registry.program, photo=enrol_services.check_photo(png()))
    enrol_services.confirm_email(token=token)
    registry_services.approve(actor_for_user(cast.member), enrolment=enrolment)
    Enrolment.objects.filter(pk=enrolment.pk).update(
        status=EnrolmentStatus.HIDDEN, reminders_sent=3
    )
    client = Client()
    client.post(reverse("homesafe_reconfirm", args=[token]))
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.reminders_sent == 0
    photo = enrolment.photo.name
    assert client.get(reverse("homesafe_family_photo", args=[token])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("homesafe_withdraw", args=[token])).status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert enrolment.full_name == "" and not enrolment.photo and enrolment.purge_after
    assert not enrolment.caregivers.exists()
    from django.core.files.storage import default_storage

    assert photo and not default_storage.exists(photo)
    assert client.get(reverse("homesafe_mine", args=[token])).status_code == 404


def test_a_photo_is_kept_without_its_metadata():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    image = Image.new("RGB", (40, 60), (120, 90, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make; GPS tags travel the same way
    exif[0x0112] = 6  # taken turned: shown turned back
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    upload = SimpleUploadedFile("face.jpg", buffer.getvalue(), content_type="image/jpeg")
    photo = enrol_services.check_photo(upload)
    kept = photo.upload.read()
    assert b"PhoneMaker" in buffer.getvalue() and b"PhoneMaker" not in kept
    with Image.open(io.BytesIO(kept)) as again:
        assert not again.getexif() and again.size == (60, 40)
