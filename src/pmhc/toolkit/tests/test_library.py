"""The resource library: submissions from anyone, review by the TTA staff of the organization
that handles the library, publication and search."""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from pmhc.platform import audit
from pmhc.platform.access import ANONYMOUS, actor_for_user, system_actor
from pmhc.platform.models import (
    AuditAction,
    AuditEvent,
    EmailStatus,
    Organization,
    OrganizationKind,
    OutboundEmail,
    Role,
    User,
)
from pmhc.platform.tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from pmhc.toolkit import demo_library
from pmhc.toolkit.models import LibraryItem, ResourceKind, ReviewStatus
from pmhc.toolkit.selectors import library as selectors
from pmhc.toolkit.services import library as services

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SECRET_EMAIL = "sam.submitter@example.org"
SECRET_NAME = "Sam Submitter"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@dataclass
class Tta:
    org: Organization
    reviewer: User
    other_org: Organization
    other_reviewer: User


@pytest.fixture(autouse=True)
def _private_media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def tta(db: None, settings: Any) -> Tta:
    org = OrganizationFactory.create(
        slug="tta", name="TTA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    other = OrganizationFactory.create(
        slug="other-tta", name="Other TTA Center", kind=OrganizationKind.TTA_PROVIDER
    )
    settings.TTA_ORGANIZATION = org.slug

    def staff(username: str, organization: Organization) -> User:
        user = UserFactory.create(username=username)
        MembershipFactory.create(user=user, organization=organization, role=Role.TTA_STAFF)
        return user

    return Tta(org, staff("reviewer", org), other, staff("other_reviewer", other))


def submit(**overrides: Any) -> tuple[LibraryItem, str]:
    data: dict[str, Any] = {
        "kind": ResourceKind.POLICY,
        "title": "Crisis response policy",
        "summary": "How officers respond to a person in crisis.",
        "body": "The full text of the policy.",
        "submitter_name": SECRET_NAME,
        "submitter_email": SECRET_EMAIL,
        "submitter_agency": "Example PD",
    }
    data.update(overrides)
    return services.submit_item(ANONYMOUS, **data)


def publish(tta: Tta, item: LibraryItem, **overrides: Any) -> LibraryItem:
    data: dict[str, Any] = {"kind": item.kind, "elements": [4], "program_types": ["cit"]}
    data.update(overrides)
    return services.publish_item(actor_for_user(tta.reviewer), item=item, **data)


def form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "policy",
        "title": "Crisis response policy",
        "summary": "How officers respond to a person in crisis.",
        "body": "",
        "submitter_name": SECRET_NAME,
        "submitter_email": SECRET_EMAIL,
        "submitter_agency": "Example PD",
        "website": "",
    }
    data.update(overrides)
    return data


def counts() -> tuple[int, int, int]:
    return LibraryItem.objects.count(), AuditEvent.objects.count(), OutboundEmail.objects.count()


# --- Submitting -----------------------------------------------------------------------------


def test_submission_is_saved_audited_without_personal_data_and_mailed(client, tta):
    response = client.post(
        reverse("library_submit"),
        form_data(kind="question", title="Who trains dispatchers?", body="Who should?"),
    )
    assert response.status_code == 302
    item = LibraryItem.objects.get()
    assert re.fullmatch(rf"LIB-{timezone.now().year}-000001", item.reference)
    assert (item.status, item.kind, item.reviewed_by_org) == ("submitted", "question", tta.org)
    assert (item.submitter_name, item.submitter_email) == (SECRET_NAME, SECRET_EMAIL)
    token = re.fullmatch(r"/library/status/([^/]+)/", response["Location"])
    assert token is not None
    assert token.group(1) not in item.status_token_hash  # only the hash is kept

    event = AuditEvent.objects.get(action=AuditAction.LIBRARY_SUBMITTED)
    assert event.object_id == str(item.pk)
    assert event.organization_id == tta.org.pk
    assert event.client_ip == "127.0.0.1"
    stored = repr(event.after) + repr(event.before) + event.detail
    assert item.reference in stored
    for personal in (SECRET_NAME, SECRET_EMAIL, "Example PD"):
        assert personal not in stored

    message = OutboundEmail.objects.get(purpose="library_submitted")
    assert message.to == [SECRET_EMAIL]
    assert item.reference in message.subject
    assert f"http://testserver/library/status/{token.group(1)}/" in message.body

    status = client.get(response["Location"])
    assert status.status_code == 200
    page = status.content.decode()
    assert f"Your reference is {item.reference}" in page
    assert "Waiting for review" in page
    assert status["X-Robots-Tag"] == "noindex, nofollow"


