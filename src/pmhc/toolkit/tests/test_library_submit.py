"""The resource library: submitting and files (review, search: test_library_review.py)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from pmhc.platform.models import (
    AuditEvent,
    OutboundEmail,
)
from pmhc.toolkit.audit_codes import ToolkitAudit
from pmhc.toolkit.models import LibraryItem
from pmhc.toolkit.services import library as services
from pmhc.toolkit.tests.library_support import (
    DOCX_TYPE,
    PDF,
    SECRET_EMAIL,
    SECRET_NAME,
    counts,
    docx_bytes,
    form_data,
    publish,
    submit,
)

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

    event = AuditEvent.objects.get(action=ToolkitAudit.LIBRARY_SUBMITTED)
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

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
        # A zip's first bytes, but no zip; and a zip that is no Word file.
        ("policy.docx", b"PK\x03\x04" + b"\x00" * 64, DOCX_TYPE, "does not look like a Word"),
        ("sheet.xlsx", docx_bytes(), XLSX_TYPE, "does not look like an Excel file"),
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
    read = AuditEvent.objects.get(action=ToolkitAudit.LIBRARY_FILE_READ)
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