def test_status_link_with_a_wrong_token_is_404(client, tta):
    submit()
    assert client.get(reverse("library_status", args=["not-a-token"])).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"kind": "question", "body": ""}, "body", "Write your question."),
        ({"kind": "policy", "body": ""}, "body", "Paste the text or attach a file (or both)."),
        ({"kind": ""}, "kind", "Choose what you are sending."),
        ({"title": ""}, "title", "Give it a title."),
        ({"submitter_email": "not-an-address"}, "submitter_email", "Enter an e-mail address"),
    ],
)
def test_submission_validation_messages(client, tta, overrides, field, message):
    before = counts()
    response = client.post(reverse("library_submit"), form_data(**overrides))
    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert counts() == before


def test_honeypot_filled_in_is_refused_with_a_clear_message(client, tta):
    before = counts()
    response = client.post(
        reverse("library_submit"), form_data(body="Text", website="http://spam.example")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Leave this field empty: it is there to catch automated spam." in page
    assert 'class="pmhc-honeypot"' not in page  # shown, so that a person can empty it
    assert counts() == before
    assert client.post(reverse("library_submit"), form_data(body="Text")).status_code == 302


def test_honeypot_is_hidden_from_people_and_keyboards(client, tta):
    page = client.get(reverse("library_submit")).content.decode()
    hidden = re.search(r'<div class="pmhc-honeypot">(.*?)</div>\s*<div class="pmhc-act', page, re.S)
    assert hidden is not None
    assert 'name="website"' in hidden.group(1)
    assert 'tabindex="-1"' in hidden.group(1)
    assert 'autocomplete="off"' in hidden.group(1)
    css = Path(__file__).parents[2] / "platform/static/pmhc/pmhc.css"
    assert re.search(r"\.pmhc-honeypot\s*\{\s*display:\s*none", css.read_text())


def test_rate_limit_per_address_counted_from_the_audit_trail(client, tta, settings, monkeypatch):
    settings.LIBRARY_SUBMISSIONS_PER_HOUR = 2
    url = reverse("library_submit")
    for _ in range(2):
        assert client.post(url, form_data(body="Text")).status_code == 302
    before = counts()
    refused = client.post(url, form_data(body="Text"))
    assert refused.status_code == 400
    assert "the most we take" in refused.content.decode()
    assert counts() == before
    # Another address is not affected.
    assert client.post(url, form_data(body="Text"), REMOTE_ADDR="192.0.2.9").status_code == 302
    # The limit is a setting; submissions older than the window no longer count.
    settings.LIBRARY_SUBMISSIONS_PER_HOUR = 3
    assert client.post(url, form_data(body="Text")).status_code == 302
    assert client.post(url, form_data(body="Text")).status_code == 400
    monkeypatch.setattr(services, "SUBMISSION_WINDOW", dt.timedelta(0))
    assert client.post(url, form_data(body="Text")).status_code == 302


def test_no_handling_organization_is_a_clear_error(db, settings):
    settings.TTA_ORGANIZATION = ""
    with pytest.raises(ValidationError, match="no technical assistance team"):
        submit()


# --- Files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "message"),
    [
        ("big.pdf", PDF + b"0" * (10 * 1024 * 1024), "application/pdf", "10 MB or smaller"),
        ("page.html", b"<html></html>", "text/html", "Attach a PDF, Word (.docx)"),
        ("run.js", b"alert(1)", "application/javascript", "Attach a PDF, Word (.docx)"),
        ("image.png", b"\x89PNG\r\n", "image/png", "Attach a PDF, Word (.docx)"),
        (
            "policy.pdf",
            b"<!DOCTYPE html><html><script>alert(1)</script></html>",
            "application/pdf",
            "does not look like a PDF file",
        ),
        (
            "policy.pdf",
            b"%PDF-1.4\n<html><script>alert(1)</script></html>",
            "application/pdf",
            "Web pages and scripts cannot be attached",
        ),
        ("policy.docx", b"<html>not a zip</html>", DOCX_TYPE, "does not look like a Word file"),
        ("notes.txt", b"  <!doctype html><p>hi</p>", "text/plain", "Web pages and scripts"),
        ("notes.txt", b"<svg onload=alert(1)>", "text/plain", "Web pages and scripts"),
        ("run.txt", b"#!/bin/sh\nrm -rf /\n", "text/plain", "Web pages and scripts"),
        ("data.csv", b"a,b\x00c", "text/csv", "does not look like a CSV file"),
        ("policy.exe", PDF, "application/pdf", "must have a name ending in .pdf"),
        ("list.csv", b"a,b", "application/vnd.ms-excel-x", "Attach a PDF, Word (.docx)"),
    ],
)
def test_files_refused(client, tta, name, content, content_type, message):
    before = counts()
    upload = SimpleUploadedFile(name, content, content_type=content_type)
    response = client.post(reverse("library_submit"), {**form_data(), "file": upload})
    assert response.status_code == 400
    assert message in str(response.context["form"].errors["file"])
    assert counts() == before


@pytest.mark.parametrize(
    ("name", "content", "declared", "stored"),
    [
        ("Policy.PDF", PDF, "application/pdf", "application/pdf"),
        ("curriculum.docx", docx_bytes(), DOCX_TYPE, DOCX_TYPE),
        ("notes.txt", "Caf\u00e9 notes, plain text.\n".encode(), "text/plain", "text/plain"),
        ("calls.csv", b"month,calls\n1,2\n", "application/vnd.ms-excel", "text/csv"),
        ("excel.csv", "caf\u00e9,1\n".encode("cp1252"), "application/vnd.ms-excel", "text/csv"),
        ("calls.csv", b"month,calls\n", "text/csv; charset=utf-8", "text/csv"),
    ],
)
def test_files_accepted_and_stored_privately_under_a_random_name(
    tta, settings, name, content, declared, stored
):
    upload = SimpleUploadedFile(name, content, content_type=declared)
    item, _token = submit(body="", file=upload)
    assert item.file_content_type == stored
    assert item.file_name == name
    assert item.file_size == len(content)
    assert re.fullmatch(r"library/\d{4}/\d{2}/[0-9a-f]{32}\.bin", item.file.name)
    path = Path(item.file.path)
    assert path.is_relative_to(Path(settings.MEDIA_ROOT))
    assert not path.is_relative_to(Path(settings.STATIC_ROOT))
    assert path.read_bytes() == content


def test_file_name_is_cleaned_for_display_and_headers(tta):
    upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    upload.name = 'C:\\Users\\me\\my "final"\r\n policy.pdf'
    item, _token = submit(file=upload)
    assert item.file_name == 'my "final" policy.pdf'


def test_unpublished_file_only_for_reviewers_published_file_for_everyone(client, cast, tta):
    item, _token = submit(file=SimpleUploadedFile("p.pdf", PDF, content_type="application/pdf"))
    url = reverse("library_file", args=[item.pk])
    before = counts()
    for user in (None, cast.colleague, tta.other_reviewer):
        assert cast.client(user).get(url).status_code == 404
    assert counts() == before  # nothing read, nothing audited

    download = cast.client(tta.reviewer).get(url)
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="p.pdf"'
    assert download["Content-Type"] == "application/pdf"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "no-store" in download["Cache-Control"]
    assert b"".join(download.streaming_content) == PDF
    read = AuditEvent.objects.get(action=AuditAction.LIBRARY_FILE_READ)
    assert (read.actor_id, read.object_id) == (tta.reviewer.pk, str(item.pk))

    publish(tta, item)
    public = client.get(url)
    assert public.status_code == 200
    assert public["Content-Disposition"].startswith("attachment")
    assert public["Content-Type"] == "application/pdf"
    assert public["X-Content-Type-Options"] == "nosniff"
    assert public["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert b"".join(public.streaming_content) == PDF


def test_text_file_is_never_served_as_html(client, tta):
    item, _token = submit(file=SimpleUploadedFile("n.txt", b"plain", content_type="text/plain"))
    publish(tta, item)
    response = client.get(reverse("library_file", args=[item.pk]))
    assert response["Content-Type"] == "text/plain"
    assert response["Content-Disposition"].startswith("attachment")


def test_item_without_file_has_no_download(client, tta):
    item, _token = submit()
    publish(tta, item)
    assert client.get(reverse("library_file", args=[item.pk])).status_code == 404


# --- Review: the boundary -------------------------------------------------------------------


def review_urls(item: LibraryItem) -> list[str]:
    return [reverse("library_review"), reverse("library_review_item", args=[item.pk])]


def test_review_pages_boundary(cast, tta):
    item, _token = submit()
    for url in review_urls(item):
        anonymous = cast.client(None).get(url)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith(reverse("login"))
        before = counts()
        for user in (cast.colleague, cast.admin, tta.other_reviewer):
            response = cast.client(user).get(url)
            assert response.status_code == 404, (url, user.username)
            assert item.title not in response.content.decode()
            assert SECRET_EMAIL not in response.content.decode()
        assert counts() == before
        allowed = cast.client(tta.reviewer).get(url)
        assert allowed.status_code == 200
        assert item.title in allowed.content.decode()


def test_reading_a_submission_for_review_is_audited(cast, tta):
    item, _token = submit()
    response = cast.client(tta.reviewer).get(reverse("library_review_item", args=[item.pk]))
    assert SECRET_EMAIL in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.RECORD_READ)
    assert (event.actor_id, event.object_id, event.purpose) == (
        tta.reviewer.pk,
        str(item.pk),
        "administration",
    )


@pytest.mark.parametrize(
    "decision",
    [
        {"decision": "publish", "publish-kind": "policy", "publish-elements": ["4"]},
        {"decision": "changes", "changes-note": "Please add dates."},
        {"decision": "reject", "reject-reason": "Out of scope."},
    ],
)
def test_decisions_by_the_wrong_people_write_nothing(cast, tta, decision):
    item, _token = submit()
    url = reverse("library_review_item", args=[item.pk])
    before = counts()
    assert cast.client(None).post(url, decision).status_code == 302
    for user in (cast.colleague, tta.other_reviewer):
        assert cast.client(user).post(url, decision).status_code == 404
    assert counts() == before
    item.refresh_from_db()
    assert (item.status, item.elements, item.review_note) == ("submitted", [], "")


def test_review_services_check_the_policy(cast, tta):
    item, _token = submit()
    before = counts()
    for actor in (ANONYMOUS, actor_for_user(cast.colleague), actor_for_user(tta.other_reviewer)):
        with pytest.raises(PermissionDenied):
            services.publish_item(actor, item=item, kind="policy", elements=[1], program_types=[])
        with pytest.raises(PermissionDenied):
            services.request_changes(actor, item=item, note="x")
        with pytest.raises(PermissionDenied):
            services.reject_item(actor, item=item, reason="x")
    assert counts() == before


def test_queue_lists_only_the_reviewers_items_without_contact_details(cast, tta, settings):
    submit(title="Ours to review")
    settings.TTA_ORGANIZATION = tta.other_org.slug
    theirs, _token = submit(title="Another center's item")
    settings.TTA_ORGANIZATION = tta.org.slug
    page = cast.client(tta.reviewer).get(reverse("library_review")).content.decode()
    assert "Ours to review" in page
    assert "Another center's item" not in page
    assert SECRET_EMAIL not in page and SECRET_NAME not in page
    other_page = cast.client(tta.reviewer).get(reverse("library_review_item", args=[theirs.pk]))
    assert other_page.status_code == 404


# --- Review: the flows ----------------------------------------------------------------------


def test_publish_with_tags_audits_and_tells_the_submitter(cast, tta):
    item, _token = submit()
    response = cast.client(tta.reviewer).post(
        reverse("library_review_item", args=[item.pk]),
        {
            "decision": "publish",
            "publish-kind": "dispatch_protocol",
            "publish-elements": ["4", "1"],
            "publish-program_types": ["cit", "co-responder"],
            "publish-note": "Thank you.",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == ReviewStatus.PUBLISHED
    assert (item.kind, item.elements, item.program_types) == (
        "dispatch_protocol",
        [1, 4],
        ["cit", "co-responder"],
    )
    assert item.published_at is not None
    assert item.reviewed_by == tta.reviewer
    event = AuditEvent.objects.get(action=AuditAction.LIBRARY_REVIEWED)
    assert event.before == {
        "status": "submitted",
        "kind": "policy",
        "elements": [],
        "program_types": [],
    }
    assert event.after == {
        "status": "published",
        "kind": "dispatch_protocol",
        "elements": [1, 4],
        "program_types": ["cit", "co-responder"],
    }
    assert event.actor_id == tta.reviewer.pk
    message = OutboundEmail.objects.get(purpose="library_published")
    assert message.to == [SECRET_EMAIL]
    assert f"http://testserver/library/{item.pk}/" in message.body
    assert "Thank you." in message.body


def test_an_unknown_decision_changes_nothing(cast, tta):
    item, _token = submit()
    url = reverse("library_review_item", args=[item.pk])
    response = cast.client(tta.reviewer).post(url, {"decision": "delete"}, follow=True)
    assert "Choose a decision." in response.content.decode()
    item.refresh_from_db()
    assert item.status == "submitted"
    assert not AuditEvent.objects.filter(action=AuditAction.LIBRARY_REVIEWED).exists()


def test_publish_needs_a_tag(cast, tta):
    item, _token = submit()
    before = counts()
    response = cast.client(tta.reviewer).post(
        reverse("library_review_item", args=[item.pk]),
        {"decision": "publish", "publish-kind": "policy"},
    )
    assert response.status_code == 400
    assert "Tag at least one essential element or program type" in response.content.decode()
    # Only the audited read of the page was written.
    assert counts()[0::2] == before[0::2]
    with pytest.raises(ValidationError):
        publish(tta, item, elements=[11])
    with pytest.raises(ValidationError):
        publish(tta, item, program_types=["swat"])


def test_retagging_a_published_item_is_audited_and_sends_no_second_mail(tta):
    item, _token = submit()
    publish(tta, item)
    first = LibraryItem.objects.get(pk=item.pk).published_at
    publish(tta, item, elements=[2, 3], program_types=[])
    item.refresh_from_db()
    assert (item.elements, item.program_types, item.published_at) == ([2, 3], [], first)
    events = AuditEvent.objects.filter(action=AuditAction.LIBRARY_REVIEWED).order_by("sequence")
    assert [e.detail for e in events] == ["published", "tags changed"]
    assert OutboundEmail.objects.filter(purpose="library_published").count() == 1


def test_changes_requested_then_resubmitted_from_the_private_link(client, cast, tta):
    item, token = submit(body="First draft.")
    url = reverse("library_review_item", args=[item.pk])
    refused = cast.client(tta.reviewer).post(url, {"decision": "changes", "changes-note": " "})
    assert refused.status_code == 400
    assert "Say what the submitter should change." in refused.content.decode()

    done = cast.client(tta.reviewer).post(
        url, {"decision": "changes", "changes-note": "Please remove the names of officers."}
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.review_note) == ("changes", "Please remove the names of officers.")
    message = OutboundEmail.objects.get(purpose="library_changes_requested")
    assert message.to == [SECRET_EMAIL]
    assert "Please remove the names of officers." in message.body
    event = AuditEvent.objects.get(action=AuditAction.LIBRARY_REVIEWED)
    assert ((event.before or {}).get("status"), (event.after or {}).get("status")) == (
        "submitted",
        "changes",
    )

    status_url = reverse("library_status", args=[token])
    page = client.get(status_url).content.decode()
    assert "Please remove the names of officers." in page
    assert "Send back for review" in page
    assert SECRET_EMAIL not in page

    resubmitted = client.post(
        status_url,
        {"kind": "policy", "title": "Crisis response policy, second draft",
         "summary": "Revised.", "body": "Second draft without names."},
    )  # fmt: skip
    assert resubmitted.status_code == 302
    item.refresh_from_db()
    assert (item.status, item.title, item.body) == (
        "submitted",
        "Crisis response policy, second draft",
        "Second draft without names.",
    )
    again = list(
        AuditEvent.objects.filter(action=AuditAction.LIBRARY_SUBMITTED).order_by("sequence")
    )
    assert len(again) == 2
    assert (again[1].before or {}).get("status") == "changes"
    assert (again[1].after or {}).get("status") == "submitted"
    assert again[1].detail == "resubmitted after changes were requested"
    assert OutboundEmail.objects.filter(purpose="library_resubmitted").count() == 1
    # Once sent back, the private page no longer takes changes.
    before = counts()
    late = client.post(status_url, {"kind": "policy", "title": "x", "summary": "y", "body": "z"})
    assert late.status_code == 200
    assert "Send back for review" not in late.content.decode()
    assert counts() == before
    with pytest.raises(ValidationError, match="not waiting for changes"):
        services.resubmit_item(
            ANONYMOUS, item=item, kind="policy", title="x", summary="y", body="z"
        )


def test_resubmitting_a_new_file_replaces_the_old_one(tta, django_capture_on_commit_callbacks):
    item, _token = submit(file=SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf"))
    old = Path(item.file.path)
    services.request_changes(actor_for_user(tta.reviewer), item=item, note="Newer version?")
    with django_capture_on_commit_callbacks(execute=True):
        item = services.resubmit_item(
            ANONYMOUS,
            item=item,
            kind="policy",
            title=item.title,
            summary=item.summary,
            body="",
            file=SimpleUploadedFile("b.pdf", PDF + b"%v2", content_type="application/pdf"),
        )
    assert item.file_name == "b.pdf"
    assert Path(item.file.path).read_bytes() == PDF + b"%v2"
    assert not old.exists()


def test_reject_needs_a_reason_and_the_submitter_reads_it(client, cast, tta):
    item, token = submit()
    url = reverse("library_review_item", args=[item.pk])
    refused = cast.client(tta.reviewer).post(url, {"decision": "reject", "reject-reason": ""})
    assert refused.status_code == 400
    assert "Give the reason the submitter will read." in refused.content.decode()
    assert (
        cast.client(tta.reviewer)
        .post(url, {"decision": "reject", "reject-reason": "This is advertising."})
        .status_code
        == 302
    )
    item.refresh_from_db()
    assert (item.status, item.review_note) == ("rejected", "This is advertising.")
    message = OutboundEmail.objects.get(purpose="library_rejected")
    assert "This is advertising." in message.body
    page = client.get(reverse("library_status", args=[token])).content.decode()
    assert "Not accepted" in page and "This is advertising." in page
    # A declined item cannot be published or sent back later.
    with pytest.raises(ValidationError):
        publish(tta, item)
    with pytest.raises(ValidationError):
        services.request_changes(actor_for_user(tta.reviewer), item=item, note="x")
    assert client.get(reverse("library_item", args=[item.pk])).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_submitter_mail_is_sent_by_the_worker(client, tta, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("library_submit"), form_data(body="Text"))
    assert response.status_code == 302
    call_command("worker", "--batch")
    message = OutboundEmail.objects.get(purpose="library_submitted")
    assert message.status == EmailStatus.SENT
    assert [m.to for m in mail.outbox] == [[SECRET_EMAIL]]
    assert "/library/status/" in mail.outbox[0].body


# --- Public pages and search ----------------------------------------------------------------


@pytest.fixture
def library(tta: Tta) -> dict[str, LibraryItem]:
    made: dict[str, LibraryItem] = {}
    specs = [
        ("dispatch", "dispatch_protocol", "Dispatcher questions for crisis calls",
         "What call-takers ask.", "Ask about weapons and treatment history.", [4], ["cit"]),
        ("transport", "policy", "Transport and custodial transfer policy",
         "Safe handoff at the receiving facility.", "Record the time of transfer.", [6],
         ["co-responder"]),
        ("mou", "mou", "Information exchange agreement",
         "Confidentiality between partners.", "Cross-training on release of information.", [7],
         ["co-responder", "mobile-crisis"]),
    ]  # fmt: skip
    for key, kind, title, summary, body, elements, types in specs:
        item, _token = submit(kind=kind, title=title, summary=summary, body=body)
        made[key] = publish(tta, item, elements=elements, program_types=types)
    made["unpublished"], _token = submit(
        title="Dispatcher draft not yet reviewed", body="Dispatcher crisis weapons."
    )
    return made


def titles(items: list[LibraryItem]) -> list[str]:
    return [i.title for i in items]


def search(**kwargs: Any) -> list[str]:
    return titles(selectors.search_published(selectors.LibraryQuery(**kwargs)))


def test_search_finds_published_items_by_words_in_title_summary_and_body(library):
    assert search(text="dispatcher") == ["Dispatcher questions for crisis calls"]
    assert search(text="DISPATCHER crisis") == ["Dispatcher questions for crisis calls"]
    assert search(text="handoff") == ["Transport and custodial transfer policy"]  # summary
    assert search(text="weapons") == ["Dispatcher questions for crisis calls"]  # body
    assert search(text="dispatcher transport") == []  # every word must match
    assert search(text="nothing-like-this") == []
    assert "Dispatcher draft not yet reviewed" not in search()


def test_filters_by_element_program_type_and_kind(library):
    assert search(element=4) == ["Dispatcher questions for crisis calls"]
    assert set(search(program_type="co-responder")) == {
        "Transport and custodial transfer policy",
        "Information exchange agreement",
    }
    assert search(program_type="mobile-crisis", kind="mou") == ["Information exchange agreement"]
    assert search(kind="mou", element=4) == []
    assert search(text="transfer", program_type="co-responder") == [
        "Transport and custodial transfer policy"
    ]
    assert titles(selectors.published_tagged(element=7)) == ["Information exchange agreement"]
    assert titles(selectors.published_tagged(program_type="cit")) == [
        "Dispatcher questions for crisis calls"
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL's")
def test_postgresql_ranks_title_matches_above_body_matches(tta):
    in_title, _t = submit(title="Evaluation plan", summary="A plan.", body="Data to collect.")
    publish(tta, in_title)
    in_body, _t = submit(title="Annual report", summary="A report.", body="An evaluation.")
    publish(tta, in_body)  # newer, so first without ranking
    assert search(text="evaluation") == ["Evaluation plan", "Annual report"]
    assert search(text="evaluations") == ["Evaluation plan", "Annual report"]  # stemmed


def test_library_index_lists_searches_and_never_shows_contact_details(client, library):
    page = client.get(reverse("library_index")).content.decode()
    assert "3 published items" in page
    assert "Dispatcher draft not yet reviewed" not in page
    assert SECRET_EMAIL not in page and SECRET_NAME not in page
    found = client.get(reverse("library_index"), {"q": "dispatcher", "element": "4"})
    assert found.status_code == 200
    assert "1 item matches" in found.content.decode()
    assert "Dispatcher questions for crisis calls" in found.content.decode()
    bad = client.get(reverse("library_index"), {"element": "12"})
    assert bad.status_code == 200  # an unknown filter is reported, not an error page


def test_library_index_query_count_does_not_grow_with_items(
    client, library, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        client.get(reverse("library_index"))


def test_item_page_is_public_only_once_published(client, library):
    item = library["dispatch"]
    response = client.get(reverse("library_item", args=[item.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Dispatcher questions for crisis calls" in page
    assert "Ask about weapons and treatment history." in page
    assert "4. Call-Taker and Dispatcher Protocols" in page
    assert "Example PD" in page
    assert SECRET_EMAIL not in page and SECRET_NAME not in page
    hidden = library["unpublished"]
    assert client.get(reverse("library_item", args=[hidden.pk])).status_code == 404


def test_markdown_in_items_is_sanitised(client, tta):
    item, _token = submit(body="Hello <script>alert(1)</script> [x](javascript:alert(1))")
    publish(tta, item)
    page = client.get(reverse("library_item", args=[item.pk])).content.decode()
    assert "<script>alert(1)" not in page
    assert "javascript:" not in page


# --- Demo -----------------------------------------------------------------------------------


def test_demo_step_builds_a_realistic_synthetic_library(tta):
    from pmhc.demo.generator import DemoContext

    ctx = DemoContext(
        seed=1,
        scale=1,
        password="unused-password-123",
        rng=random.Random(1),
        actor=system_actor("demo test"),
        today=timezone.localdate(),
        organizations={"tta": tta.org},
        users={"tta_staff": tta.reviewer},
        log=lambda _line: None,
    )
    demo_library.step(ctx)
    items = list(LibraryItem.objects.all())
    by_status = {s: [i for i in items if i.status == s] for s in ReviewStatus.values}
    assert len(by_status["published"]) >= 5
    assert len(by_status["submitted"]) >= 2
    assert len(by_status["changes"]) == 1
    assert all(i.elements or i.program_types for i in by_status["published"])
    assert all(i.reviewed_by == tta.reviewer for i in by_status["published"])
    assert all("(synthetic" in i.title for i in items)
    assert all(i.submitter_email.endswith("@demo.pmhc.invalid") for i in items)
    assert audit.verify().ok
